package gitinfo

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestRead(t *testing.T) {
	root := t.TempDir()
	// Outside git: nothing, no error.
	if info, err := Read(root); err != nil || info != (Info{}) {
		t.Fatalf("outside git: %+v, %v", info, err)
	}
	repo, err := git.PlainInit(root, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "deploy")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("deploy/app.cue", "package app\n")
	wt, _ := repo.Worktree()
	if _, err := wt.Add("deploy/app.cue"); err != nil {
		t.Fatal(err)
	}
	hash, err := wt.Commit("init", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@x", When: time.Unix(0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := Read(cfg)
	if err != nil || info.Commit != hash.String() || info.Dirty {
		t.Fatalf("clean: %+v, %v (want %s)", info, err, hash)
	}
	// A change outside the configuration directory does not make it dirty.
	write("README.md", "hello\n")
	if info, _ := Read(cfg); info.Dirty {
		t.Error("a file outside DIR made it dirty")
	}
	write("deploy/app.cue", "package app\n// edited\n")
	if info, _ := Read(cfg); !info.Dirty || info.Commit != hash.String() {
		t.Errorf("edited: %+v", info)
	}
}

// A plan file is exposed in a work tree unless git ignores it: by a
// .gitignore at the root or in a subdirectory, or by info/exclude.
func TestExposed(t *testing.T) {
	outside := t.TempDir()
	if _, exposed, err := Exposed(filepath.Join(outside, "prod.plan")); err != nil || exposed {
		t.Fatalf("outside git: exposed %v, %v", exposed, err)
	}
	root := t.TempDir()
	if _, err := git.PlainInit(root, false); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".gitignore", "*.plan\n")
	write("deploy/.gitignore", "plans/\n")
	write(".git/info/exclude", "*.excluded\n")
	for path, want := range map[string]bool{
		"prod.plan":             false,
		"deploy/staging.plan":   false,
		"deploy/plans/prod.out": false,
		"prod.excluded":         false,
		"prod.out":              true,
		"deploy/prod.json":      true,
	} {
		got, exposed, err := Exposed(filepath.Join(root, path))
		if err != nil || exposed != want || got != root {
			t.Errorf("%s: exposed %v in %s (%v), want %v in %s", path, exposed, got, err, want, root)
		}
	}
}
