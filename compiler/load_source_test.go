package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/internal/gitrepo"
)

// commitAll commits everything in the work tree of the repository at dir.
func commitAll(t *testing.T, dir, msg string) {
	t.Helper()
	r, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := r.Worktree()
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(60, 0)}}); err != nil {
		t.Fatal(err)
	}
}

// loadAt loads the configuration at dir as it is at revision rev.
func loadAt(t *testing.T, dir, rev string) *Loaded {
	t.Helper()
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Resolve(rev)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := repo.TreeFS(c)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := LoadTree(dir, LoadOptions{FS: fsys, FSRoot: repo.Root(), RelativeTo: repo.Root()})
	if err != nil {
		t.Fatal(err)
	}
	return ld
}

// TestLoadFromCommit: the configuration of a commit, read from its tree,
// is the one on disk at that commit, whatever the work tree holds since;
// the diagnostics name the same files, and the files read are the
// commit's.
func TestLoadFromCommit(t *testing.T) {
	root := t.TempDir()
	if _, err := git.PlainInit(root, false); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "deploy")
	if err := os.CopyFS(dir, os.DirFS("../testdata/examples/library")); err != nil {
		t.Fatal(err)
	}
	// A mistake, committed: the commit's diagnostics must name it where
	// the disk's do.
	bad := "package library\nservices: web: logs: retentionDays: 15\n"
	if err := os.WriteFile(filepath.Join(dir, "extra.cue"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := LoadOptions{RelativeTo: root}
	disk, err := LoadTree(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !disk.Diagnostics.HasErrors() {
		t.Fatal("the mistake was not found on disk")
	}
	commitAll(t, root, "bad")

	// The work tree moves on: fixed, and a file added.
	if err := os.WriteFile(filepath.Join(dir, "extra.cue"), []byte("package library\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new.cue"), []byte("package library\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if now, _ := LoadTree(dir, opts); now.Diagnostics.HasErrors() {
		t.Fatalf("work tree still invalid: %v", now.Diagnostics)
	}

	at := loadAt(t, dir, "HEAD")
	if diff := cmp.Diff(disk.Diagnostics.Errors(), at.Diagnostics.Errors()); diff != "" {
		t.Fatalf("diagnostics at HEAD differ from the disk's at that commit (-disk +HEAD):\n%s", diff)
	}
	if d := at.Diagnostics.Errors()[0]; d.File != filepath.Join("deploy", "extra.cue") || d.Line != 2 {
		t.Fatalf("diagnostic at %s:%d, want deploy/extra.cue:2", d.File, d.Line)
	}
	var paths []string
	for _, f := range at.Files {
		paths = append(paths, f.Path)
		if f.Path == "extra.cue" && string(f.Data) != bad {
			t.Fatalf("extra.cue read from HEAD = %q", f.Data)
		}
	}
	if strings.Contains(strings.Join(paths, " "), "new.cue") {
		t.Fatalf("a file not in the commit was read: %v", paths)
	}
	if diff := cmp.Diff(filePaths(disk.Files), paths); diff != "" {
		t.Fatalf("files read (-disk +HEAD):\n%s", diff)
	}

	// Commit the fix: the commit's configuration is now the work tree's.
	commitAll(t, root, "fixed")
	at = loadAt(t, dir, "HEAD")
	now, _ := LoadTree(dir, opts)
	if at.Project == nil || now.Project == nil {
		t.Fatalf("invalid: %v", at.Diagnostics)
	}
	if diff := cmp.Diff(now.Project, at.Project); diff != "" {
		t.Fatalf("project at HEAD differs from the work tree's (-disk +HEAD):\n%s", diff)
	}
	if len(at.Schema) == 0 {
		t.Fatal("no schema recorded")
	}
}

// TestLoadFromCommitLinks: a symbolic link in a commit is followed inside
// the tree, and refused, naming the link, when it leads out of it.
func TestLoadFromCommitLinks(t *testing.T) {
	root := t.TempDir()
	if _, err := git.PlainInit(root, false); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "deploy")
	if err := os.CopyFS(filepath.Join(root, "shared"), os.DirFS("../testdata/examples/library")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared", filepath.Join(dir, "lib")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, root, "linked")
	if ld := loadAt(t, dir, "HEAD"); ld.Project == nil {
		t.Fatalf("a link inside the tree was not followed: %v", ld.Diagnostics)
	}

	if err := os.Remove(filepath.Join(dir, "lib")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../elsewhere.cue", filepath.Join(dir, "out.cue")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, root, "out")
	ld := loadAt(t, dir, "HEAD")
	errs := ld.Diagnostics.Errors()
	if len(errs) == 0 || errs[0].File != filepath.Join("deploy", "out.cue") || !strings.Contains(errs[0].Message, "outside the repository") {
		t.Fatalf("a link out of the tree: %v", ld.Diagnostics)
	}
}

func filePaths(fs []SourceFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

// TestLoadFromCommitImports: a package of the user's own CUE module that
// the configuration imports is read from the commit too (cue/load over
// the tree), not from the work tree.
func TestLoadFromCommitImports(t *testing.T) {
	root := t.TempDir()
	if _, err := git.PlainInit(root, false); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(root, os.DirFS("../testdata/examples/library")); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib/retention.cue", "package lib\n\ndays: 14\n")
	write("retention.cue", "package library\n\nimport \"example.com/library/lib\"\n\nservices: [_]: logs: retentionDays: lib.days\n")
	opts := LoadOptions{RelativeTo: root}
	if ld, _ := LoadTree(root, opts); ld.Project == nil {
		t.Fatalf("the import does not load on disk: %v", ld.Diagnostics)
	}
	commitAll(t, root, "import")
	// The work tree's library now holds a retention CloudWatch refuses;
	// the commit's does not.
	write("lib/retention.cue", "package lib\n\ndays: 15\n")
	if ld, _ := LoadTree(root, opts); !ld.Diagnostics.HasErrors() {
		t.Fatal("the work tree's bad retention was not found")
	}
	ld := loadAt(t, root, "HEAD")
	if ld.Project == nil {
		t.Fatalf("at HEAD: %v", ld.Diagnostics)
	}
	for _, e := range ld.Project.Environments {
		for _, s := range e.Services {
			if s.Logs.RetentionDays != 14 {
				t.Fatalf("%s/%s: retention %d, want the commit's 14", e.Name, s.Name, s.Logs.RetentionDays)
			}
		}
	}
}
