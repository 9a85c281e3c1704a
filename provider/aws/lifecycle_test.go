package aws

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// emulatorProvider returns a provider on the emulator for a scope of its own.
func emulatorProvider(t *testing.T, project string) (*Provider, provider.Scope) {
	t.Helper()
	needEmulator(t)
	scope := provider.Scope{Project: project, Environment: "staging", Account: emulatorAccount, Region: emulatorRegion}
	p, err := New(context.Background(), scope, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p, scope
}

// createAll creates g's resources in dependency order; a failed create is
// reported and its dependents are left out. It returns what was created
// and the graph of it.
func createAll(t *testing.T, p *Provider, scope provider.Scope, g *graph.Graph) (*applied, *graph.Graph) {
	t.Helper()
	a := &applied{g: g, live: map[string]*provider.Observed{}}
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	sub := &graph.Graph{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
	for _, addr := range order {
		r := g.Get(addr)
		skip := !slices.Contains(Types(), r.Type)
		for _, d := range r.DependsOn {
			skip = skip || a.live[d] == nil
		}
		if skip {
			t.Logf("not created (no handler or a dependency failed): %s", addr)
			continue
		}
		o, err := p.Create(context.Background(), scope, a.request(t, addr))
		if err != nil {
			t.Errorf("create %s: %v", addr, err)
			continue
		}
		if o.Address != addr {
			t.Errorf("create %s: observed address %q", addr, o.Address)
		}
		a.live[addr] = o
		sub.Resources = append(sub.Resources, r)
	}
	sub.Sort()
	return a, sub
}

// assertNoChanges plans g against live and fails on any change.
func assertNoChanges(t *testing.T, g *graph.Graph, live []*provider.Observed, scope provider.Scope) {
	t.Helper()
	plan, err := planner.Diff(g, live, scope, planner.Options{Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action == planner.NoOp {
			continue
		}
		b, _ := json.MarshalIndent(c.Diffs, "", "  ")
		t.Errorf("%s (%s): %s: %s\n%s", c.Address, c.Type, c.Action, c.Reason, b)
	}
}

func TestEmulatorCreateReadPlanDelete(t *testing.T) {
	p, scope := emulatorProvider(t, "shop")
	ctx := context.Background()
	net := makeNetwork(t, p)
	g := fixtureGraph(scope, net, 2, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	a, sub := createAll(t, p, scope, g)

	live, err := p.ListOwned(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	byAddr := map[string]*provider.Observed{}
	for _, o := range live {
		if byAddr[o.Address] != nil {
			t.Errorf("ListOwned lists %s twice", o.Address)
		}
		byAddr[o.Address] = o
	}
	for addr, o := range a.live {
		if byAddr[addr] == nil {
			t.Errorf("ListOwned misses %s (%s %s)", addr, o.Type, o.ID)
		} else if byAddr[addr].ID != o.ID {
			t.Errorf("%s: ListOwned id %s, Create returned %s", addr, byAddr[addr].ID, o.ID)
		}
	}
	assertNoChanges(t, sub, live, scope)

	// Another environment of the same project sees none of it.
	other := scope
	other.Environment = "prod"
	if l, err := p.ListOwned(ctx, other); err != nil || len(l) != 0 {
		t.Errorf("prod lists %d resources of staging (err %v)", len(l), err)
	}
	// A second create of each resource adopts it.
	for _, addr := range []string{"service/svc0/log-group", "service/svc0/target-group", "load-balancer/public"} {
		if a.live[addr] == nil {
			continue
		}
		o, err := p.Create(ctx, scope, a.request(t, addr))
		if err != nil || o.ID != a.live[addr].ID {
			t.Errorf("second create of %s: %v (id %v, want %s)", addr, err, o, a.live[addr].ID)
		}
	}

	deleteAll(t, p, scope, sub, a)
	if l, err := p.ListOwned(ctx, scope); err != nil || len(l) != 0 {
		for _, o := range l {
			t.Errorf("left after deleting everything: %s %s", o.Address, o.ID)
		}
	}
}

// deleteAll deletes what a holds in reverse dependency order.
func deleteAll(t *testing.T, p *Provider, scope provider.Scope, g *graph.Graph, a *applied) {
	t.Helper()
	order, _ := g.TopoOrder()
	for i := len(order) - 1; i >= 0; i-- {
		o := a.live[order[i]]
		if o == nil {
			continue
		}
		if err := p.Delete(context.Background(), scope, o); err != nil {
			t.Errorf("delete %s: %v", o.Address, err)
		}
	}
}
