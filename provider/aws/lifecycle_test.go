package aws

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
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
		for try := 1; provider.IsRetryable(err) && try < 5; try++ {
			// As the applier does; a retried create adopts what the
			// failed one made.
			t.Logf("create %s: retrying: %v", addr, err)
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
			o, err = p.Create(context.Background(), scope, a.request(t, addr))
		}
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
		var real []planner.PropertyDiff
		for _, d := range c.Diffs {
			if why := emulatorDisagrees(c.Type, d.Path); why != "" && c.Action == planner.Update {
				t.Logf("%s: %s differs only because the emulator disagrees with the AWS API reference: %s", c.Address, d.Path, why)
				continue
			}
			real = append(real, d)
		}
		if len(real) == 0 && c.Action == planner.Update {
			continue
		}
		b, _ := json.MarshalIndent(real, "", "  ")
		t.Errorf("%s (%s): %s: %s\n%s", c.Address, c.Type, c.Action, c.Reason, b)
	}
}

// emulatorDisagreements are read-backs where the emulator and the AWS API
// reference disagree. The provider follows the reference; the test
// tolerates exactly these differences, by type and diff path.
var emulatorDisagreements = map[string]string{
	// The reference: a launch template's own tags (TagSpecifications of
	// resource type launch-template in CreateLaunchTemplate) tag the
	// template; LaunchTemplateData.TagSpecifications are what instances
	// get at launch. moto copies the template's tags into the data.
	catalog.LaunchTemplate + " LaunchTemplateData.TagSpecifications": "moto stores CreateLaunchTemplate's TagSpecifications in the version data",
	// CreateAutoScalingGroup's reference: HealthCheckGracePeriod
	// "Default: 0 seconds" (300 is the console's default); moto fills 300.
	catalog.AutoScalingGroup + " HealthCheckGracePeriod": "moto defaults HealthCheckGracePeriod to 300, the API reference to 0",
	// The group's launch template version reads as (known after apply) only
	// because of the launch template difference above.
	catalog.AutoScalingGroup + " LaunchTemplate.Version": "follows the launch template's emulator difference",
}

func emulatorDisagrees(typ, path string) string { return emulatorDisagreements[typ+" "+path] }

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
