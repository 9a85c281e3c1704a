package applytest

import (
	"context"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

// TestEmulatorShopExample applies the shared example (../shared/examples/
// shop, staging) as compiled, with its network IDs replaced by a VPC and
// subnets made in the emulator first; plans again (no changes); destroys.
func TestEmulatorShopExample(t *testing.T) {
	awstest.Need(t)
	dir := sharedShop(t)
	proj, diags, err := compiler.Load(dir)
	if err != nil || diags.HasErrors() {
		t.Fatalf("loading %s: %v %v", dir, err, diags)
	}
	env := proj.Env("staging")
	ids := emulatorIDs(t, env, func() string { return awstest.UploadCertificate(t, "shop") })
	compile := func() *graph.Graph {
		g, err := compiler.Compile(env, proj.Name, compiler.CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range g.Resources {
			r.Properties = replaceStrings(r.Properties, ids).(map[string]any)
		}
		return g
	}
	g := compile()
	scope := provider.Scope{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
	if scope.Account != awstest.Account || scope.Region != awstest.Region {
		t.Skipf("the example's staging is %s/%s, the emulator %s/%s", scope.Account, scope.Region, awstest.Account, awstest.Region)
	}
	p, err := aws.New(context.Background(), scope, aws.Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	plan, live := planFor(t, p, scope, g)
	if res := applyPlan(t, p, plan, live); len(res.Failed)+len(res.NotStarted) > 0 {
		t.Errorf("apply of the shop example:\n%s", failures(res))
	}
	fresh, live := planFor(t, p, scope, g)
	awstest.AssertNoChanges(t, g, live, scope, fresh.Parameters)

	dplan, _ := applier.DestroyPlan(p.Name(), scope, live, true, time.Now())
	if res := applyPlan(t, p, dplan, live); len(res.Failed) > 0 {
		t.Errorf("destroy:\n%s", failures(res))
	}
	if left, err := p.ListOwned(context.Background(), scope); err != nil || len(left) > 0 {
		for _, o := range left {
			t.Errorf("left after destroy: %s %s", o.Address, o.ID)
		}
	}
}

// replaceStrings returns v with every string that is a key of ids
// replaced by its value.
func replaceStrings(v any, ids map[string]string) any {
	switch x := v.(type) {
	case string:
		if r, ok := ids[x]; ok {
			return r
		}
	case map[string]any:
		for k, e := range x {
			x[k] = replaceStrings(e, ids)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceStrings(e, ids)
		}
	}
	return v
}

// emulatorIDs maps the network ids and certificates env names to ones
// made in the emulator (a VPC, subnets, and what certificate returns).
func emulatorIDs(t testing.TB, env *config.Environment, certificate func() string) map[string]string {
	t.Helper()
	net := awstest.MakeNetwork(t)
	ids := map[string]string{env.Network.VPC: net.VPC()}
	for i, s := range env.Network.PublicSubnets {
		ids[s] = net.Public(i)
	}
	for i, s := range env.Network.PrivateSubnets {
		ids[s] = net.Private(i)
	}
	for _, lb := range env.LoadBalancers {
		if lb.HTTPS != nil && lb.HTTPS.Certificate != "" {
			ids[lb.HTTPS.Certificate] = certificate()
		}
	}
	return ids
}
