package compiler

import (
	"testing"

	"github.com/gantry-gitops/gantry/internal/gen"
)

// benchmarkLoad validates a generated repository (see internal/gen and
// docs/benchmarks.md, section validate).
func benchmarkLoad(b *testing.B, services int) {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Services: services, Environments: 3}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, diags, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
		if err != nil || diags.HasErrors() || p == nil {
			b.Fatalf("load: %v\n%s", err, diags)
		}
	}
}

func BenchmarkValidate200x3(b *testing.B)  { benchmarkLoad(b, 200) }
func BenchmarkValidate2000x3(b *testing.B) { benchmarkLoad(b, 2000) }
