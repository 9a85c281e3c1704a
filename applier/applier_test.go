package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// shopGraph is a small service: role → log group → task definition →
// target group → rule → service → scaling.
func shopGraph(image string) *graph.Graph {
	return testGraph(
		res("svc/role", catalog.IAMRole, map[string]any{"Name": "role"}),
		res("svc/logs", catalog.LogGroup, map[string]any{"Name": "logs"}),
		res("svc/td", catalog.TaskDefinition, map[string]any{
			"Family":           "svc",
			"ExecutionRoleArn": ref("svc/role", "Arn"),
			"ContainerDefinitions": []any{map[string]any{
				"Image": image,
				"Log":   graph.Join{Parts: []any{"group:", ref("svc/logs", "Name")}},
				"Env":   graph.Sensitive{Value: "s3cret"},
			}},
		}),
		res("svc/tg", catalog.TargetGroup, map[string]any{"Name": "tg"}),
		res("svc/rule", catalog.ListenerRule, map[string]any{"Name": "rule", "Actions": []any{
			map[string]any{"Type": "forward", "TargetGroupArn": ref("svc/tg", "Arn")},
		}}),
		res("svc/service", catalog.Service, map[string]any{
			"Name":           "service",
			"TaskDefinition": ref("svc/td", "Arn"),
			"TargetGroupArn": ref("svc/tg", "Arn"),
		}, "svc/rule"),
		res("svc/scaling", catalog.ScalableTarget, map[string]any{"Name": "scaling", "ResourceId": ref("svc/service", "Name")}),
	)
}

func mustApply(t *testing.T, p provider.Provider, plan *planner.Plan, live []*provider.Observed, opts Options) *Result {
	t.Helper()
	res, err := Apply(context.Background(), p, plan, live, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestApplyCreatesInStageAndDependencyOrder(t *testing.T) {
	f := newFake()
	var stages []string
	var mu sync.Mutex
	opts := fastOpts()
	opts.Progress = ProgressFunc(func(e Event) {
		if e.Kind == EventStageStart {
			mu.Lock()
			stages = append(stages, e.Stage.String())
			mu.Unlock()
		}
	})
	res := mustApply(t, f, planFor(shopGraph("app:1"), nil), nil, opts)
	if err := res.Err(); err != nil {
		t.Fatalf("apply failed: %v\n%v", err, res.Failed)
	}
	want := []string{catalog.StageIdentity.String(), catalog.StageFoundation.String(), catalog.StageRouting.String(), catalog.StageServices.String(), catalog.StageScaling.String()}
	if strings.Join(stages, "|") != strings.Join(want, "|") {
		t.Errorf("stages = %v, want %v", stages, want)
	}
	for _, pair := range [][2]string{{"svc/role", "svc/td"}, {"svc/logs", "svc/td"}, {"svc/tg", "svc/rule"}, {"svc/rule", "svc/service"}, {"svc/td", "svc/service"}, {"svc/service", "svc/scaling"}} {
		if f.indexOf(t, "Create "+pair[0]) > f.indexOf(t, "Create "+pair[1]) {
			t.Errorf("%s created after %s", pair[0], pair[1])
		}
	}
	// The service is gated before scaling starts.
	if f.indexOf(t, "Health svc/service") > f.indexOf(t, "Create svc/scaling") {
		t.Errorf("scaling started before the service's health gate")
	}
	live, _ := f.ListOwned(context.Background(), testScope)
	byAddr := map[string]*provider.Observed{}
	for _, o := range live {
		byAddr[o.Address] = o
	}
	td := byAddr["svc/td"]
	cd := td.Properties["ContainerDefinitions"].([]any)[0].(map[string]any)
	if cd["Log"] != "group:logs" || cd["Env"] != "s3cret" {
		t.Errorf("task definition not resolved/unwrapped: %v", cd)
	}
	if td.Properties["ExecutionRoleArn"] != byAddr["svc/role"].ID {
		t.Errorf("role reference resolved to %v", td.Properties["ExecutionRoleArn"])
	}
	if byAddr["svc/service"].Properties["TaskDefinition"] != td.ID {
		t.Errorf("service runs %v, want %v", byAddr["svc/service"].Properties["TaskDefinition"], td.ID)
	}
	if len(td.Tags[planner.TagApplied]) != 16 || td.Tags[graph.TagAddress] != "svc/td" {
		t.Errorf("tags = %v", td.Tags)
	}
	if len(res.Done) != 8 { // 7 changes + 1 health gate
		t.Errorf("done = %d, want 8", len(res.Done))
	}
}

func TestParallelismIsBounded(t *testing.T) {
	f := newFake()
	f.delay = 5 * time.Millisecond
	var rs []*graph.Resource
	for i := range 20 {
		rs = append(rs, res("g/"+string(rune('a'+i)), catalog.LogGroup, nil))
	}
	opts := fastOpts()
	opts.Parallelism = 3
	res := mustApply(t, f, planFor(testGraph(rs...), nil), nil, opts)
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	if f.maxIn != 3 {
		t.Errorf("max in flight = %d, want 3", f.maxIn)
	}
}

func TestFirstFailureStopsNewWorkAndLetsRunningFinish(t *testing.T) {
	f := newFake()
	f.delay = 20 * time.Millisecond
	f.fail = func(call string, n int) error {
		if call == "Create svc/logs" {
			return &provider.OpError{Address: "svc/logs", Operation: "logs:CreateLogGroup", Code: "AccessDeniedException", Message: "not allowed"}
		}
		return nil
	}
	g := shopGraph("app:1")
	g.Resources = append(g.Resources, res("svc/repo", catalog.ECRRepository, nil))
	opts := fastOpts()
	opts.Parallelism = 2
	res := mustApply(t, f, planFor(g, nil), nil, opts)
	if res.Err() == nil {
		t.Fatal("apply succeeded")
	}
	if len(res.Failed) != 1 || res.Failed[0].Op != OpCreate || res.Failed[0].Change.Address != "svc/logs" ||
		res.Failed[0].Err.Error() != "svc/logs: logs:CreateLogGroup: AccessDeniedException: not allowed" {
		t.Fatalf("failed = %+v", res.Failed)
	}
	// svc/logs and svc/repo started together (parallelism 2, address
	// order); the repository finished, nothing of the later stages began.
	if len(f.callsMatching("Create svc/repo")) != 1 {
		t.Errorf("running change svc/repo did not finish: %v", f.calls)
	}
	for _, a := range []string{"svc/td", "svc/tg", "svc/rule", "svc/service", "svc/scaling"} {
		if len(f.callsMatching("Create "+a)) != 0 {
			t.Errorf("%s was started after the failure", a)
		}
	}
	var done []string
	for _, o := range res.Done {
		done = append(done, string(o.Op)+" "+o.Change.Address+" "+o.ID)
	}
	if got := strings.Join(done, ","); got != "create svc/role arn:fake:role:1,create svc/repo arn:fake:svc/repo:2" {
		t.Errorf("done = %v", done)
	}
	var ns []string
	for _, c := range res.NotStarted {
		ns = append(ns, string(c.Action)+" "+c.Address)
	}
	// Stage by stage, by address within a stage. (cmd/gantry's
	// TestReportOfAFailedApply renders this result.)
	if got := strings.Join(ns, ","); got != "create svc/rule,create svc/td,create svc/tg,create svc/service,create svc/scaling" {
		t.Errorf("not started = %v", ns)
	}
}

func TestRetriesThrottlingThenGivesUp(t *testing.T) {
	f := newFake()
	throttle := func(addr string) error {
		return &provider.OpError{Address: addr, Operation: "x:Create", Code: "ThrottlingException", Retryable: true}
	}
	f.fail = func(call string, n int) error {
		switch {
		case call == "Create a" && n <= 3:
			return throttle("a")
		case call == "Create b":
			return throttle("b")
		}
		return nil
	}
	var retries int
	var mu sync.Mutex
	opts := fastOpts()
	opts.Progress = ProgressFunc(func(e Event) {
		if e.Kind == EventRetry {
			mu.Lock()
			retries++
			mu.Unlock()
		}
	})
	res := mustApply(t, f, planFor(testGraph(res("a", catalog.LogGroup, nil), res("b", catalog.LogGroup, nil)), nil), nil, opts)
	if len(res.Done) != 1 || res.Done[0].Attempts != 4 {
		t.Errorf("done = %+v, want a after 4 attempts", res.Done)
	}
	if len(res.Failed) != 1 || res.Failed[0].Attempts != 5 || !strings.Contains(res.Failed[0].Err.Error(), "gave up after 5 attempts") {
		t.Errorf("failed = %+v", res.Failed)
	}
	if retries != 3+4 {
		t.Errorf("retry events = %d, want 7", retries)
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	r := Retry{Base: 100 * time.Millisecond, Max: time.Second}.withDefaults()
	for attempt, hi := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 10: time.Second} {
		for range 50 {
			d := r.Backoff(attempt)
			if d < hi/2 || d > hi {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, hi/2, hi)
			}
		}
	}
}

// liveAfter applies g to f and returns the live state.
func liveAfter(t *testing.T, f *fake, g *graph.Graph) []*provider.Observed {
	t.Helper()
	res := mustApply(t, f, planFor(g, nil), nil, fastOpts())
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	live, _ := f.ListOwned(context.Background(), testScope)
	return live
}

func find(live []*provider.Observed, addr string) *provider.Observed {
	for _, o := range live {
		if o.Address == addr {
			return o
		}
	}
	return nil
}

func TestNewRevisionRetiresOldOneAfterTheDeployment(t *testing.T) {
	f := newFake()
	live := liveAfter(t, f, shopGraph("app:1"))
	oldTD := find(live, "svc/td")
	f.calls = nil
	plan := planFor(shopGraph("app:2"), live,
		&planner.Change{Address: "svc/td", Type: catalog.TaskDefinition, Action: planner.Update, Impact: planner.ImpactNewRevision, LiveID: oldTD.ID},
		&planner.Change{Address: "svc/service", Type: catalog.Service, Action: planner.Update, Impact: planner.ImpactRolling, LiveID: find(live, "svc/service").ID},
	)
	res := mustApply(t, f, plan, live, fastOpts())
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	got := strings.Join(f.calls, "\n")
	want := "Create svc/td\nUpdate svc/service\nHealth svc/service\nDelete svc/td " + oldTD.ID
	if got != want {
		t.Errorf("calls:\n%s\nwant:\n%s", got, want)
	}
	now, _ := f.ListOwned(context.Background(), testScope)
	if td := find(now, "svc/td"); td.ID == oldTD.ID || find(now, "svc/service").Properties["TaskDefinition"] != td.ID {
		t.Errorf("service not moved to the new revision")
	}
}

func TestRolledBackDeploymentFailsAndKeepsOldRevision(t *testing.T) {
	f := newFake()
	live := liveAfter(t, f, shopGraph("app:1"))
	oldTD := find(live, "svc/td")
	f.calls = nil
	f.health = func(addr string, n int) *provider.Health {
		if n < 3 {
			return &provider.Health{DeploymentID: "d-2", RolloutState: rolloutInProgress, Desired: 2, Running: 1, Pending: 1}
		}
		return &provider.Health{DeploymentID: "d-3", RolloutState: rolloutCompleted, Desired: 2, Running: 2, TaskDefinition: oldTD.ID,
			RolledBack: true, RolloutStateReason: "ECS deployment circuit breaker: tasks failed to start"}
	}
	plan := planFor(shopGraph("app:2-crashloop"), live,
		&planner.Change{Address: "svc/td", Type: catalog.TaskDefinition, Action: planner.Update, LiveID: oldTD.ID},
		&planner.Change{Address: "svc/service", Type: catalog.Service, Action: planner.Update, LiveID: find(live, "svc/service").ID},
		&planner.Change{Address: "svc/scaling", Type: catalog.ScalableTarget, Action: planner.Update, LiveID: find(live, "svc/scaling").ID},
	)
	res := mustApply(t, f, plan, live, fastOpts())
	if res.Err() == nil {
		t.Fatal("a rolled-back deployment was reported as success")
	}
	if len(res.Failed) != 1 || res.Failed[0].Op != OpGate || !strings.Contains(res.Failed[0].Err.Error(), "rolled back") || !strings.Contains(res.Failed[0].Err.Error(), "circuit breaker") {
		t.Fatalf("failed = %+v", res.Failed)
	}
	if n := len(f.callsMatching("Update svc/scaling")); n != 0 {
		t.Errorf("scaling stage ran after the failed gate")
	}
	if n := len(f.callsMatching("Delete")); n != 0 {
		t.Errorf("old revision deleted although the service rolled back to it: %v", f.calls)
	}
	var ns []string
	for _, c := range res.NotStarted {
		ns = append(ns, c.Address+" "+string(c.Action))
	}
	if strings.Join(ns, ",") != "svc/scaling update" {
		t.Errorf("not started = %v", ns)
	}
}

func TestReplaceCreatesBeforeDeletingAfterDrain(t *testing.T) {
	f := newFake()
	g := shopGraph("app:1")
	g.Get("svc/tg").Properties["TargetGroupAttributes"] = []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}}
	live := liveAfter(t, f, g)
	oldTG := find(live, "svc/tg")
	f.calls = nil
	g2 := shopGraph("app:1")
	g2.Get("svc/tg").Properties["Name"] = "tg-2" // force-new hashed into the name
	plan := planFor(g2, live,
		&planner.Change{Address: "svc/tg", Type: catalog.TargetGroup, Action: planner.Replace, Impact: planner.ImpactReplace, LiveID: oldTG.ID},
		&planner.Change{Address: "svc/rule", Type: catalog.ListenerRule, Action: planner.Update, LiveID: find(live, "svc/rule").ID},
		&planner.Change{Address: "svc/service", Type: catalog.Service, Action: planner.Update, LiveID: find(live, "svc/service").ID},
	)
	var slept []time.Duration
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := fastOpts()
	opts.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	opts.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		if d >= time.Second {
			slept = append(slept, d)
		}
		clock = clock.Add(d)
		return nil
	}
	res := mustApply(t, f, plan, live, opts)
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	got := strings.Join(f.calls, "\n")
	// The old group is set aside (re-tagged) first, then the new one is
	// created, the rule and the service move, the old one goes last.
	want := "Tag svc/tg\nCreate svc/tg\nUpdate svc/rule\nUpdate svc/service\nHealth svc/service\nDelete svc/tg " + oldTG.ID
	if got != want {
		t.Errorf("calls:\n%s\nwant:\n%s", got, want)
	}
	if len(slept) != 1 || slept[0] != 30*time.Second {
		t.Errorf("drain waits = %v, want [30s]", slept)
	}
}

func TestReplaceDeleteFirst(t *testing.T) {
	f := newFake()
	g := testGraph(res("sg", catalog.SecurityGroup, map[string]any{"Name": "sg", "VpcId": "vpc-1"}))
	live := liveAfter(t, f, g)
	f.calls = nil
	g2 := testGraph(res("sg", catalog.SecurityGroup, map[string]any{"Name": "sg", "VpcId": "vpc-2"}))
	plan := planFor(g2, live, &planner.Change{Address: "sg", Type: catalog.SecurityGroup, Action: planner.Replace, Impact: planner.ImpactReplaceDeleteFirst, LiveID: live[0].ID})
	res := mustApply(t, f, plan, live, fastOpts())
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	if got := strings.Join(f.calls, ","); got != "Delete sg "+live[0].ID+",Create sg" {
		t.Errorf("calls = %s", got)
	}
}

func TestDeletionsRunLastInReverseDependencyOrder(t *testing.T) {
	f := newFake()
	live := liveAfter(t, f, shopGraph("app:1"))
	f.calls = nil
	// Everything but the role and log group leaves the configuration, and
	// a new repository comes in.
	g := testGraph(res("svc/role", catalog.IAMRole, map[string]any{"Name": "role"}), res("svc/logs", catalog.LogGroup, map[string]any{"Name": "logs"}), res("new/repo", catalog.ECRRepository, nil))
	var extra []*planner.Change
	for _, o := range live {
		if o.Address != "svc/role" && o.Address != "svc/logs" {
			extra = append(extra, &planner.Change{Address: o.Address, Type: o.Type, Action: planner.Delete, LiveID: o.ID})
		}
	}
	opts := fastOpts()
	opts.Parallelism = 10
	res := mustApply(t, f, planFor(g, live, extra...), live, opts)
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	before := func(a, b string) {
		if f.indexOf(t, "Delete "+a) > f.indexOf(t, "Delete "+b) {
			t.Errorf("%s deleted after %s", a, b)
		}
	}
	before("svc/scaling", "svc/service")
	before("svc/service", "svc/td")
	before("svc/service", "svc/tg")
	before("svc/rule", "svc/tg") // same stage: found from live references
	if f.indexOf(t, "Create new/repo") > f.indexOf(t, "Delete svc/scaling") {
		t.Errorf("a deletion ran before the creates")
	}
	// A deleted service is not health-gated: one read confirms it is
	// gone (not draining) before what it used is deleted.
	if hs := f.callsMatching("Health"); len(hs) != 1 || hs[0] != "Health svc/service" {
		t.Errorf("health reads during deletions = %v, want one that the service is gone", hs)
	}
	if f.indexOf(t, "Health svc/service") < f.indexOf(t, "Delete svc/service") || f.indexOf(t, "Health svc/service") > f.indexOf(t, "Delete svc/td") {
		t.Errorf("the task definition was deleted before the service was confirmed gone")
	}
}

func TestGateTimeoutFailsTheStage(t *testing.T) {
	f := newFake()
	f.health = func(string, int) *provider.Health {
		return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutInProgress, Desired: 2, Running: 1, Targets: map[string]int{"healthy": 1, "initial": 1}}
	}
	opts := fastOpts()
	opts.StageTimeout = 50 * time.Millisecond
	res := mustApply(t, f, planFor(shopGraph("app:1"), nil), nil, opts)
	if len(res.Failed) != 1 {
		t.Fatalf("failed = %+v", res.Failed)
	}
	msg := res.Failed[0].Err.Error()
	for _, want := range []string{"svc/service", "did not settle within the stage timeout (50ms)", "IN_PROGRESS, 1/2 running", "1 healthy", "1 initial"} {
		if !strings.Contains(msg, want) {
			t.Errorf("gate error %q lacks %q", msg, want)
		}
	}
	if len(f.callsMatching("Create svc/scaling")) != 0 {
		t.Errorf("scaling ran after a gate timeout")
	}
}

func TestGateWaitsForTargetsAndRunning(t *testing.T) {
	cases := []struct {
		h    provider.Health
		done bool
		err  string
	}{
		{provider.Health{RolloutState: "IN_PROGRESS", Desired: 2, Running: 2}, false, ""},
		{provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 1}, false, ""},
		{provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 2, Targets: map[string]int{"healthy": 1, "unhealthy": 1}}, false, ""},
		{provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 2, Targets: map[string]int{"healthy": 2, "draining": 2}}, true, ""},
		{provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 2, TaskDefinition: "td:1"}, true, "runs td:1, not the new revision td:2"},
		{provider.Health{RolloutState: "FAILED", RolloutStateReason: "tasks failed"}, true, "the deployment failed: tasks failed"},
		{provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 2, RolledBack: true}, true, "rolled back"},
	}
	for i, c := range cases {
		done, err := judge("svc", &c.h, "td:2")
		if c.h.TaskDefinition == "" {
			done, err = judge("svc", &c.h, "")
		}
		if done != c.done || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("case %d: done=%v err=%v, want done=%v err~%q", i, done, err, c.done, c.err)
		}
	}
}

func TestInterruptLetsRunningChangeFinish(t *testing.T) {
	f := newFake()
	f.gate = make(chan struct{})
	f.started = make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	opts := fastOpts()
	opts.Parallelism = 1
	done := make(chan *Result)
	go func() {
		res, _ := Apply(ctx, f, planFor(shopGraph("app:1"), nil), nil, opts)
		done <- res
	}()
	if call := <-f.started; call != "Create svc/role" {
		t.Fatalf("first call %q", call)
	}
	cancel()
	time.Sleep(10 * time.Millisecond)
	close(f.gate)
	res := <-done
	if !res.Interrupted || len(res.Done) != 1 || res.Done[0].Change.Address != "svc/role" {
		t.Fatalf("result = %+v", res)
	}
	if len(res.NotStarted) != 6 {
		t.Errorf("not started = %d, want 6", len(res.NotStarted))
	}
	if !strings.Contains(res.Err().Error(), "interrupted") {
		t.Errorf("err = %v", res.Err())
	}
}

func TestResumedGateWaitsForDeploymentInProgress(t *testing.T) {
	f := newFake()
	live := liveAfter(t, f, shopGraph("app:1"))
	f.calls = nil
	f.polls = map[string]int{}
	f.health = func(addr string, n int) *provider.Health {
		if n < 3 {
			return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutInProgress, Desired: 1}
		}
		return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutCompleted, Desired: 1, Running: 1}
	}
	// Only scaling is left; the service's deployment from the interrupted
	// apply is still rolling.
	plan := planFor(shopGraph("app:1"), live, &planner.Change{Address: "svc/scaling", Type: catalog.ScalableTarget, Action: planner.Update, LiveID: find(live, "svc/scaling").ID})
	res := mustApply(t, f, plan, live, fastOpts())
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	if len(f.callsMatching("Health")) != 3 || f.indexOf(t, "Health svc/service") > f.indexOf(t, "Update svc/scaling") {
		t.Errorf("calls = %v", f.calls)
	}
	if len(res.Done) != 2 || res.Done[0].Op != OpGate {
		t.Errorf("done = %+v", res.Done)
	}

	// A settled service is checked once, quietly.
	f.calls = nil
	f.health = nil
	res = mustApply(t, f, planFor(shopGraph("app:1"), live), live, fastOpts())
	if res.Err() != nil || len(res.Done) != 0 || len(f.calls) != 1 {
		t.Errorf("no-op apply: done=%v calls=%v", res.Done, f.calls)
	}
}

func TestUnresolvableReferenceFailsTheChange(t *testing.T) {
	f := newFake()
	g := testGraph(res("a", catalog.LogGroup, nil), res("b", catalog.LogGroup, map[string]any{"X": ref("a", "NoSuchAttribute")}))
	res := mustApply(t, f, planFor(g, nil), nil, fastOpts())
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "cannot resolve a.NoSuchAttribute") {
		t.Errorf("failed = %+v", res.Failed)
	}
}

func TestCheckPlan(t *testing.T) {
	f := newFake()
	live := liveAfter(t, f, shopGraph("app:1"))
	fp := func(o *provider.Observed) string { return o.ID + "/" + fmt.Sprint(o.Properties) }
	plan := planFor(shopGraph("app:1"), live)
	for _, c := range plan.Changes {
		if o := find(live, c.Address); o != nil {
			c.LiveID, c.Fingerprint = o.ID, fp(o)
		}
	}
	plan.Changes = append(plan.Changes, &planner.Change{Address: "new/logs", Type: catalog.LogGroup, Action: planner.Create, Stage: catalog.StageFoundation})
	if err := CheckPlan(plan, live, fp); err != nil {
		t.Fatalf("fresh plan refused: %v", err)
	}
	// Someone renames the target group, deletes the rule, creates new/logs
	// and an unknown resource appears.
	changed := make([]*provider.Observed, 0, len(live))
	for _, o := range live {
		c := *o
		switch o.Address {
		case "svc/tg":
			c.Properties = map[string]any{"Name": "edited"}
		case "svc/rule":
			continue
		}
		changed = append(changed, &c)
	}
	changed = append(changed, &provider.Observed{Address: "new/logs", ID: "logs-2", Properties: map[string]any{"Name": "x"}},
		&provider.Observed{Address: "other/thing", ID: "thing-1", Properties: map[string]any{"Name": "y"}})
	err := CheckPlan(plan, changed, fp)
	var se *StaleError
	if !errors.As(err, &se) {
		t.Fatalf("stale plan accepted: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"svc/tg: changed since the plan was made", "svc/rule: " + find(live, "svc/rule").ID + " no longer exists", "new/logs: exists now (logs-2)", "other/thing: appeared since the plan was made"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stale error lacks %q:\n%s", want, msg)
		}
	}

	if err := CheckCommit(&planner.Plan{Commit: "abcdef0123456789"}, "abcdef0123456789"); err != nil {
		t.Error(err)
	}
	if err := CheckCommit(&planner.Plan{Commit: "abcdef0123456789"}, "0123456789abcdef"); err == nil || !strings.Contains(err.Error(), "made from commit abcdef012345, the configuration is at 0123456789ab") {
		t.Errorf("commit mismatch: %v", err)
	}
}

func TestLockWaitsThenFails(t *testing.T) {
	f := newFake()
	holder := NewLockInfo("apply", "abc", time.Now())
	release, err := Lock(context.Background(), f, testScope, holder, LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var told int
	clock := time.Now()
	o := LockOptions{Wait: 3 * time.Second, Poll: time.Second, Waiting: func(*provider.LockedError) { told++ },
		Now:   func() time.Time { return clock },
		Sleep: func(ctx context.Context, d time.Duration) error { clock = clock.Add(d); return nil }}
	_, err = Lock(context.Background(), f, testScope, NewLockInfo("apply", "", time.Now()), o)
	var le *provider.LockedError
	if !errors.As(err, &le) || le.Holder.ID != holder.ID || told != 1 {
		t.Fatalf("err = %v, told = %d", err, told)
	}
	if !strings.Contains(err.Error(), holder.User+"@"+holder.Host) {
		t.Errorf("lock error does not name the holder: %v", err)
	}
	// Released while the second waits: it gets the lock.
	o.Sleep = func(ctx context.Context, d time.Duration) error { clock = clock.Add(d); return release() }
	rel2, err := Lock(context.Background(), f, testScope, NewLockInfo("apply", "", time.Now()), o)
	if err != nil {
		t.Fatal(err)
	}
	_ = rel2()
}

func TestDestroyPlanKeepsData(t *testing.T) {
	live := []*provider.Observed{
		{Address: "repo/full", Type: catalog.ECRRepository, ID: "full", Attributes: map[string]string{ImageCountAttribute: "3"}},
		{Address: "repo/empty", Type: catalog.ECRRepository, ID: "empty", Attributes: map[string]string{ImageCountAttribute: "0"}},
		{Address: "svc/logs", Type: catalog.LogGroup, ID: "logs"},
		{Address: "svc/service", Type: catalog.Service, ID: "svc"},
		{Address: "svc/role", Type: catalog.IAMRole, ID: "role"},
	}
	plan, kept := DestroyPlan("fake", testScope, live, false, time.Now())
	var got []string
	for _, c := range plan.Changes {
		got = append(got, c.Address)
	}
	if strings.Join(got, ",") != "svc/service,repo/empty,svc/role" {
		t.Errorf("deletions = %v", got)
	}
	if len(kept) != 2 || kept[0].Resource.Address != "repo/full" || !strings.Contains(kept[0].Why, "3 images") {
		t.Errorf("kept = %+v", kept)
	}
	plan, kept = DestroyPlan("fake", testScope, live, true, time.Now())
	if len(plan.Changes) != 5 || len(kept) != 0 {
		t.Errorf("--include-data: %d deletions, %d kept", len(plan.Changes), len(kept))
	}
}

// The events of an apply, made one at a time (Parallelism 1) so that
// their order is exact. cmd/gantry's TestPlainProgressLines feeds these
// events to the progress printer and checks the lines it prints.
func TestProgressEvents(t *testing.T) {
	clock := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	f := newFake()
	f.health = func(addr string, n int) *provider.Health {
		if n == 1 {
			return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutInProgress, Desired: 1}
		}
		return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutCompleted, Desired: 1, Running: 1}
	}
	log := &eventLog{}
	opts := fastOpts()
	opts.Parallelism = 1
	opts.Progress = log
	opts.Now = func() time.Time { return clock }
	res := mustApply(t, f, planFor(shopGraph("app:1"), nil), nil, opts)
	if res.Err() != nil {
		t.Fatal(res.Err())
	}
	var got []string
	for _, e := range log.events {
		if !e.Time.Equal(clock) {
			t.Errorf("%s: time %s, want the apply's clock %s", eventLine(e), e.Time, clock)
		}
		got = append(got, eventLine(e))
	}
	want := []string{
		"stage-start stage=1 count=1",
		`start op="create" svc/role`,
		`done op="create" svc/role id=arn:fake:role:1 attempt=1`,
		"stage-done stage=1",
		"stage-start stage=2 count=1",
		`start op="create" svc/logs`,
		`done op="create" svc/logs id=arn:fake:logs:2 attempt=1`,
		"stage-done stage=2",
		"stage-start stage=3 count=3",
		`start op="create" svc/td`,
		`done op="create" svc/td id=arn:fake:svc/td:3 attempt=1`,
		`start op="create" svc/tg`,
		`done op="create" svc/tg id=arn:fake:tg:4 attempt=1`,
		`start op="create" svc/rule`,
		`done op="create" svc/rule id=arn:fake:rule:5 attempt=1`,
		"stage-done stage=3",
		"stage-start stage=4 count=1",
		`start op="create" svc/service`,
		`done op="create" svc/service id=arn:fake:service:6 attempt=1`,
		`gate-start op="health gate" svc/service`,
		`gate op="health gate" svc/service health="deployment d-1 IN_PROGRESS, 0/1 running"`,
		`gate op="health gate" svc/service health="deployment d-1 COMPLETED, 1/1 running"`,
		`gate-done op="health gate" svc/service health="deployment d-1 COMPLETED, 1/1 running"`,
		"stage-done stage=4",
		"stage-start stage=5 count=1",
		`start op="create" svc/scaling`,
		`done op="create" svc/scaling id=arn:fake:scaling:7 attempt=1`,
		"stage-done stage=5",
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("events:\n%s\nwant:\n%s", g, w)
	}
}

var eventKinds = map[EventKind]string{
	EventStageStart: "stage-start", EventStageDone: "stage-done", EventStart: "start", EventRetry: "retry",
	EventWait: "wait", EventDone: "done", EventGateStart: "gate-start", EventGate: "gate", EventGateDone: "gate-done",
}

// eventLine is e in one line: its kind, then the fields it sets.
func eventLine(e Event) string {
	s := eventKinds[e.Kind]
	if e.Kind == EventStageStart || e.Kind == EventStageDone {
		s += fmt.Sprintf(" stage=%d", int(e.Stage))
	}
	if e.Deletions {
		s += " deletions"
	}
	if e.Count != 0 {
		s += fmt.Sprintf(" count=%d", e.Count)
	}
	if e.Op != "" {
		s += fmt.Sprintf(" op=%q", e.Op)
	}
	if e.Change != nil {
		s += " " + e.Change.Address
	}
	if e.ID != "" {
		s += " id=" + e.ID
	}
	if e.Err != nil {
		s += fmt.Sprintf(" err=%q", e.Err)
	}
	if e.Attempt != 0 {
		s += fmt.Sprintf(" attempt=%d", e.Attempt)
	}
	if e.Kind == EventWait {
		s += fmt.Sprintf(" wait=%d", e.Wait)
	}
	if e.Delay != 0 {
		s += " delay=" + e.Delay.String()
	}
	if e.Health != nil {
		s += fmt.Sprintf(" health=%q", DescribeHealth(e.Health))
	}
	if e.Elapsed != 0 {
		s += " elapsed=" + e.Elapsed.String()
	}
	if e.Kept {
		s += " kept"
	}
	return s
}

func TestDestroyKeepsRepositoriesThatHoldImages(t *testing.T) {
	for _, includeData := range []bool{false, true} {
		f := newFake()
		g := testGraph(
			res("repo/full", catalog.ECRRepository, map[string]any{"Name": "full", "Images": []any{"v1"}}),
			res("repo/empty", catalog.ECRRepository, map[string]any{"Name": "empty"}),
			res("svc/logs", catalog.LogGroup, map[string]any{"Name": "logs"}),
			res("svc/role", catalog.IAMRole, map[string]any{"Name": "role"}),
		)
		live := liveAfter(t, f, g)
		f.calls = nil
		plan, kept := DestroyPlan("fake", testScope, live, includeData, time.Now())
		opts := fastOpts()
		opts.KeepData, opts.DeleteData = !includeData, includeData
		res := mustApply(t, f, plan, live, opts)
		if err := res.Failure("destroy"); err != nil {
			t.Fatalf("include-data=%v: %v %+v", includeData, err, res.Failed)
		}
		left, _ := f.ListOwned(context.Background(), testScope)
		var names []string
		for _, o := range left {
			names = append(names, o.Address)
		}
		want := "repo/full,svc/logs"
		if includeData {
			want = ""
		}
		if strings.Join(names, ",") != want {
			t.Errorf("include-data=%v: left %v, want %s", includeData, names, want)
		}
		if !includeData {
			// The log group is known to hold data up front; the repository
			// only when AWS refuses to delete it.
			if len(kept) != 1 || kept[0].Resource.Address != "svc/logs" || len(res.Kept) != 1 || res.Kept[0].Resource.Address != "repo/full" {
				t.Errorf("kept up front %+v, at delete %+v", kept, res.Kept)
			}
			if why := res.Kept[0].Why; why != "repository holds images" {
				t.Errorf("kept because %q, want the catalog's reason", why)
			}
		} else if len(f.callsMatching("Update repo/full")) != 1 {
			t.Errorf("include-data: repository not emptied before delete: %v", f.calls)
		}
	}
}

// Identifiers are unique only within a type: a retired role must be
// deleted although an instance profile that stays has the same name, and
// two retired resources of different types sharing an id are both
// retired.
func TestRetirementsKeyIdsByType(t *testing.T) {
	profile := &provider.Observed{Address: "cluster/batch/instance-profile", Type: catalog.IAMInstanceProfile, ID: "demo-test-batch",
		Properties: map[string]any{"InstanceProfileName": "demo-test-batch"}}
	r := &run{live: map[string]*provider.Observed{profile.Address: profile}}
	retire := func(typ, addr string) *item {
		old := &provider.Observed{Address: addr + "#x", Type: typ, ID: "demo-test-batch"}
		return &item{change: &planner.Change{Address: addr, Type: typ, Action: planner.Delete, LiveID: old.ID}, op: OpRetire, old: old}
	}
	r.retired = []*item{retire(catalog.IAMRole, "cluster/batch/instance-role"), retire(catalog.LogGroup, "cluster/batch/log-group")}
	var got []string
	for _, it := range r.retirements() {
		got = append(got, it.change.Type)
	}
	if strings.Join(got, ",") != catalog.IAMRole+","+catalog.LogGroup {
		t.Errorf("retired %v, want the role and the log group", got)
	}
}
