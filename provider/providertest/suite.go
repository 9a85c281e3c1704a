package providertest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// project is the suite's project; each test has its own environment.
const project = "conformance"

// Run runs every test of the suite against h's provider.
func Run(t *testing.T, h Harness) {
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, h) })
	t.Run("ImageChange", func(t *testing.T) { testImageChange(t, h) })
	t.Run("Crashloop", func(t *testing.T) { testCrashloop(t, h) })
	t.Run("Drift", func(t *testing.T) { testDrift(t, h) })
	t.Run("Destroy", func(t *testing.T) { testDestroy(t, h) })
	t.Run("Lock", func(t *testing.T) { testLock(t, h) })
	t.Run("InstanceRefresh", func(t *testing.T) { testInstanceRefresh(t, h) })
}

// world is one test's configuration, provider and account slice.
type world struct {
	t     *testing.T
	h     Harness
	p     provider.Provider
	scope provider.Scope
	cfg   *config
	dir   string
}

func newWorld(t *testing.T, h Harness, env string) *world {
	t.Helper()
	scope := provider.Scope{Project: project, Environment: env, Account: h.Account, Region: h.Region}
	p := h.New(t, scope)
	w := &world{t: t, h: h, p: p, scope: scope, dir: t.TempDir()}
	w.cfg = &config{Project: project, Env: env, Account: h.Account, Region: h.Region,
		Network: h.Network(t, p, scope), Tags: map[string]string{}}
	w.cfg.write(t, w.dir)
	return w
}

// setImage changes a service's image tag in the configuration.
func (w *world) setImage(service, tag string) {
	w.cfg.Tags[service] = tag
	w.cfg.write(w.t, w.dir)
}

// plan loads and compiles the configuration and plans it against live
// state, as gantry plan does.
func (w *world) plan() *planner.Plan {
	w.t.Helper()
	p, diags, err := compiler.Load(w.dir)
	if err != nil || diags.HasErrors() {
		w.t.Fatalf("the suite's configuration is invalid: %v %v", err, diags)
	}
	env := p.Env(w.scope.Environment)
	compile := func(pinned map[string]int) (*graph.Graph, error) {
		return compiler.Compile(env, p.Name, compiler.CompileOptions{PinnedPriorities: pinned})
	}
	plan, err := planner.Make(context.Background(), w.p, w.scope, compile, planner.Options{Provider: w.h.Name})
	if err != nil {
		w.t.Fatal(err)
	}
	return plan
}

// apply runs a plan with short polls and retries.
func (w *world) apply(plan *planner.Plan, opts applier.Options) *applier.Result {
	w.t.Helper()
	opts.PollInterval, opts.PollMax = 10*time.Millisecond, 200*time.Millisecond
	opts.Retry = applier.Retry{Base: 10 * time.Millisecond, Max: 500 * time.Millisecond}
	opts.StageTimeout = 5 * time.Minute
	res, err := applier.Apply(context.Background(), w.p, plan, nil, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// converge applies the configuration and requires success.
func (w *world) converge() {
	w.t.Helper()
	if res := w.apply(w.plan(), applier.Options{}); res.Err() != nil {
		w.t.Fatalf("apply: %v\n%s", res.Err(), failures(res))
	}
}

func failures(res *applier.Result) string {
	var b strings.Builder
	for _, o := range res.Failed {
		b.WriteString("  " + string(o.Op) + " " + o.Change.Address + ": " + o.Err.Error() + "\n")
	}
	return b.String()
}

// changes lists a plan's changes as "action address", sorted, no-ops
// and the changes the harness tolerates left out.
func (w *world) changes(p *planner.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action != planner.NoOp && w.h.Tolerate != nil && w.h.Tolerate(c) {
			var paths []string
			for _, d := range c.Diffs {
				paths = append(paths, d.Path)
			}
			w.t.Logf("%s %s tolerated (the harness says the difference is not the provider's): %s", c.Action, c.Address, strings.Join(paths, ", "))
			continue
		}
		if c.Action != planner.NoOp {
			out = append(out, string(c.Action)+" "+c.Address)
		}
	}
	slices.Sort(out)
	return out
}

func (w *world) wantChanges(p *planner.Plan, want ...string) {
	w.t.Helper()
	if got := w.changes(p); !slices.Equal(got, want) {
		w.t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// testLifecycle: every resource type is created from the compiled graph,
// read back by ListOwned with every address, and the next plan is empty:
// the provider's read-back normalises to what was sent.
func testLifecycle(t *testing.T, h Harness) {
	w := newWorld(t, h, "life")
	plan := w.plan()
	types := map[string]bool{}
	for _, r := range plan.Desired.Resources {
		types[r.Type] = true
	}
	for _, name := range catalog.Names() {
		if !types[name] {
			t.Errorf("the suite's configuration compiles to no %s", name)
		}
	}
	if s := plan.Summary(); s[planner.Create] != len(plan.Desired.Resources) || s.Changed() != s[planner.Create] {
		t.Fatalf("first plan is not all creates: %v", w.changes(plan))
	}
	res := w.apply(plan, applier.Options{})
	if res.Err() != nil {
		t.Fatalf("apply: %v\n%s", res.Err(), failures(res))
	}
	gates := 0
	for _, o := range res.Done {
		if o.Op == applier.OpGate {
			gates++
		}
	}
	if gates != 2 {
		t.Errorf("%d health gates passed, want 2 (api, worker)", gates)
	}
	live, err := w.p.ListOwned(context.Background(), w.scope)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range live {
		seen[o.Address] = true
		if o.ID == "" || o.Properties == nil {
			t.Errorf("%s: ListOwned gave no id or no properties", o.Address)
		}
	}
	for _, r := range plan.Desired.Resources {
		if !seen[r.Address] {
			t.Errorf("%s (%s) was created but ListOwned does not list it", r.Address, r.Type)
		}
	}
	if again := w.changes(w.plan()); len(again) > 0 {
		t.Errorf("the plan after a clean apply is not empty: %v", again)
	}
}

// testImageChange: a new image registers a task definition revision and
// updates the service, nothing else; the old revision is deregistered.
func testImageChange(t *testing.T, h Harness) {
	w := newWorld(t, h, "image")
	w.converge()
	old := w.plan().LiveAt("service/api/task-definition")
	w.setImage("api", "1.1.0")
	plan := w.plan()
	w.wantChanges(plan, "delete service/api/task-definition#1", "update service/api", "update service/api/task-definition")
	if res := w.apply(plan, applier.Options{}); res.Err() != nil {
		t.Fatalf("apply: %v\n%s", res.Err(), failures(res))
	}
	after := w.plan()
	w.wantChanges(after)
	td := after.LiveAt("service/api/task-definition")
	if td == nil || old == nil || td.ID == old.ID {
		t.Fatalf("task definition %v after the change, %v before: want a new revision", td, old)
	}
	if got := after.LiveAt("service/api").Properties["TaskDefinition"]; got != td.ID {
		t.Errorf("the service runs %v, want %s", got, td.ID)
	}
}

// testCrashloop: a deployment whose tasks never start fails the apply at
// the service's health gate, and later stages are not started.
func testCrashloop(t *testing.T, h Harness) {
	w := newWorld(t, h, "crash")
	w.converge()
	w.setImage("api", "1.1.0-crashloop")
	res := w.apply(w.plan(), applier.Options{})
	if res.Err() == nil {
		t.Fatal("a crash-looping deployment was reported as a success")
	}
	if len(res.Failed) != 1 || res.Failed[0].Op != applier.OpGate || res.Failed[0].Change.Address != "service/api" {
		t.Fatalf("failed, want only service/api's health gate:\n%s", failures(res))
	}
}

// testDrift: a change made behind gantry's back shows up as drift, and
// the next apply undoes it.
func testDrift(t *testing.T, h Harness) {
	w := newWorld(t, h, "drift")
	w.converge()
	h.Drift(t, w.p, w.scope, w.plan().LiveAt("service/api"))
	plan := w.plan()
	w.wantChanges(plan, "update service/api")
	for _, c := range plan.Changes {
		if c.Address == "service/api" && c.Action != planner.NoOp && c.Cause != planner.CauseDrift {
			t.Errorf("service/api: cause %q, want drift", c.Cause)
		}
	}
	w.converge()
	w.wantChanges(w.plan())
}

// testDestroy: destroy with its data deletes everything gantry owns and
// leaves a resource it does not own alone.
func testDestroy(t *testing.T, h Harness) {
	w := newWorld(t, h, "destroy")
	w.converge()
	exists := h.Unowned(t, w.p, w.scope, project+"-destroy-not-ours")
	live, err := planner.Read(context.Background(), w.p, w.scope)
	if err != nil {
		t.Fatal(err)
	}
	plan, kept := applier.DestroyPlan(w.h.Name, w.scope, live, true, time.Now())
	if len(kept) != 0 {
		t.Errorf("destroy with data kept %d resources", len(kept))
	}
	res := w.apply(plan, applier.Options{DeleteData: true})
	if err := res.Failure("destroy"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, failures(res))
	}
	left, err := w.p.ListOwned(context.Background(), w.scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range left {
		t.Errorf("left after destroy: %s (%s) %s", o.Address, o.Type, o.ID)
	}
	if !exists() {
		t.Error("destroy deleted a log group gantry does not own")
	}
}

// testLock: the apply lock is exclusive, names its holder, and only the
// holder's id breaks it.
func testLock(t *testing.T, h Harness) {
	w := newWorld(t, h, "lock")
	ctx := context.Background()
	first := provider.LockInfo{ID: "lock-first", Host: "ci", User: "runner", PID: 1, Operation: "apply", Since: time.Now().UTC()}
	second := first
	second.ID, second.PID = "lock-second", 2
	release, err := w.p.Lock(ctx, w.scope, first)
	if err != nil {
		t.Fatal(err)
	}
	var locked *provider.LockedError
	if _, err := w.p.Lock(ctx, w.scope, second); !errors.As(err, &locked) || locked.Holder.ID != first.ID {
		t.Fatalf("a second Lock: %v, want LockedError naming %s", err, first.ID)
	}
	if err := w.p.Unlock(ctx, w.scope, "not-the-id"); err == nil {
		t.Error("Unlock with the wrong id succeeded")
	}
	if _, err := w.p.Lock(ctx, w.scope, second); !errors.As(err, &locked) {
		t.Fatalf("after Unlock with the wrong id the lock is free: %v", err)
	}
	if err := w.p.Unlock(ctx, w.scope, first.ID); err != nil {
		t.Fatal(err)
	}
	release2, err := w.p.Lock(ctx, w.scope, second)
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	// The broken holder comes back and releases: that must not free the
	// lock its successor now holds.
	_ = release()
	third := second
	third.ID = "lock-third"
	if _, err := w.p.Lock(ctx, w.scope, third); !errors.As(err, &locked) || locked.Holder.ID != second.ID {
		t.Errorf("after the broken holder's release: %v, want LockedError naming %s", err, second.ID)
	}
	if err := release2(); err != nil {
		t.Error(err)
	}
	release3, err := w.p.Lock(ctx, w.scope, third)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	_ = release3()
}

// testInstanceRefresh: another instance type is a new launch template
// version, and the group's update is followed by an instance refresh,
// which apply starts and gates on until it succeeded; the next plan is
// empty.
func testInstanceRefresh(t *testing.T, h Harness) {
	w := newWorld(t, h, "refresh")
	w.converge()
	w.cfg.InstanceType = "t3.large"
	w.cfg.write(t, w.dir)
	plan := w.plan()
	const group = "cluster/batch/auto-scaling-group"
	if c := plan.Change("cluster/batch/launch-template"); c == nil || c.Action != planner.Update {
		t.Fatalf("the launch template's change: %+v", c)
	}
	// Checked whatever the harness tolerates: an emulator's read-back
	// differences of the group do not make the version change less real.
	if c := plan.Change(group); c == nil || !c.Refreshes() {
		t.Fatalf("the group's change is not refreshed: %+v", c)
	}
	for _, c := range w.changes(plan) {
		if c != "update "+group && c != "update cluster/batch/launch-template" {
			t.Errorf("unexpected change %s", c)
		}
	}
	res := w.apply(plan, applier.Options{})
	if res.Err() != nil {
		t.Fatalf("apply: %v\n%s", res.Err(), failures(res))
	}
	gated := false
	for _, o := range res.Done {
		gated = gated || (o.Op == applier.OpGate && o.Change.Address == group && o.Health != nil && o.Health.Refresh != nil)
	}
	if !gated {
		t.Errorf("no refresh gate of %s among %d outcomes", group, len(res.Done))
	}
	live, err := planner.Read(context.Background(), w.p, w.scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range live {
		if o.Address != group {
			continue
		}
		r, err := w.p.Refresh(context.Background(), w.scope, o, "")
		if err != nil || r == nil || !r.Succeeded() {
			t.Errorf("the group's newest refresh: %+v, %v", r, err)
		}
	}
	w.wantChanges(w.plan())
}
