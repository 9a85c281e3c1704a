package applier

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
)

// Replacements whose old resource cannot, or need not, be deleted first,
// and the ones that go with a parent replaced delete-first, against the
// sandbox.

// applyOK applies plan and fails the test on any failure.
func (w *world) applyOK(plan *planner.Plan) *Result {
	w.t.Helper()
	res := w.apply(plan, Options{})
	if err := res.Err(); err != nil {
		w.t.Fatalf("%v\nfailed: %+v\nplan: %v", err, res.Failed, changesOf(plan))
	}
	return res
}

// edit replaces old with new in a file of the configuration.
func (w *world) edit(name, old, new string) {
	w.t.Helper()
	path := filepath.Join(w.dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		w.t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func wantImpact(t *testing.T, plan *planner.Plan, addr string, action planner.Action, impact planner.Impact) {
	t.Helper()
	c := plan.Change(addr)
	if c == nil {
		t.Fatalf("%s: not in the plan", addr)
	}
	if c.Action != action || c.Impact != impact {
		t.Errorf("%s: %s (%s), want %s (%s); reason %q", addr, c.Action, c.Impact, action, impact, c.Reason)
	}
}

// A service moving to another cluster keeps its name, but ECS service
// names are unique per cluster: the new one is created first (no
// downtime), and its scalable target and policy, replaced with it, are
// set aside by tagging only (re-registering the old target would name a
// service that may be gone) and converge in one apply.
func TestSandboxServiceMovingClusterIsCreatedFirst(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.applyOK(w.plan())
	w.edit("project.cue", "cluster: \"main\"", "cluster: \"batch\"")
	plan := w.plan()
	wantImpact(t, plan, "service/api", planner.Replace, planner.ImpactReplace)
	wantImpact(t, plan, "service/api/scalable-target", planner.Replace, planner.ImpactReplace)
	w.sb.ResetStats()
	w.applyOK(plan)
	st := w.sb.Stats()
	if st.Calls["ecs:TagResource"] != 1 || st.Calls["application-autoscaling:TagResource"] != 1 {
		t.Errorf("set aside with TagResource: ecs %d, application-autoscaling %d calls, want 1 each; calls %v",
			st.Calls["ecs:TagResource"], st.Calls["application-autoscaling:TagResource"], st.Calls)
	}
	if n := st.Calls["application-autoscaling:RegisterScalableTarget"]; n != 1 {
		t.Errorf("RegisterScalableTarget called %d times, want 1 (the new target only)", n)
	}
	if after := w.plan(); after.HasChanges() {
		t.Errorf("plan after the move: %v", changesOf(after))
	}
	live := 0
	for _, r := range w.resources(catalog.Service) {
		if r.Status == "ACTIVE" || r.Status == "" {
			live++
		}
	}
	if live != 2 { // api and worker; the old api is gone
		t.Errorf("%d live services, want 2", live)
	}
}

// A load balancer whose scheme changes is replaced delete-first (its name
// stays); its listeners and their rules go with it, so the plan says
// they are replaced delete-first too, and the first apply converges (it
// used to fail setting aside listeners the load balancer's deletion had
// taken with it: ListenerNotFound).
func TestSandboxLoadBalancerSchemeChangeConvergesFirstTime(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.applyOK(w.plan())
	w.edit("project.cue", "scheme: \"internet-facing\"", "scheme: \"internal\"\nloadBalancers: public: ingressCidrs: [\"10.0.0.0/8\"]")
	plan := w.plan()
	var lb, listeners, rules int
	for _, c := range plan.Changes {
		if c.Action != planner.Replace {
			continue
		}
		switch c.Type {
		case catalog.LoadBalancer:
			lb++
		case catalog.Listener:
			listeners++
		case catalog.ListenerRule:
			rules++
		default:
			continue
		}
		if c.Impact != planner.ImpactReplaceDeleteFirst {
			t.Errorf("%s: %s, want %s (it goes with its load balancer)", c.Address, c.Impact, planner.ImpactReplaceDeleteFirst)
		}
		if c.Type != catalog.LoadBalancer && !strings.Contains(c.Reason, "the old one goes with ") {
			t.Errorf("%s: reason %q does not say its old one goes with its parent", c.Address, c.Reason)
		}
	}
	if lb != 1 || listeners == 0 || rules == 0 {
		t.Fatalf("replaced: %d load balancers, %d listeners, %d rules; plan %v", lb, listeners, rules, changesOf(plan))
	}
	w.applyOK(plan)
	if after := w.plan(); after.HasChanges() {
		t.Errorf("plan after the scheme change: %v", changesOf(after))
	}
}

// A create-before-delete replacement whose old resource is gone already
// (it went with its parent) creates the new one: nothing to set aside,
// nothing to retire.
func TestReplaceOfGoneResourceSkipsSetAside(t *testing.T) {
	f := newFake()
	g := testGraph(res("svc/tg", catalog.TargetGroup, map[string]any{"Name": "tg-1", "Port": 80}))
	live := liveAfter(t, f, g)
	old := find(live, "svc/tg")
	f.mu.Lock()
	for _, o := range f.objs {
		o.deleted = true
	}
	f.calls = nil
	f.mu.Unlock()
	g2 := testGraph(res("svc/tg", catalog.TargetGroup, map[string]any{"Name": "tg-2", "Port": 81}))
	plan := planFor(g2, live, &planner.Change{Address: "svc/tg", Type: catalog.TargetGroup, Action: planner.Replace, Impact: planner.ImpactReplace, LiveID: old.ID})
	res := mustApply(t, f, plan, live, fastOpts())
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	if got := strings.Join(f.calls, ","); got != "Tag svc/tg,Create svc/tg" {
		t.Errorf("calls = %s, want the tag attempt and the create only", got)
	}
}

// Removing autoscaling deletes the scaling policy before its scalable
// target: the live policy names its target only by ResourceId,
// ScalableDimension and ServiceNamespace (no ScalingTargetId), which the
// catalog declares as a reference.
func TestSandboxScalingPolicyDeletedBeforeItsTarget(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.applyOK(w.plan())
	w.edit("project.cue", "scale: {min: 2, max: *4 | int, cpuTarget: 60}", "")
	plan := w.plan()
	if c := plan.Change("service/api/scaling/cpu"); c == nil || c.Action != planner.Delete {
		t.Fatalf("plan: %v", changesOf(plan))
	}
	var order []string
	res := w.apply(plan, Options{Parallelism: 8, Progress: ProgressFunc(func(e Event) {
		if e.Change != nil && strings.HasPrefix(e.Change.Address, "service/api/scal") && (e.Kind == EventStart || e.Kind == EventDone) {
			kind := "start"
			if e.Kind == EventDone {
				kind = "done"
			}
			order = append(order, kind+" "+e.Change.Address)
		}
	})})
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	want := "start service/api/scaling/cpu,done service/api/scaling/cpu,start service/api/scalable-target,done service/api/scalable-target"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("order:\n%s\nwant:\n%s", got, want)
	}
	if after := w.plan(); after.HasChanges() {
		t.Errorf("plan after removing autoscaling: %v", changesOf(after))
	}
}
