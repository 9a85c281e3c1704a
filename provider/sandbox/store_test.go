package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// A directory that does not exist is an error unless asked to create it:
// a mistyped --sandbox path must not be a silently empty account.
func TestOpenNeedsAnExistingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, err := Open(dir, Options{IgnoreEnv: true})
	var ne *NotExistError
	if !errors.As(err, &ne) || ne.Dir != dir || !strings.Contains(err.Error(), "gantry sandbox init") {
		t.Fatalf("Open of a missing directory: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created %s", dir)
	}
	if _, err := Open(dir, Options{IgnoreEnv: true, Create: true}); err != nil {
		t.Fatalf("Open with Create: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "sandbox.db"), Options{IgnoreEnv: true}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open of a file: %v", err)
	}
}

// A read-only handle never writes: on an empty directory it reads an empty
// account and creates nothing; on a sandbox it reads, leaves the files as
// they were, and refuses writes.
func TestReadOnlyNeverWrites(t *testing.T) {
	empty := t.TempDir()
	ro, err := Open(empty, Options{IgnoreEnv: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if live, err := ro.ListOwned(ctx, testScope); err != nil || len(live) != 0 {
		t.Fatalf("ListOwned of an empty directory: %v %v", live, err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a read-only handle wrote %d files into an empty directory", len(entries))
	}

	dir := t.TempDir()
	rw, err := Open(dir, Options{IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	req := provider.Request{Address: "service/api/log-group", Type: catalog.LogGroup, Properties: map[string]any{"LogGroupName": "/ecs/api"},
		Tags: map[string]string{"gantry:project": testScope.Project, "gantry:environment": testScope.Environment, "gantry:address": "service/api/log-group"}}
	if _, err := rw.Create(ctx, testScope, req); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "sandbox.db")
	before, _ := os.ReadFile(db)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(db, old, old); err != nil {
		t.Fatal(err)
	}
	ro, err = Open(dir, Options{IgnoreEnv: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if live, err := ro.ListOwned(ctx, testScope); err != nil || len(live) != 1 {
		t.Fatalf("read-only ListOwned: %d resources, %v", len(live), err)
	}
	if _, err := ro.Create(ctx, testScope, req); !errors.Is(err, errReadOnly) {
		t.Errorf("a write through a read-only handle: %v", err)
	}
	after, _ := os.ReadFile(db)
	fi, _ := os.Stat(db)
	if string(before) != string(after) || !fi.ModTime().Equal(old) {
		t.Errorf("a read-only handle changed %s (modified %s, was %s)", db, fi.ModTime(), old)
	}
}

// A damaged database is an error naming the file, never a panic.
func TestDamagedDatabaseIsAnError(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"garbage": func(path string) error {
			return os.WriteFile(path, []byte(strings.Repeat("not a database ", 5000)), 0o644)
		},
		"torn pages": func(path string) error {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte(strings.Repeat("\xa5", 4*4096)), 2*4096)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{IgnoreEnv: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.ListOwned(ctx, testScope); err != nil {
				t.Fatal(err)
			}
			if err := damage(filepath.Join(dir, "sandbox.db")); err != nil {
				t.Fatal(err)
			}
			// A panic inside bbolt's open leaves the file locked by
			// this process: each try gets its own copy.
			b, err := os.ReadFile(filepath.Join(dir, "sandbox.db"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				dir := t.TempDir()
				db := filepath.Join(dir, "sandbox.db")
				if err := os.WriteFile(db, b, 0o644); err != nil {
					t.Fatal(err)
				}
				s, err := Open(dir, Options{IgnoreEnv: true, ReadOnly: ro})
				if err == nil {
					_, err = s.ListOwned(ctx, testScope)
				}
				if err == nil || !strings.Contains(err.Error(), db+" is damaged") {
					t.Errorf("read-only %v: %v, want an error saying %s is damaged", ro, err, db)
				}
			}
		})
	}
}
