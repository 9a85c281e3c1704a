package compiler

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/internal/gen"
)

// loadGenerated writes a generated repository (internal/gen) and loads it;
// loading is setup, not what the compile benchmarks measure.
func loadGenerated(b *testing.B, services, envs int) *config.Project {
	b.Helper()
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Services: services, Environments: envs}); err != nil {
		b.Fatal(err)
	}
	p, diags, err := Load(dir)
	if err != nil || diags.HasErrors() {
		b.Fatalf("load: %v\n%v", err, diags.Errors())
	}
	return p
}

func benchmarkCompile(b *testing.B, services, envs int, marshal bool) {
	p := loadGenerated(b, services, envs)
	var resources int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		graphs, err := CompileProject(p, CompileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		resources = 0
		for _, g := range graphs {
			resources += len(g.Resources)
		}
		if marshal {
			// What `gantry compile` does after compiling: mask and print.
			masked := make([]*graph.Graph, len(graphs))
			for i, g := range graphs {
				masked[i] = g.Masked()
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(masked); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(buf.Len())/1e6, "MB-json/op")
		}
	}
	b.ReportMetric(float64(resources), "resources/op")
}

// BenchmarkCompile2000x3 compiles 2000 services in 3 environments (the
// issue's target size); docs/benchmarks.md records the result.
func BenchmarkCompile2000x3(b *testing.B) { benchmarkCompile(b, 2000, 3, false) }

// BenchmarkCompile2000x3JSON adds masking and JSON encoding, the rest of
// `gantry compile` after loading.
func BenchmarkCompile2000x3JSON(b *testing.B) { benchmarkCompile(b, 2000, 3, true) }

// BenchmarkCompile200x3 is the everyday size.
func BenchmarkCompile200x3(b *testing.B) { benchmarkCompile(b, 200, 3, false) }
