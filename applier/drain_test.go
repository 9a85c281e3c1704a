package applier

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// drainKnobs make deleted services drain for a while (the sandbox drains a
// service for its deployment duration), as ECS does.
func drainKnobs() sandbox.Knobs {
	k := quickKnobs()
	k.DeploymentDuration = sandbox.Duration(60 * time.Millisecond)
	return k
}

type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) Event(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) waits(w Wait) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		if e.Kind == EventWait && e.Wait == w && !slices.Contains(out, e.Change.Address) {
			out = append(out, e.Change.Address)
		}
	}
	slices.Sort(out)
	return out
}

// draining lists the services of the sandbox still draining.
func (w *world) draining() []string {
	var out []string
	for _, r := range w.resources(catalog.Service) {
		if r.Status == "DRAINING" {
			out = append(out, r.Address)
		}
	}
	return out
}

// Destroy deletes the services, waits until they are INACTIVE (not just
// DRAINING), and only then deletes their cluster: it reports complete
// when everything is gone, and an apply right after it re-creates all.
func TestSandboxDestroyThenApplyWaitsForServicesToDrain(t *testing.T) {
	w := newWorld(t, drainKnobs())
	w.applyOK(w.plan())
	live := w.live()
	plan, _ := DestroyPlan("sandbox", w.scope, live, true, time.Now())
	log := &eventLog{}
	res := w.apply(plan, Options{DeleteData: true, Progress: log})
	if err := res.Failure("destroy"); err != nil {
		t.Fatal(err, res.Failed)
	}
	if d := w.draining(); len(d) != 0 {
		t.Errorf("destroy reported complete while services are still draining: %v", d)
	}
	if got := strings.Join(log.waits(WaitDeleted), ","); got != "service/api,service/worker" {
		t.Errorf("waited for %q to drain, want service/api,service/worker", got)
	}
	if left := w.live(); len(left) != 0 {
		t.Errorf("destroy left %d resources", len(left))
	}

	// Re-create at once.
	again := w.plan()
	if s := again.Summary(); s[planner.Create] != len(live) {
		t.Fatalf("plan after destroy: %s, want %d creates", summary(again), len(live))
	}
	if res := w.apply(again, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after re-create is not empty: %v", changesOf(p))
	}
}

// A service deleted behind the applier's back (another apply, someone's
// console) drains; re-creating it waits for that instead of failing with
// "still Draining".
func TestSandboxCreateWaitsForADrainingServiceOfTheSameName(t *testing.T) {
	w := newWorld(t, drainKnobs())
	w.applyOK(w.plan())
	api := find(w.live(), "service/api")
	if api == nil {
		t.Fatal("no service/api")
	}
	// The deleted service drains for as long as a deployment takes: long
	// enough now that planning, on a loaded machine, is over before it is.
	k := drainKnobs()
	k.DeploymentDuration = sandbox.Duration(1500 * time.Millisecond)
	if err := w.sb.SetKnobs(k); err != nil {
		t.Fatal(err)
	}
	if err := w.sb.Delete(context.Background(), w.scope, api); err != nil {
		t.Fatal(err)
	}
	plan := w.plan()
	if c := plan.Change("service/api"); c == nil || c.Action != planner.Create {
		t.Fatalf("plan after the delete: %v", changesOf(plan))
	}
	log := &eventLog{}
	if res := w.apply(plan, Options{Progress: log}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if got := strings.Join(log.waits(WaitRecreate), ","); got != "service/api" {
		t.Errorf("creates that waited for a draining service: %q, want service/api", got)
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after re-create is not empty: %v", changesOf(p))
	}
}

// The wait for a draining service is bounded by the stage timeout, and
// what the service holds (its cluster) is not deleted under it.
func TestSandboxDrainWaitIsBoundedByTheStageTimeout(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.applyOK(w.plan())
	k := quickKnobs()
	k.DeploymentDuration = sandbox.Duration(time.Hour)
	if err := w.sb.SetKnobs(k); err != nil {
		t.Fatal(err)
	}
	plan, _ := DestroyPlan("sandbox", w.scope, w.live(), true, time.Now())
	start := time.Now()
	res := w.apply(plan, Options{DeleteData: true, StageTimeout: 100 * time.Millisecond})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("destroy took %s with a stage timeout of 100ms", d)
	}
	var failed []string
	for _, o := range res.Failed {
		failed = append(failed, o.Err.Error())
	}
	if len(failed) != 2 || !strings.Contains(failed[0], "deleted, but still DRAINING") {
		t.Fatalf("destroy with services draining for an hour failed with %q, want both services failing while draining", failed)
	}
	left := w.live()
	if !slices.ContainsFunc(left, func(o *provider.Observed) bool { return o.Type == catalog.Cluster }) {
		t.Errorf("the cluster was deleted under services still draining")
	}
}
