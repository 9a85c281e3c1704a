package applytest

import (
	"path/filepath"
	"testing"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/provider/aws"
)

// TestProviderSendsEveryCompiledProperty: every property the compiler
// emits for the repository's example and the shared example is one the
// provider sends to AWS (none is dropped).
func TestProviderSendsEveryCompiledProperty(t *testing.T) {
	for _, dir := range []string{
		filepath.Join("..", "..", "..", "testdata", "examples", "library"),
		filepath.Join("..", "..", "..", "..", "shared", "examples", "shop"),
	} {
		proj, diags, err := compiler.Load(dir)
		if err != nil || diags.HasErrors() {
			t.Logf("skipping %s: %v %v", dir, err, diags)
			continue
		}
		graphs, err := compiler.CompileProject(proj, compiler.CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		n := 0
		for _, g := range graphs {
			n += len(g.Resources)
			for _, r := range g.Resources {
				if bad := aws.Unsupported(r.Type, r.Properties); len(bad) > 0 {
					t.Errorf("%s %s %s: the provider does not send %v", dir, g.Environment, r.Address, bad)
				}
			}
		}
		t.Logf("%s: %d resources in %d environments checked", dir, n, len(graphs))
	}
}
