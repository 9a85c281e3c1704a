// Package applytest runs the AWS provider through the planner and the
// applier against the AWS API emulator. It is a package of its own so that
// the provider's own tests do not depend on the applier building.
package applytest

import (
	"context"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// The whole cycle through the planner and the applier against the
// emulator: apply, plan again (no changes), an image change touching only
// the task definition and the service, a crash-looping image failing, and
// destroy removing everything.

func applyPlan(t *testing.T, p *aws.Provider, plan *planner.Plan, live []*provider.Observed) *applier.Result {
	t.Helper()
	res, err := applier.Apply(context.Background(), p, plan, live, applier.Options{
		Parallelism: 4, PollInterval: 20 * time.Millisecond, PollMax: 200 * time.Millisecond,
		StageTimeout: 2 * time.Minute, CallTimeout: 30 * time.Second,
		Retry: applier.Retry{Base: 50 * time.Millisecond, Max: time.Second}, DeleteData: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func planFor(t *testing.T, p *aws.Provider, scope provider.Scope, g *graph.Graph) (*planner.Plan, []*provider.Observed) {
	t.Helper()
	live, err := planner.Read(context.Background(), p, scope)
	if err != nil {
		t.Fatal(err)
	}
	params, err := planner.ResolveParameters(context.Background(), p, scope, g)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planner.Diff(g, live, scope, planner.Options{Provider: p.Name(), Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	return plan, live
}

func failures(res *applier.Result) string {
	var s []string
	for _, o := range res.Failed {
		s = append(s, o.Change.Address+": "+errString(o.Err))
	}
	for _, c := range res.NotStarted {
		s = append(s, c.Address+": not started")
	}
	return strings.Join(s, "\n")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestEmulatorApplyImageChangeCrashLoopDestroy(t *testing.T) {
	awstest.Need(t)
	scope := provider.Scope{Project: "cycle", Environment: "staging", Account: awstest.Account, Region: awstest.Region}
	p, err := aws.New(context.Background(), scope, aws.Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	net := awstest.MakeNetwork(t)
	image := func(tag string) string { return "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:" + tag }

	g := awstest.Graph(scope, net, 1, image("1.0.0"))
	plan, live := planFor(t, p, scope, g)
	if res := applyPlan(t, p, plan, live); len(res.Failed)+len(res.NotStarted) > 0 {
		t.Fatalf("first apply:\n%s", failures(res))
	}
	fresh, live := planFor(t, p, scope, g)
	awstest.AssertNoChanges(t, g, live, scope, fresh.Parameters)

	// A change behind gantry's back is drift, and the next apply undoes it.
	lg := find(live, "service/svc0/log-group")
	if _, err := logsClient(t).PutRetentionPolicy(context.Background(), &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName: awssdk.String(lg.ID), RetentionInDays: awssdk.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	plan, live = planFor(t, p, scope, g)
	if c := plan.Change("service/svc0/log-group"); c == nil || c.Action != planner.Update {
		t.Errorf("drift of the log group's retention not planned: %+v", c)
	}
	if res := applyPlan(t, p, plan, live); len(res.Failed)+len(res.NotStarted) > 0 {
		t.Fatalf("undoing drift:\n%s", failures(res))
	}
	fresh, live = planFor(t, p, scope, g)
	awstest.AssertNoChanges(t, g, live, scope, fresh.Parameters)

	// An image change: a new task definition revision and a service
	// deployment, nothing else.
	g2 := awstest.Graph(scope, net, 1, image("1.1.0"))
	plan, live = planFor(t, p, scope, g2)
	for _, c := range plan.Changes {
		if c.Action == planner.NoOp || awstest.EmulatorOnly(c) {
			continue
		}
		if c.Type != catalog.TaskDefinition && c.Type != catalog.Service {
			t.Errorf("image change touches %s (%s %s)", c.Address, c.Type, c.Action)
		}
	}
	if res := applyPlan(t, p, plan, live); len(res.Failed)+len(res.NotStarted) > 0 {
		t.Fatalf("image change:\n%s", failures(res))
	}
	fresh, live = planFor(t, p, scope, g2)
	awstest.AssertNoChanges(t, g2, live, scope, fresh.Parameters)
	svc := find(live, "service/svc0")
	var h *provider.Health
	h, err = p.Health(context.Background(), scope, svc)
	if err != nil {
		t.Fatal(err)
	}
	td := find(live, "service/svc0/task-definition")
	if h.TaskDefinition != td.ID || h.RolloutState != "COMPLETED" || h.Running != h.Desired || h.Desired == 0 {
		t.Errorf("health after the image change: %+v, want the new revision %s running", h, td.ID)
	}
	if h.Targets["healthy"] == 0 {
		t.Errorf("no healthy targets: %+v", h.Targets)
	}
	if len(td.UsedBy) != 1 || td.UsedBy[0] != svc.ID {
		t.Errorf("task definition UsedBy %v, want [%s]", td.UsedBy, svc.ID)
	}

	// A crash-looping image fails the apply.
	g3 := awstest.Graph(scope, net, 1, image("1.2.0-crashloop"))
	plan, live = planFor(t, p, scope, g3)
	res := applyPlan(t, p, plan, live)
	if len(res.Failed) == 0 {
		t.Errorf("a crash-looping image applied without failing")
	}

	// Destroy removes everything.
	live, err = planner.Read(context.Background(), p, scope)
	if err != nil {
		t.Fatal(err)
	}
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

func logsClient(t *testing.T) *cloudwatchlogs.Client {
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(awstest.Region), config.WithHTTPClient(awstest.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	return cloudwatchlogs.NewFromConfig(cfg)
}

func find(live []*provider.Observed, addr string) *provider.Observed {
	for _, o := range live {
		if o.Address == addr {
			return o
		}
	}
	return &provider.Observed{Address: addr}
}
