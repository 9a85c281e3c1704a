package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/config"
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
