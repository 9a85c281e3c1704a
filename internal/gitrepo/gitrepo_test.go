package gitrepo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// testRepo is a repository in a temporary directory, built with go-git.
type testRepo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
	wt   *git.Worktree
	n    int
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: r, wt: wt}
}

func (r *testRepo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	if err := r.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
	r.n++
	h, err := r.wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(int64(r.n)*60, 0)}})
	if err != nil {
		r.t.Fatal(err)
	}
	return h.String()
}

func (r *testRepo) checkout(branch string, create bool) {
	r.t.Helper()
	if err := r.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch), Create: create}); err != nil {
		r.t.Fatal(err)
	}
}

func TestTreeFSReadsTheCommitNotTheWorkTree(t *testing.T) {
	r := newTestRepo(t)
	r.write("deploy/app.cue", "package app\nx: 1\n")
	r.write("deploy/lib/svc.cue", "package app\ny: 2\n")
	r.write("README.md", "hello\n")
	if err := os.Symlink("lib/svc.cue", filepath.Join(r.dir, "deploy/link.cue")); err != nil {
		t.Fatal(err)
	}
	first := r.commit("first")
	r.write("deploy/app.cue", "package app\nx: 3\n")
	r.commit("second")
	r.write("deploy/app.cue", "package app\nx: 4 // not committed\n")

	repo, err := Open(filepath.Join(r.dir, "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Resolve("HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash != first {
		t.Fatalf("HEAD~1 = %s, want %s", c.Hash, first)
	}
	fsys, err := repo.TreeFS(c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(fsys, "deploy/app.cue")
	if err != nil || string(b) != "package app\nx: 1\n" {
		t.Fatalf("deploy/app.cue at HEAD~1 = %q, %v", b, err)
	}
	// A symbolic link: Lstat and ReadLink see it, reading follows it.
	if b, err := fs.ReadFile(fsys, "deploy/link.cue"); err != nil || string(b) != "package app\ny: 2\n" {
		t.Fatalf("deploy/link.cue = %q, %v", b, err)
	}
	if target, err := fs.ReadLink(fsys, "deploy/link.cue"); err != nil || target != "lib/svc.cue" {
		t.Fatalf("ReadLink = %q, %v", target, err)
	}
	if fi, err := fs.Lstat(fsys, "deploy/link.cue"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("Lstat = %v, %v", fi, err)
	}
	if _, err := fs.ReadFile(fsys, "deploy/none.cue"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want ErrNotExist", err)
	}
	// The io/fs conformance checks: Open, ReadDir, Stat, ReadFile agree.
	if err := fstest.TestFS(fsys, "README.md", "deploy/app.cue", "deploy/lib/svc.cue", "deploy/link.cue"); err != nil {
		t.Fatal(err)
	}
	// The work tree is untouched: the uncommitted edit is still there.
	if b, _ := os.ReadFile(filepath.Join(r.dir, "deploy/app.cue")); string(b) != "package app\nx: 4 // not committed\n" {
		t.Fatalf("work tree changed: %q", b)
	}
}

func TestLinksLeavingTheTreeDoNotExist(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.cue", "package a\n")
	if err := os.Symlink("../outside.cue", filepath.Join(r.dir, "out.cue")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop.cue", filepath.Join(r.dir, "loop.cue")); err != nil {
		t.Fatal(err)
	}
	r.commit("links")
	repo, err := Open(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := repo.Resolve("HEAD")
	fsys, _ := repo.TreeFS(c)
	if _, err := fs.ReadFile(fsys, "out.cue"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("link out of the tree: %v, want ErrNotExist", err)
	}
	if _, err := fs.ReadFile(fsys, "loop.cue"); err == nil {
		t.Error("a link to itself was read")
	}
}

func TestResolveErrors(t *testing.T) {
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrNotRepository) {
		t.Fatalf("Open outside git: %v, want ErrNotRepository", err)
	}
	r := newTestRepo(t)
	r.write("a.cue", "package a\n")
	r.commit("one")
	repo, _ := Open(r.dir)
	if _, err := repo.Resolve("nosuch"); err == nil || err.Error() == "" {
		t.Fatal("resolved a revision that does not exist")
	}
}

func TestOnBranch(t *testing.T) {
	r := newTestRepo(t)
	r.write("a.cue", "package a\n")
	base := r.commit("base")
	r.checkout("feature", true)
	r.write("b.cue", "package a\n")
	feature := r.commit("feature work")
	r.checkout("main", false)
	r.write("c.cue", "package a\n")
	r.commit("main work")
	repo, _ := Open(r.dir)
	check := func(rev, branch string, want bool) {
		t.Helper()
		c, err := repo.Resolve(rev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := repo.OnBranch(c, branch)
		if err != nil || got != want {
			t.Fatalf("OnBranch(%s, %s) = %v, %v; want %v", rev, branch, got, err, want)
		}
	}
	check("main", "main", true)
	check(base, "main", true)
	check(feature, "main", false)
	check(feature, "feature", true)

	// Merged (a merge commit with both parents), the feature's commit is
	// on main.
	head, _ := repo.Resolve("main")
	tree, _ := head.c.Tree()
	merge := &object.Commit{Author: object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(9999, 0)},
		Message: "merge", TreeHash: tree.Hash, ParentHashes: []plumbing.Hash{head.c.Hash, plumbing.NewHash(feature)}}
	obj := r.repo.Storer.NewEncodedObject()
	if err := merge.Encode(obj); err != nil {
		t.Fatal(err)
	}
	h, err := r.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), h)); err != nil {
		t.Fatal(err)
	}
	check(feature, "main", true)

	// Only a remote-tracking branch (a CI checkout): origin/release.
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", "release"), plumbing.NewHash(base))); err != nil {
		t.Fatal(err)
	}
	check(base, "release", true)
	check(feature, "release", false)
	c, _ := repo.Resolve(base)
	if _, err := repo.OnBranch(c, "nosuch"); err == nil {
		t.Fatal("no error for a branch that does not exist")
	}
}
