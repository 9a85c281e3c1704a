package applier

import (
	"context"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// A group whose launch template version changes, with a refresh already
// under way (an earlier apply's): the gate waits for that one, then
// starts its own with the graph's preferences and the type's warmup,
// and waits for it too.
func TestRefreshUnderWayIsAwaitedThenOursStarts(t *testing.T) {
	f := newFake()
	group := func(version string) *graph.Graph {
		r := res("cluster/c/asg", catalog.AutoScalingGroup, map[string]any{
			"Name": "asg", "MinSize": "0", "MaxSize": "3", "LaunchTemplate": map[string]any{"LaunchTemplateId": "lt-1", "Version": version},
		})
		r.Refresh = &graph.InstanceRefresh{MinHealthyPercentage: 75, SkipMatching: true}
		return testGraph(r)
	}
	if res := mustApply(t, f, planFor(group("1"), nil), nil, fastOpts()); res.Err() != nil {
		t.Fatal(res.Err())
	}
	live, _ := f.ListOwned(context.Background(), testScope)
	plan, err := planner.Diff(group("2"), live, testScope, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Change("cluster/c/asg"); c == nil || !c.Refreshes() {
		t.Fatalf("change: %+v", c)
	}
	f.busy = &provider.Refresh{ID: "theirs", Status: provider.RefreshInProgress}
	f.refreshes = func(addr string, n int) provider.Refresh {
		if n < 3 {
			return provider.Refresh{Status: provider.RefreshInProgress, PercentageComplete: 30 * n}
		}
		return provider.Refresh{Status: provider.RefreshSuccessful, PercentageComplete: 100}
	}
	res := mustApply(t, f, plan, live, fastOpts())
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	var seq []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "StartRefresh") || strings.HasPrefix(c, "Update") {
			seq = append(seq, c)
		}
	}
	if got := strings.Join(seq, ", "); got != "Update cluster/c/asg, StartRefresh cluster/c/asg, StartRefresh cluster/c/asg" {
		t.Errorf("calls: %s", got)
	}
	if f.busy.ID == "theirs" || !f.busy.Succeeded() {
		t.Errorf("our refresh was not started and awaited: %+v", f.busy)
	}
	want := provider.RefreshPreferences{MinHealthyPercentage: 75, SkipMatching: true, InstanceWarmup: 300,
		ScaleInProtectedInstances: "Refresh", StandbyInstances: "Ignore"}
	for _, p := range f.prefs {
		if p != want {
			t.Errorf("preferences %+v, want %+v", p, want)
		}
	}
	var gate *Outcome
	for i, o := range res.Done {
		if o.Op == OpGate && o.Change.Address == "cluster/c/asg" {
			gate = &res.Done[i]
		}
	}
	if gate == nil || gate.Health == nil || gate.Health.Refresh == nil || gate.Health.Refresh.ID != f.busy.ID {
		t.Errorf("the gate's outcome does not report our refresh: %+v", gate)
	}
	// Reports count it as a refresh, not a service's deployment.
	if gate != nil && (gate.Gate != GateRefresh || gate.PastTense() != "refreshed") {
		t.Errorf("the gate's kind: %v %q", gate.Gate, gate.PastTense())
	}
}

// A refresh that ends without success fails the gate with a RefreshError
// naming the group, the status and the reason, and stops the apply.
func TestRefreshFailureFailsTheGate(t *testing.T) {
	for _, status := range []string{provider.RefreshFailed, provider.RefreshCancelled, provider.RefreshRollbackSuccessful} {
		t.Run(status, func(t *testing.T) {
			f := newFake()
			group := func(version string) *graph.Graph {
				r := res("cluster/c/asg", catalog.AutoScalingGroup, map[string]any{
					"Name": "asg", "MinSize": "0", "MaxSize": "3", "LaunchTemplate": map[string]any{"LaunchTemplateId": "lt-1", "Version": version},
				})
				r.Refresh = &graph.InstanceRefresh{MinHealthyPercentage: 90}
				return testGraph(r, res("svc/service", catalog.Service, map[string]any{"Name": "service"}))
			}
			mustApply(t, f, planFor(group("1"), nil), nil, fastOpts())
			live, _ := f.ListOwned(context.Background(), testScope)
			plan, err := planner.Diff(group("2"), live, testScope, planner.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f.refreshes = func(string, int) provider.Refresh {
				return provider.Refresh{Status: status, StatusReason: "instances failed to launch"}
			}
			res := mustApply(t, f, plan, live, fastOpts())
			if len(res.Failed) != 1 {
				t.Fatalf("failed: %+v", res.Failed)
			}
			re, ok := res.Failed[0].Err.(*RefreshError)
			if !ok || re.Address != "cluster/c/asg" || re.Refresh.Status != status {
				t.Fatalf("error: %v", res.Failed[0].Err)
			}
			want := "cluster/c/asg: instance refresh " + re.Refresh.ID + " of Auto Scaling group " + re.Group + " ended " + status + ": instances failed to launch"
			if !strings.HasPrefix(re.Error(), want) {
				t.Errorf("message %q, want it to start %q", re.Error(), want)
			}
		})
	}
}
