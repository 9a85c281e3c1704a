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
