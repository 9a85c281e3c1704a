package planner

import (
	"context"
	"fmt"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// openSandbox opens a fresh sandbox; shuffle makes it return set-like lists
// in another order than they were given (as AWS does).
func openSandbox(t testing.TB, shuffle bool, seed int64) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir(), sandbox.Options{IgnoreEnv: true,
		Knobs: &sandbox.Knobs{NoShuffle: !shuffle, Seed: seed}})
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// createAll creates every resource of g in dependency order, resolving
// references from what the provider returned for the resources before, and
// tags each with gantry:applied as the applier does. It stands in for the
// applier so that this test checks the planner and the provider alone.
func createAll(t testing.TB, ctx context.Context, prov provider.Provider, scope provider.Scope, g *graph.Graph) {
	t.Helper()
	created := map[string]*provider.Observed{}
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	// The plan of an empty account gives each change, whose AppliedHash is
	// what the applier writes, and the SSM parameters' values it sends.
	params, err := ResolveParameters(ctx, prov, scope, g)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Diff(g, nil, scope, Options{Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range order {
		r := g.Get(addr)
		withParams, missing := fresh.ResolvedProperties(r)
		if len(missing) > 0 {
			t.Fatalf("%s: unresolved parameters %v", addr, missing)
		}
		props, ok := graph.Resolve(withParams, func(ref graph.Ref) (string, bool) {
			o := created[ref.Address]
			if o == nil {
				return "", false
			}
			s, ok := o.Attributes[ref.Attribute]
			return s, ok
		})
		if !ok {
			t.Fatalf("%s: unresolved reference in %v", addr, graph.Refs(r.Properties))
		}
		req := provider.Request{Address: addr, Type: r.Type,
			Properties: graph.Unwrap(props).(map[string]any), Tags: map[string]string{}}
		for k, v := range r.Tags {
			req.Tags[k] = v
		}
		if r.Tags != nil {
			req.Tags[TagApplied] = fresh.Change(addr).AppliedHash(req.Properties, r.Tags)
		}
		o, err := prov.Create(ctx, scope, req)
		if err != nil {
			t.Fatalf("create %s: %v", addr, err)
		}
		created[addr] = o
	}
}

func planOnce(t testing.TB, prov provider.Provider, env *config.Environment) *Plan {
	t.Helper()
	p, err := Make(context.Background(), prov, envScope(env), func(pinned map[string]int) (*graph.Graph, error) {
		return compileEnv(t, env, pinned), nil
	}, Options{GantryVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRoundTripEveryType is the test that catches perpetual diffs: create
// every resource type in a fresh sandbox from the compiled graph, plan
// again, and expect nothing to change — with the sandbox returning AWS's
// defaults and set-like lists in the order given and in other orders.
func TestRoundTripEveryType(t *testing.T) {
	for _, tc := range []struct {
		name    string
		shuffle bool
		seed    int64
	}{{"in order", false, 1}, {"shuffled", true, 1}, {"shuffled again", true, 7}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			env := testEnvironment(2)
			sb := openSandbox(t, tc.shuffle, tc.seed)
			first := planOnce(t, sb, env)
			if s := first.Summary(); s[Create] != len(first.Desired.Resources) || s.Changed() != s[Create] {
				t.Fatalf("fresh sandbox: %v, want %d creates", s, len(first.Desired.Resources))
			}
			createAll(t, ctx, sb, envScope(env), first.Desired)

			again := planOnce(t, sb, env)
			types := map[string]bool{}
			for _, c := range again.Changes {
				types[c.Type] = true
				if c.Action != NoOp {
					t.Errorf("%s (%s): %s, %s", c.Address, c.Type, c.Action, c.Reason)
					for _, d := range c.Diffs {
						t.Errorf("    %s: %v → %v", d.Path, d.Before, d.After)
					}
				}
			}
			for _, ty := range catalog.All() {
				if !types[ty.Name] {
					t.Errorf("round trip did not cover %s", ty.Name)
				}
			}
			// A third read in another order fingerprints the same.
			third := planOnce(t, sb, env)
			for i, c := range again.Changes {
				if c.Fingerprint != third.Changes[i].Fingerprint {
					t.Errorf("%s: fingerprint changed between two reads of the same state", c.Address)
				}
			}
		})
	}
}

// TestRoundTripRenderings: the plan of an unchanged environment says so in
// every format.
func TestNoChangesRendering(t *testing.T) {
	env := testEnvironment(0)
	sb := openSandbox(t, true, 3)
	createAll(t, context.Background(), sb, envScope(env), compileEnv(t, env, nil))
	p := planOnce(t, sb, env)
	if p.HasChanges() {
		t.Fatalf("changes after create: %s", summaryLine(p))
	}
	want := fmt.Sprintf("No changes. %d resources are up to date.", len(p.Changes))
	if got := summaryLine(p); got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
