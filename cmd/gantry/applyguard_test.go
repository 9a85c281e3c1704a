package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// TestGuardOutsideGitAndBeforeTheFirstCommit: outside a repository there
// is nothing to check; in one with no commit yet, everything is
// uncommitted (refused unless --allow-dirty, and then no branch to be on);
// a clean main passes; and only files under DIR make it dirty.
func TestGuardOutsideGitAndBeforeTheFirstCommit(t *testing.T) {
	t.Setenv(EnvBranch, "")
	plain := t.TempDir()
	if err := (&guardFlags{}).check(plain); err != nil {
		t.Fatalf("outside git: %v", err)
	}

	root := t.TempDir()
	repo, err := git.PlainInitWithOptions(root, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "deploy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.cue"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = (&guardFlags{}).check(dir)
	if err == nil || !strings.Contains(err.Error(), "has uncommitted changes") {
		t.Fatalf("no commit yet: %v", err)
	}
	if err := (&guardFlags{allowDirty: true}).check(dir); err != nil {
		t.Fatalf("no commit yet, --allow-dirty: %v", err)
	}

	wt, _ := repo.Worktree()
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(60, 0)}
	if _, err := wt.Commit("first", &git.CommitOptions{Author: sig}); err != nil {
		t.Fatal(err)
	}
	if err := (&guardFlags{}).check(dir); err != nil {
		t.Fatalf("clean, on main: %v", err)
	}
	// A file outside DIR (a plan file, notes) does not make DIR dirty.
	if err := os.WriteFile(filepath.Join(root, "prod.plan"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := (&guardFlags{}).check(dir); err != nil {
		t.Fatalf("an untracked file outside DIR: %v", err)
	}
	// A repository whose branch is not main: refused, naming the way out.
	err = (&guardFlags{branch: "trunk"}).check(dir)
	if err == nil || !strings.Contains(err.Error(), "no branch trunk") || !strings.Contains(err.Error(), "--any-branch") {
		t.Fatalf("--branch trunk: %v", err)
	}
}
