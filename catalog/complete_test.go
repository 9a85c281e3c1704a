package catalog_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// providers lists every provider's per-type handlers, by provider name:
// each must handle every type the catalog registers.
var providers = map[string][]string{
	"sandbox": sandbox.Types(),
	"aws":     aws.Types(),
}

// TestRegistryIsComplete: every type the compiler emits for the
// repository's fixtures and examples has a catalog entry with a
// normaliser, every registered type is emitted by some fixture (so none
// goes untested), and every provider handles every registered type.
func TestRegistryIsComplete(t *testing.T) {
	emitted := emittedTypes(t)
	for typ, where := range emitted {
		ty, ok := catalog.Lookup(typ)
		switch {
		case !ok:
			t.Errorf("%s (compiled from %s) has no catalog entry", typ, where)
		case ty.Normalise == nil:
			t.Errorf("%s has no normaliser", typ)
		}
	}
	for _, name := range catalog.Names() {
		if _, ok := emitted[name]; !ok {
			t.Errorf("%s is registered but no fixture in testdata compiles to it", name)
		}
		for p, handled := range providers {
			if !slices.Contains(handled, name) {
				t.Errorf("%s has no handler in the %s provider", name, p)
			}
		}
	}
	for p, handled := range providers {
		for _, typ := range handled {
			if _, ok := catalog.Lookup(typ); !ok {
				t.Errorf("the %s provider handles %s, which the catalog does not register", p, typ)
			}
		}
	}
}

// emittedTypes compiles every environment of every repository under
// testdata/fixtures and testdata/examples and returns each type emitted,
// with one address that has it.
func emittedTypes(t *testing.T) map[string]string {
	t.Helper()
	var dirs []string
	for _, pattern := range []string{"../testdata/fixtures/*", "../testdata/examples/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	out := map[string]string{}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		p, diags, err := compiler.Load(dir)
		if err != nil || diags.HasErrors() {
			t.Fatalf("%s: %v %v", dir, err, diags)
		}
		graphs, err := compiler.CompileProject(p, compiler.CompileOptions{})
		if err != nil {
			t.Errorf("%s: %v", dir, err) // a type without an entry, say
			continue
		}
		for _, g := range graphs {
			for _, r := range g.Resources {
				if _, seen := out[r.Type]; !seen {
					out[r.Type] = filepath.Base(dir) + "/" + g.Environment + ": " + r.Address
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no fixture compiled")
	}
	return out
}
