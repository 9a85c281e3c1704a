package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/gitrepo"
)

const overlayFixture = "../testdata/fixtures/fargate-web"

// TestLoadOverlay: an overlaid file is read instead of the disk's; its
// diagnostics are at the overlay's lines; the disk is not touched.
func TestLoadOverlay(t *testing.T) {
	paths, err := SourceFiles(overlayFixture)
	if err != nil {
		t.Fatal(err)
	}
	site, err := filepath.Abs(filepath.Join(overlayFixture, "site.cue"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(paths, site) {
		t.Fatalf("SourceFiles = %v, want %s among them", paths, site)
	}
	orig, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	const old = `"210987654321.dkr.ecr.us-east-1.amazonaws.com/site:3.1.4"`
	if !bytes.Contains(orig, []byte(old)) {
		t.Fatalf("%s no longer holds %s", site, old)
	}

	edited := bytes.Replace(orig, []byte(old), []byte(`"210987654321.dkr.ecr.us-east-1.amazonaws.com/site:3.2.0"`), 1)
	p, ds, err := LoadOverlay(overlayFixture, map[string][]byte{site: edited}, LoadOptions{})
	if err != nil || ds.HasErrors() {
		t.Fatalf("LoadOverlay: %v\n%s", err, ds)
	}
	if got := serviceImage(t, p.Env("prod").Services, "site"); got != "210987654321.dkr.ecr.us-east-1.amazonaws.com/site:3.2.0" {
		t.Errorf("prod's site runs %q, want the overlay's image", got)
	}

	broken := bytes.Replace(orig, []byte(old), []byte(`"has a space"`), 1)
	_, ds, err = LoadOverlay(overlayFixture, map[string][]byte{site: broken}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + bytes.Count(broken[:bytes.Index(broken, []byte(`"has a space"`))], []byte("\n"))
	found := false
	for _, d := range ds.Errors() {
		found = found || strings.HasSuffix(d.File, "site.cue") && d.Line == line && strings.Contains(d.Path, "image")
	}
	if !found {
		t.Errorf("no error at site.cue:%d for the overlay's image; got:\n%s", line, ds)
	}

	after, err := os.ReadFile(site)
	if err != nil || !bytes.Equal(after, orig) {
		t.Errorf("LoadOverlay changed %s on disk", site)
	}
}

func serviceImage(t *testing.T, svcs []*config.Service, name string) string {
	t.Helper()
	for _, s := range svcs {
		if s.Name == name {
			return s.Image
		}
	}
	t.Fatalf("no service %s", name)
	return ""
}

// TestLoadOverlayImports: the overlay is the tree the whole load reads,
// the packages the configuration imports (cue/load) included, and it lays
// over a commit's tree (opts.FS) as over the disk.
func TestLoadOverlayImports(t *testing.T) {
	root := t.TempDir()
	if _, err := git.PlainInit(root, false); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(root, os.DirFS("../testdata/examples/library")); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(root, "lib", "retention.cue")
	if err := os.MkdirAll(filepath.Dir(lib), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lib, []byte("package lib\n\ndays: 14\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	use := "package library\n\nimport \"example.com/library/lib\"\n\nservices: [_]: logs: retentionDays: lib.days\n"
	if err := os.WriteFile(filepath.Join(root, "retention.cue"), []byte(use), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := LoadOptions{RelativeTo: root}
	if _, ds, err := LoadOverlay(root, nil, opts); err != nil || ds.HasErrors() {
		t.Fatalf("no overlay: %v\n%s", err, ds)
	}
	// CloudWatch has no 15-day retention: the overlaid library is read.
	bad := map[string][]byte{lib: []byte("package lib\n\ndays: 15\n")}
	if _, ds, err := LoadOverlay(root, bad, opts); err != nil || !ds.HasErrors() {
		t.Fatalf("the overlaid library's 15 days were not read: %v\n%s", err, ds)
	}

	commitAll(t, root, "import")
	repo, err := gitrepo.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Resolve("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := repo.TreeFS(c)
	if err != nil {
		t.Fatal(err)
	}
	// The work tree's library goes bad; the commit's, overlaid with a
	// good value other than its own, loads with the overlay's value.
	if err := os.WriteFile(lib, []byte("package lib\n\ndays: 15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	atHead := LoadOptions{FS: fsys, FSRoot: repo.Root(), RelativeTo: repo.Root()}
	p, ds, err := LoadOverlay(root, map[string][]byte{lib: []byte("package lib\n\ndays: 30\n")}, atHead)
	if err != nil || ds.HasErrors() {
		t.Fatalf("overlay on the commit: %v\n%s", err, ds)
	}
	for _, e := range p.Environments {
		for _, s := range e.Services {
			if s.Logs.RetentionDays != 30 {
				t.Fatalf("%s/%s: retention %d, want the overlay's 30", e.Name, s.Name, s.Logs.RetentionDays)
			}
		}
	}
}
