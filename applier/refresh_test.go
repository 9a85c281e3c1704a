package applier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// fleetWorld is the demo project with two instances in its EC2 cluster
// (batch, where the worker runs), applied, and a batch of the sandbox's
// instance refresh taking batch.
func fleetWorld(t *testing.T, batch time.Duration) *world {
	t.Helper()
	w := newWorld(t, sandbox.Knobs{Seed: 1, DeploymentDuration: sandbox.Duration(batch)})
	path := filepath.Join(w.dir, "project.cue")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "minInstances:      0", "minInstances:      2", 1)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	return w
}

func (w *world) group() *sandbox.Resource {
	w.t.Helper()
	r, err := w.sb.Get(context.Background(), sandbox.Filter{Project: "demo", Environment: "test"}, "cluster/batch/auto-scaling-group")
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// events records what an apply reports.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (e *events) Event(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

// gateStates are the states the gate of addr reported, in order.
func (e *events) gateStates(addr string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if ev.Kind == EventGate && ev.Change.Address == addr && ev.Health != nil {
			out = append(out, DescribeHealth(ev.Health))
		}
	}
	return out
}

// AWS publishes a new ECS-optimised AMI: the plan shows the launch
// template's image changing and the group's refresh; apply updates both,
// starts an instance refresh with the group's preferences, waits while it
// replaces the instances one batch at a time, then for the worker; the
// next plan is empty.
func TestSandboxNewAMIRefreshesInstances(t *testing.T) {
	const batch = 60 * time.Millisecond
	w := fleetWorld(t, batch)
	old := w.group().Instances
	if len(old) != 2 {
		t.Fatalf("instances after create: %+v", old)
	}
	_, before, after, err := w.sb.PublishAMI("", "x86_64", "")
	if err != nil {
		t.Fatal(err)
	}
	plan := w.plan()
	lt := plan.Change("cluster/batch/launch-template")
	if lt == nil || lt.Action != planner.Update || len(lt.Diffs) != 1 || lt.Diffs[0].Path != "LaunchTemplateData.ImageId" ||
		lt.Diffs[0].Before != before || lt.Diffs[0].After != after {
		t.Fatalf("launch template change: %+v", lt)
	}
	asg := plan.Change("cluster/batch/auto-scaling-group")
	if asg == nil || !asg.Refreshes() || asg.Impact != planner.ImpactRefresh {
		t.Fatalf("group change: %+v", asg)
	}
	if got := changesOf(plan); strings.Join(got, ", ") != "update cluster/batch/auto-scaling-group, update cluster/batch/launch-template" {
		t.Fatalf("changes: %v", got)
	}

	ev := &events{}
	start := time.Now()
	res := w.apply(plan, Options{Progress: ev})
	if res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	// Two instances at 90% minimum healthy: one at a time, two batches.
	if took := time.Since(start); took < 2*batch {
		t.Errorf("apply took %s, less than the refresh's two batches of %s", took, batch)
	}
	states := ev.gateStates("cluster/batch/auto-scaling-group")
	joined := strings.Join(states, "\n")
	if !strings.Contains(joined, "InProgress, 0% done, 2 instance(s) to replace") ||
		!strings.Contains(joined, "Successful, 100% done") {
		t.Errorf("the gate did not follow the refresh's progress:\n%s", joined)
	}
	if last := states[len(states)-1]; !strings.Contains(last, "COMPLETED, 1/1 running") {
		t.Errorf("the gate's last state is not the worker's, steady: %s", last)
	}
	g := w.group()
	if len(g.Instances) != 2 {
		t.Fatalf("instances after the refresh: %+v", g.Instances)
	}
	for i, in := range g.Instances {
		if in.ImageID != after || in.ID == old[i].ID || in.Version != 2 {
			t.Errorf("instance %d after the refresh: %+v (before %+v)", i, in, old[i])
		}
		// ECS managed termination protection: the instances were (and
		// are) protected from scale-in; the refresh replaced them
		// because apply asked for protected instances to be refreshed.
		if !old[i].Protected || !in.Protected {
			t.Errorf("instance %d is not protected from scale-in: %+v (before %+v)", i, in, old[i])
		}
	}
	if r := g.InstanceRefreshes; len(r) != 1 || r[0].Preferences != (provider.RefreshPreferences{MinHealthyPercentage: 90, SkipMatching: true, InstanceWarmup: 300,
		ScaleInProtectedInstances: "Refresh", StandbyInstances: "Ignore"}) {
		t.Errorf("refreshes: %+v", r)
	}
	if again := w.plan(); again.HasChanges() {
		t.Errorf("plan after the refresh: %v", changesOf(again))
	}
}

// A refresh under way when apply starts (an earlier apply was
// interrupted) is waited for by the group's gate, though the plan changes
// nothing; a refresh that fails fails the gate with a RefreshError naming
// the group, its status and AWS's reason.
func TestSandboxRefreshUnderWayAndFailed(t *testing.T) {
	const batch = 80 * time.Millisecond
	w := fleetWorld(t, batch)
	var group *provider.Observed
	for _, o := range w.live() {
		if o.Address == "cluster/batch/auto-scaling-group" {
			group = o
		}
	}
	// An earlier apply's refresh: protected instances replaced, as every
	// gantry refresh does.
	theirs := provider.RefreshPreferences{MinHealthyPercentage: 50, ScaleInProtectedInstances: provider.ScaleInProtectedRefresh}
	ref, err := w.sb.StartRefresh(context.Background(), w.scope, group, theirs)
	if err != nil || !ref.Started || !ref.Active() {
		t.Fatalf("StartRefresh: %+v, %v", ref, err)
	}
	again, err := w.sb.StartRefresh(context.Background(), w.scope, group, theirs)
	if err != nil || again.Started || again.ID != ref.ID {
		t.Fatalf("a second StartRefresh while one is under way: %+v, %v", again, err)
	}
	plan := w.plan()
	if plan.HasChanges() {
		t.Fatalf("plan: %v", changesOf(plan))
	}
	ev := &events{}
	if res := w.apply(plan, Options{Progress: ev}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	states := strings.Join(ev.gateStates("cluster/batch/auto-scaling-group"), "\n")
	if !strings.Contains(states, "instance refresh "+ref.ID+" Successful") {
		t.Errorf("the unchanged group's gate did not wait for the refresh under way:\n%s", states)
	}

	// Pinned to an AMI that does not exist, the refresh cannot launch.
	w.write("ami.cue", `clusters: batch: capacity: ec2: ami: "ami-0fffffffffffffff0"`+"\n")
	res := w.apply(w.plan(), Options{})
	var re *RefreshError
	if len(res.Failed) != 1 || !errors.As(res.Failed[0].Err, &re) {
		t.Fatalf("apply with a missing AMI: %v %+v", res.Err(), res.Failed)
	}
	if re.Group != "demo-test-batch" || re.Refresh.Status != provider.RefreshFailed ||
		!strings.Contains(re.Refresh.StatusReason, "ami-0fffffffffffffff0") {
		t.Errorf("refresh error: %v", re)
	}
	if !strings.Contains(re.Error(), "cluster/batch/auto-scaling-group: instance refresh ") {
		t.Errorf("message: %v", re)
	}
}
