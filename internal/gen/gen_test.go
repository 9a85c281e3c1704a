package gen_test

import (
	"fmt"
	"testing"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/internal/gen"
)

// TestGeneratedRepositoriesValidate checks that every size the generator
// accepts gives a configuration gantry accepts without a finding: the
// benchmarks must measure the happy path, and a generated policy must only
// refine environments that exist (one environment has no prod).
func TestGeneratedRepositoriesValidate(t *testing.T) {
	for envs := 1; envs <= 9; envs++ {
		t.Run(fmt.Sprintf("envs=%d", envs), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// 8 services: routed and worker, Fargate and EC2, more than one
			// of each kind.
			if err := gen.Write(dir, gen.Options{Services: 8, Environments: envs}); err != nil {
				t.Fatal(err)
			}
			p, ds, err := compiler.LoadWithOptions(dir, compiler.LoadOptions{RelativeTo: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) > 0 {
				t.Fatalf("generated repository with %d environments is not clean:\n%s", envs, ds)
			}
			if p == nil || len(p.Environments) != envs {
				t.Fatalf("want %d environments, got %v", envs, p)
			}
			for _, e := range p.Environments {
				if len(e.Services) != 8 {
					t.Errorf("environment %s: want 8 services, got %d", e.Name, len(e.Services))
				}
			}
		})
	}
}

func TestWriteRejectsEnvironmentCounts(t *testing.T) {
	for _, n := range []int{0, 10} {
		if err := gen.Write(t.TempDir(), gen.Options{Services: 1, Environments: n}); err == nil {
			t.Errorf("Write with %d environments: want an error", n)
		}
	}
}

// The benchmarks' repositories must be valid and clean, or they measure
// the error path (or fail): 200 services is the smaller benchmark size and
// large enough for every per-cluster and per-load-balancer limit to bite.
func TestBenchmarkRepositoryIsClean(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Options{Services: 200, Environments: 3}); err != nil {
		t.Fatal(err)
	}
	p, ds, err := compiler.LoadWithOptions(dir, compiler.LoadOptions{RelativeTo: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) > 0 || p == nil {
		t.Fatalf("the 200-service benchmark repository is not clean:\n%s", ds)
	}
}
