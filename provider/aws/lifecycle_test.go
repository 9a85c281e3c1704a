package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// emulatorProvider returns a provider on the emulator for a scope of its own.
func emulatorProvider(t *testing.T, project string) (*Provider, provider.Scope) {
	t.Helper()
	awstest.Need(t)
	scope := provider.Scope{Project: project, Environment: "staging", Account: awstest.Account, Region: awstest.Region}
	p, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return p, scope
}

// createAll creates g's resources in dependency order; a failed create is
// reported and its dependents are left out. It returns what was created
// and the graph of it.
func createAll(t *testing.T, p *Provider, scope provider.Scope, g *graph.Graph) (*awstest.Applied, *graph.Graph) {
	t.Helper()
	a := &awstest.Applied{G: g, Live: map[string]*provider.Observed{}}
	order, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	sub := &graph.Graph{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
	for _, addr := range order {
		r := g.Get(addr)
		skip := !slices.Contains(Types(), r.Type)
		for _, d := range r.DependsOn {
			skip = skip || a.Live[d] == nil
		}
		if skip {
			t.Logf("not created (no handler or a dependency failed): %s", addr)
			continue
		}
		o, err := p.Create(context.Background(), scope, a.Request(t, addr))
		for try := 1; provider.IsRetryable(err) && try < 5; try++ {
			// As the applier does; a retried create adopts what the
			// failed one made.
			t.Logf("create %s: retrying: %v", addr, err)
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
			o, err = p.Create(context.Background(), scope, a.Request(t, addr))
		}
		if err != nil {
			t.Errorf("create %s: %v", addr, err)
			continue
		}
		if o.Address != addr {
			t.Errorf("create %s: observed address %q", addr, o.Address)
		}
		a.Live[addr] = o
		sub.Resources = append(sub.Resources, r)
	}
	sub.Sort()
	return a, sub
}

func TestEmulatorCreateReadPlanDelete(t *testing.T) {
	p, scope := emulatorProvider(t, "shop")
	ctx := context.Background()
	net := awstest.MakeNetwork(t)
	g := awstest.Graph(scope, net, 2, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
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
	for addr, o := range a.Live {
		if byAddr[addr] == nil {
			t.Errorf("ListOwned misses %s (%s %s)", addr, o.Type, o.ID)
		} else if byAddr[addr].ID != o.ID {
			t.Errorf("%s: ListOwned id %s, Create returned %s", addr, byAddr[addr].ID, o.ID)
		}
	}
	awstest.AssertNoChanges(t, sub, live, scope, nil)

	// Another environment of the same project sees none of it.
	other := scope
	other.Environment = "prod"
	if l, err := p.ListOwned(ctx, other); err != nil || len(l) != 0 {
		t.Errorf("prod lists %d resources of staging (err %v)", len(l), err)
	}
	// A second create of each resource adopts it.
	for _, addr := range []string{"service/svc0/log-group", "service/svc0/target-group", "load-balancer/public"} {
		if a.Live[addr] == nil {
			continue
		}
		o, err := p.Create(ctx, scope, a.Request(t, addr))
		if err != nil || o.ID != a.Live[addr].ID {
			t.Errorf("second create of %s: %v (id %v, want %s)", addr, err, o, a.Live[addr].ID)
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
func deleteAll(t *testing.T, p *Provider, scope provider.Scope, g *graph.Graph, a *awstest.Applied) {
	t.Helper()
	order, _ := g.TopoOrder()
	for i := len(order) - 1; i >= 0; i-- {
		o := a.Live[order[i]]
		if o == nil {
			continue
		}
		err := p.Delete(context.Background(), scope, o)
		retried := false
		for try := 1; provider.IsRetryable(err) && try < 5; try++ {
			t.Logf("delete %s: retrying: %v", o.Address, err)
			time.Sleep(time.Duration(try) * 200 * time.Millisecond)
			err, retried = p.Delete(context.Background(), scope, o), true
		}
		if retried && emulatorGone(err) {
			// The try that lost its response deleted it; the emulator
			// answers a missing scaling policy with ValidationException,
			// where the API reference says ObjectNotFoundException (which
			// the provider takes as gone): the reference wins.
			t.Logf("delete %s: gone after a lost response: %v", o.Address, err)
			err = nil
		}
		if err != nil {
			t.Errorf("delete %s: %v", o.Address, err)
		}
	}
}

// emulatorGone reports the emulator's wrong code for a scaling policy
// that no longer exists (see deleteAll).
func emulatorGone(err error) bool {
	var op *provider.OpError
	return errors.As(err, &op) && op.Code == "ValidationException" && strings.Contains(op.Message, "No scaling policy found")
}
