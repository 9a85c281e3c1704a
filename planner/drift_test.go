package planner

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// deployed is a sandbox holding the test environment as apply leaves it.
func deployed(t *testing.T, extra int) (*sandbox.Sandbox, *Plan) {
	t.Helper()
	env := testEnvironment(extra)
	sb := openSandbox(t, true, 5)
	createAll(t, context.Background(), sb, envScope(env), compileEnv(t, env, nil))
	p := planOnce(t, sb, env)
	if p.HasChanges() {
		t.Fatalf("changes right after create: %s", summaryLine(p))
	}
	return sb, p
}

// editOutOfBand changes a live resource the way someone in the console
// would (the sandbox's out-of-band edit), leaving gantry's tags
// (gantry:applied included) as they were.
func editOutOfBand(t *testing.T, sb *sandbox.Sandbox, p *Plan, addr string, edit func(props map[string]any)) {
	t.Helper()
	f := sandbox.Filter{Project: p.Scope.Project, Environment: p.Scope.Environment,
		Account: p.Scope.Account, Region: p.Scope.Region}
	if _, err := sb.Edit(context.Background(), f, addr, func(props map[string]any) error {
		edit(props)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDriftIsAnUpdateWithCauseDrift(t *testing.T) {
	sb, before := deployed(t, 0)
	env := testEnvironment(0)
	editOutOfBand(t, sb, before, "service/api/target-group", func(p map[string]any) {
		p["HealthCheckPath"] = "/"
	})
	editOutOfBand(t, sb, before, "service/api/log-group", func(p map[string]any) {
		p["RetentionInDays"] = 1.0
	})
	p := planOnce(t, sb, env)
	if s := p.Summary(); s.Changed() != 2 || s[Update] != 2 {
		t.Fatalf("summary %v, want 2 updates", s)
	}
	tg := changeOf(t, p, "service/api/target-group")
	if tg.Cause != CauseDrift || tg.Impact != ImpactInPlace {
		t.Errorf("target group: cause %q impact %q, want drift, in place", tg.Cause, tg.Impact)
	}
	if want := []PropertyDiff{{Path: "HealthCheckPath", Before: "/", After: "/healthz"}}; !cmp.Equal(tg.Diffs, want) {
		t.Errorf("diffs:\n%s", cmp.Diff(want, tg.Diffs))
	}
	if lg := changeOf(t, p, "service/api/log-group"); lg.Cause != CauseDrift {
		t.Errorf("log group: cause %q", lg.Cause)
	}
	// The same edit made in the configuration instead is a config change.
	sb2, _ := deployed(t, 0)
	env.Services[0].Logs.RetentionDays = 90
	p2 := planOnce(t, sb2, env)
	if lg := changeOf(t, p2, "service/api/log-group"); lg.Action != Update || lg.Cause != CauseConfig {
		t.Errorf("config change: %s cause %q", lg.Action, lg.Cause)
	}
}

func TestUnownedResourcesAreNeverPlanned(t *testing.T) {
	sb, before := deployed(t, 0)
	ctx := context.Background()
	scope := before.Scope
	// Someone's own log group, without tags, and a security group of
	// another environment of the same project.
	if _, err := sb.CreateUnowned(ctx, scope.Account, scope.Region, provider.Request{
		Type: catalog.LogGroup, Properties: map[string]any{"LogGroupName": "/ecs/shop-prod-manual"},
		Tags: map[string]string{"team": "shop"}}); err != nil {
		t.Fatal(err)
	}
	other := provider.Scope{Project: "shop", Environment: "staging", Account: scope.Account, Region: scope.Region}
	if _, err := sb.Create(ctx, other, provider.Request{Address: "service/api/security-group", Type: catalog.SecurityGroup,
		Properties: map[string]any{"GroupName": "shop-staging-api", "GroupDescription": "staging", "VpcId": "vpc-0c7d6e5f4a3b2c1d0"},
		Tags:       map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": "service/api/security-group"}}); err != nil {
		t.Fatal(err)
	}
	// The configuration drops a service: its resources are deleted, the
	// unowned ones are not even seen.
	env := testEnvironment(0)
	env.Services = env.Services[:2] // no worker
	sb.ResetStats()
	p := planOnce(t, sb, env)
	var deleted []string
	for _, c := range p.Changes {
		if c.Action == Delete {
			deleted = append(deleted, c.Address)
			if !strings.HasPrefix(c.Address, "service/worker") {
				t.Errorf("deletes %s", c.Address)
			}
		} else if c.Action != NoOp {
			t.Errorf("%s: %s", c.Address, c.Action)
		}
	}
	for _, o := range p.Live {
		if strings.Contains(o.ID, "manual") || o.Tags["gantry:environment"] != "prod" && o.Tags["gantry:environment"] != "" {
			t.Errorf("live state holds an unowned resource: %s %s", o.Type, o.ID)
		}
	}
	want := []string{"service/worker/scaling/cpu", "service/worker/scalable-target", "service/worker",
		"service/worker/task-definition", "service/worker/log-group",
		"service/worker/execution-role", "service/worker/task-role", "service/worker/security-group"}
	if !cmp.Equal(deleted, want) {
		t.Errorf("deletions in order:\n%s", cmp.Diff(want, deleted))
	}
	if st := sb.Stats(); st.UnownedWrites != 0 {
		t.Errorf("%d writes to unowned resources", st.UnownedWrites)
	}
}
