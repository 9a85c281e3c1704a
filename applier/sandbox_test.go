package applier

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// These tests run the whole cycle against the sandbox: load and compile
// testdata/demo, plan with the planner, apply, plan again.

type world struct {
	t     *testing.T
	dir   string // a copy of testdata/demo
	sb    *sandbox.Sandbox
	scope provider.Scope
}

func newWorld(t *testing.T, knobs sandbox.Knobs) *world {
	t.Helper()
	dir := t.TempDir()
	src := "testdata/demo"
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sb, err := sandbox.Open(t.TempDir(), sandbox.Options{Knobs: &knobs, IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, dir: dir, sb: sb,
		scope: provider.Scope{Project: "demo", Environment: "test", Account: "111122223333", Region: "eu-west-1"}}
}

// write replaces a file of the configuration (images.cue, or an extra
// overrides file).
func (w *world) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte("package demo\n\n"+content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) setImage(service, tag string) {
	w.t.Helper()
	imgs := map[string]string{"api": "1.0.0", "worker": "1.0.0"}
	if b, err := os.ReadFile(filepath.Join(w.dir, "tags")); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				imgs[k] = v
			}
		}
	}
	imgs[service] = tag
	var b, tags strings.Builder
	for _, k := range []string{"api", "worker"} {
		b.WriteString("services: " + k + ": image: \"111122223333.dkr.ecr.eu-west-1.amazonaws.com/" + k + ":" + imgs[k] + "\"\n")
		tags.WriteString(k + "=" + imgs[k] + "\n")
	}
	w.write("images.cue", b.String())
	_ = os.WriteFile(filepath.Join(w.dir, "tags"), []byte(tags.String()), 0o644)
}

func (w *world) plan() *planner.Plan {
	w.t.Helper()
	p, diags, err := compiler.Load(w.dir)
	if err != nil {
		w.t.Fatal(err)
	}
	if diags.HasErrors() {
		w.t.Fatalf("invalid test configuration: %v", diags)
	}
	env := p.Env("test")
	compile := func(pinned map[string]int) (*graph.Graph, error) {
		return compiler.Compile(env, p.Name, compiler.CompileOptions{PinnedPriorities: pinned})
	}
	plan, err := planner.Make(context.Background(), w.sb, w.scope, compile, planner.Options{Provider: "sandbox"})
	if err != nil {
		w.t.Fatal(err)
	}
	return plan
}

func (w *world) apply(plan *planner.Plan, opts Options) *Result {
	w.t.Helper()
	if opts.Parallelism == 0 {
		opts.Parallelism = 8
	}
	if opts.PollInterval == 0 {
		opts.PollInterval, opts.PollMax = 5*time.Millisecond, 50*time.Millisecond
	}
	if opts.Retry.Base == 0 {
		opts.Retry = Retry{Base: time.Millisecond, Max: 20 * time.Millisecond}
	}
	res, err := Apply(context.Background(), w.sb, plan, nil, opts)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// live reads what the sandbox holds for the test scope.
func (w *world) live() []*provider.Observed {
	w.t.Helper()
	live, err := planner.Read(context.Background(), w.sb, w.scope)
	if err != nil {
		w.t.Fatal(err)
	}
	return live
}

// summary is "create 3, update 1" of a plan, no-ops left out.
func summary(p *planner.Plan) string {
	s := p.Summary()
	var parts []string
	for _, a := range planner.Actions {
		if a != planner.NoOp && s[a] > 0 {
			parts = append(parts, string(a)+" "+strconv.Itoa(s[a]))
		}
	}
	return strings.Join(parts, ", ")
}

func changesOf(p *planner.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action != planner.NoOp {
			out = append(out, string(c.Action)+" "+c.Address)
		}
	}
	sort.Strings(out)
	return out
}

func quickKnobs() sandbox.Knobs {
	return sandbox.Knobs{Seed: 1}
}

func TestSandboxCleanApplyThenNoOpPlan(t *testing.T) {
	w := newWorld(t, quickKnobs())
	plan := w.plan()
	if s := plan.Summary(); s[planner.Create] != len(plan.Desired.Resources) || s.Changed() != s[planner.Create] {
		t.Fatalf("first plan: %s", summary(plan))
	}
	res := w.apply(plan, Options{})
	if err := res.Err(); err != nil {
		t.Fatalf("%v\n%+v", err, res.Failed)
	}
	gates := 0
	for _, o := range res.Done {
		if o.Op == OpGate {
			gates++
		}
	}
	if gates != 2 {
		t.Errorf("%d health gates passed, want 2 (api, worker)", gates)
	}
	if again := w.plan(); again.HasChanges() {
		t.Errorf("plan after apply is not empty: %v", changesOf(again))
	}
}

func TestSandboxImageChangeRollsOutNewRevision(t *testing.T) {
	k := quickKnobs()
	// Long enough for the first health poll to find the deployment still
	// rolling on a loaded machine (100ms was not, at times).
	k.DeploymentDuration = sandbox.Duration(300 * time.Millisecond)
	w := newWorld(t, k)
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	before := w.plan()
	oldTD := before.LiveAt("service/api/task-definition")

	w.setImage("api", "1.1.0")
	plan := w.plan()
	if got := strings.Join(changesOf(plan), ", "); got != "delete service/api/task-definition#1, update service/api, update service/api/task-definition" {
		t.Fatalf("image change plan: %s", got)
	}
	var sawRolling bool
	opts := Options{Progress: ProgressFunc(func(e Event) {
		if e.Kind == EventGate && e.Health.RolloutState == rolloutInProgress && e.Change.Address == "service/api" {
			sawRolling = true
		}
	})}
	res := w.apply(plan, opts)
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	if !sawRolling {
		t.Errorf("the gate never saw the deployment in progress")
	}
	var ops []string
	for _, o := range res.Done {
		ops = append(ops, string(o.Op)+" "+o.Change.Address)
	}
	want := []string{
		"register new revision service/api/task-definition",
		"update service/api",
		"health gate service/api",
		"delete service/api/task-definition#1",
	}
	if strings.Join(ops, "\n") != strings.Join(want, "\n") {
		t.Errorf("done:\n%s\nwant:\n%s", strings.Join(ops, "\n"), strings.Join(want, "\n"))
	}
	after := w.plan()
	if after.HasChanges() {
		t.Errorf("plan after the image change: %v", changesOf(after))
	}
	newTD := after.LiveAt("service/api/task-definition")
	if newTD.ID == oldTD.ID || !strings.HasSuffix(newTD.ID, ":2") {
		t.Errorf("task definition %s, want revision 2 (old %s)", newTD.ID, oldTD.ID)
	}
	if got := after.LiveAt("service/api").Properties["TaskDefinition"]; got != newTD.ID {
		t.Errorf("service runs %v, want %s", got, newTD.ID)
	}
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 1 || ids[0] != newTD.ID {
		t.Errorf("active revisions %v: the old one was not deregistered", ids)
	}
}

// resources lists every resource of typ in the test account, owned or
// not, deregistered and deleted ones included.
func (w *world) resources(typ string) []*sandbox.Resource {
	w.t.Helper()
	rs, err := w.sb.Resources(context.Background(), sandbox.Filter{Account: w.scope.Account, Type: typ, Unowned: true, Inactive: true})
	if err != nil {
		w.t.Fatal(err)
	}
	return rs
}

// activeRevisions lists the ACTIVE task definition revisions at addr,
// whatever ListOwned shows.
func (w *world) activeRevisions(t *testing.T, addr string) []string {
	t.Helper()
	var out []string
	for _, r := range w.resources(catalog.TaskDefinition) {
		if r.Address == addr && r.Status == "ACTIVE" {
			out = append(out, r.ID)
		}
	}
	return out
}

func TestSandboxCrashloopFailsAndStopsLaterStages(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	oldTD := w.plan().LiveAt("service/api/task-definition")
	w.setImage("api", "1.1.0-crashloop")
	w.write("overrides.cue", "services: api: scale: max: 6\n")
	plan := w.plan()
	if got := strings.Join(changesOf(plan), ", "); got != "delete service/api/task-definition#1, update service/api, update service/api/scalable-target, update service/api/task-definition" {
		t.Fatalf("plan: %s", got)
	}
	res := w.apply(plan, Options{})
	err := res.Err()
	if err == nil {
		t.Fatal("a crash-looping deployment was reported as a success")
	}
	if len(res.Failed) != 1 || res.Failed[0].Op != OpGate || res.Failed[0].Change.Address != "service/api" {
		t.Fatalf("failed: %+v", res.Failed)
	}
	if msg := res.Failed[0].Err.Error(); !strings.Contains(msg, "rolled back") {
		t.Errorf("gate error does not say the deployment was rolled back: %s", msg)
	}
	var ns []string
	for _, c := range res.NotStarted {
		ns = append(ns, string(c.Action)+" "+c.Address)
	}
	// Not started: scaling, and the deregistration of the old revision
	// the plan counted: the service rolled back to it, so it stays.
	if strings.Join(ns, ", ") != "update service/api/scalable-target, delete service/api/task-definition#1" {
		t.Errorf("not started: %v", ns)
	}
	// The service runs the old revision again, which was kept.
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 2 {
		t.Errorf("active revisions %v, want the old and the new", ids)
	}
	h, herr := w.sb.Health(context.Background(), w.scope, w.plan().LiveAt("service/api"))
	if herr != nil || h.TaskDefinition == "" {
		t.Fatal(herr)
	}
	// The next plan shows exactly the rest: the service still has to move
	// to the new revision, scaling is still to do, and the revision it
	// moves off is deregistered after that deployment.
	rest := w.plan()
	if got := strings.Join(changesOf(rest), ", "); got != "delete service/api/task-definition#1, update service/api, update service/api/scalable-target" {
		t.Errorf("plan after the failure: %s", got)
	}
	_ = oldTD

	// Fixing the image converges.
	w.setImage("api", "1.1.1")
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after the fix: %v", changesOf(p))
	}
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 1 {
		t.Errorf("active revisions after the fix: %v", ids)
	}
}

func TestSandboxConvergesUnderThrottlingAndTransientFailures(t *testing.T) {
	// Which calls fail depends on the seed: several cycles, each fast.
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) { testConvergesUnderFailures(t, seed) })
	}
}

func testConvergesUnderFailures(t *testing.T, seed int64) {
	// 20% of all calls fail, for the whole cycle: the plan's reads (the
	// provider's and the planner's retries), the apply's writes and
	// health reads (the applier's), and the re-plan.
	k := quickKnobs()
	k.Seed = seed
	k.ThrottleRate, k.FailureRate, k.LostResponses = 0.1, 0.1, true
	w := newWorld(t, k)
	plan := w.plan()
	res := w.apply(plan, Options{})
	if err := res.Err(); err != nil {
		t.Fatalf("apply with 20%% failures did not converge: %v\n%+v", err, res.Failed)
	}
	retried := 0
	for _, o := range res.Done {
		if o.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Errorf("no call was retried: the failure knobs did nothing")
	}
	if again := w.plan(); again.HasChanges() {
		t.Errorf("plan after apply: %v", changesOf(again))
	}
	if st := w.sb.Stats(); st.Retries == 0 || st.Throttled+st.Failed == 0 {
		t.Errorf("no read was retried: the failure knobs did nothing to the plans: %+v", st)
	}
	// Nothing duplicated: exactly one live resource per desired one, of
	// every type, owned or not.
	want := map[string]int{}
	for _, r := range plan.Desired.Resources {
		want[r.Type]++
	}
	for typ, n := range want {
		got := 0
		for _, r := range w.resources(typ) {
			if r.Status != "INACTIVE" {
				got++
			}
		}
		if got != n {
			t.Errorf("%s: %d live, want %d", typ, got, n)
		}
	}
	t.Logf("stats: %+v", w.sb.Stats().Total)
}

func TestSandboxDestroyKeepsDataUnlessAsked(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	ctx := context.Background()
	f := sandbox.Filter{Project: "demo", Environment: "test", Account: w.scope.Account, Region: w.scope.Region}
	if err := w.sb.PushImage(ctx, f, "repository/api", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	// Someone else's log group in the same account: never touched.
	if _, err := w.sb.CreateUnowned(ctx, w.scope.Account, w.scope.Region, provider.Request{
		Address: "theirs", Type: catalog.LogGroup, Properties: map[string]any{"LogGroupName": "/theirs"}, Tags: map[string]string{"team": "other"},
	}); err != nil {
		t.Fatal(err)
	}
	live := w.live()
	plan, kept := DestroyPlan("sandbox", w.scope, live, false, time.Now())
	res := w.apply(plan, Options{KeepData: true})
	if err := res.Failure("destroy"); err != nil {
		t.Fatal(err, res.Failed)
	}
	var names []string
	for _, k := range kept {
		names = append(names, k.Resource.Address)
	}
	for _, k := range res.Kept {
		names = append(names, k.Resource.Address+" (at delete)")
	}
	if got := strings.Join(names, ", "); got != "service/api/log-group, service/worker/log-group, repository/api (at delete)" {
		t.Errorf("kept: %s", got)
	}
	left := w.live()
	if len(left) != 3 {
		t.Errorf("%d resources left, want the 2 log groups and the repository", len(left))
	}
	// The next plan recreates everything but what was kept.
	if s := w.plan().Summary(); s[planner.Create] != len(live)-3 {
		t.Errorf("plan after destroy: %v", s)
	}

	plan, kept = DestroyPlan("sandbox", w.scope, left, true, time.Now())
	res = w.apply(plan, Options{DeleteData: true})
	if err := res.Failure("destroy"); err != nil || len(kept) != 0 {
		t.Fatal(err, res.Failed, kept)
	}
	if left := w.live(); len(left) != 0 {
		t.Errorf("--include-data left %d resources", len(left))
	}
	if rs := w.resources(catalog.ECRRepository); len(rs) != 0 {
		t.Errorf("repository not deleted: %+v", rs[0])
	}
	if rs := w.resources(catalog.LogGroup); len(rs) != 1 || rs[0].ID != "/theirs" {
		t.Errorf("log groups left: %v, want only the unowned /theirs", rs)
	}
}

func TestSandboxTargetGroupReplacementCreatesBeforeDelete(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	oldTG := w.plan().LiveAt("service/api/target-group")
	// A new port changes the target group's port, which AWS cannot change
	// in place: the compiler gives the group a new name.
	w.write("overrides.cue", "services: api: port: 9090\n")
	plan := w.plan()
	tg := plan.Change("service/api/target-group")
	if tg.Action != planner.Replace || tg.Impact != planner.ImpactReplace {
		t.Fatalf("target group: %s (%s), want a create-before-delete replacement; plan: %v", tg.Action, tg.Impact, changesOf(plan))
	}
	var order []string
	opts := Options{Progress: ProgressFunc(func(e Event) {
		if e.Kind == EventDone && e.Err == nil {
			order = append(order, string(e.Op)+" "+e.Change.Address)
		}
	})}
	res := w.apply(plan, opts)
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	pos := func(s string) int {
		for i, o := range order {
			if o == s {
				return i
			}
		}
		t.Fatalf("%q not done: %v", s, order)
		return -1
	}
	if !(pos("replace (create before delete) service/api/target-group") < pos("update service/api/rule-http") &&
		pos("update service/api/rule-http") < pos("retire service/api/target-group") &&
		pos("update service/api") < pos("retire service/api/target-group")) {
		t.Errorf("order: %v", order)
	}
	after := w.plan()
	if after.HasChanges() {
		t.Errorf("plan after the replacement: %v", changesOf(after))
	}
	newTG := after.LiveAt("service/api/target-group")
	if newTG.ID == oldTG.ID {
		t.Fatalf("target group not replaced")
	}
	n := 0
	for _, r := range w.resources(catalog.TargetGroup) {
		if r.Status != "INACTIVE" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d target groups live, want 1 (the old one deleted)", n)
	}
}

// A replacement interrupted before the old target group is deleted (here:
// its deletion fails) leaves the old group set aside at an address of its
// own: the next plan deletes it and nothing else, and converges.
func TestSandboxInterruptedReplacementPlansTheRest(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	oldTG := w.plan().LiveAt("service/api/target-group")
	w.write("overrides.cue", "services: api: port: 9090\n")
	k := quickKnobs()
	k.Failures = []sandbox.Failure{{Operation: "elasticloadbalancing:DeleteTargetGroup", Code: "AccessDenied", Message: "not allowed"}}
	if err := w.sb.SetKnobs(k); err != nil {
		t.Fatal(err)
	}
	res := w.apply(w.plan(), Options{})
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "DeleteTargetGroup: AccessDenied") {
		t.Fatalf("failed: %+v", res.Failed)
	}
	if err := w.sb.SetKnobs(quickKnobs()); err != nil {
		t.Fatal(err)
	}
	rest := w.plan()
	got := changesOf(rest)
	// Only the old group: the old task definition revision depends on
	// nothing being deleted, so its deregistration ran alongside the
	// group's deletion and is done.
	if len(got) != 1 || !strings.HasPrefix(got[0], "delete service/api/target-group#") {
		t.Fatalf("plan after the failed retirement: %v", got)
	}
	for _, c := range rest.Changes {
		if strings.HasPrefix(c.Address, "service/api/target-group#") && c.LiveID != oldTG.ID {
			t.Errorf("deletes %s, want the old group %s", c.LiveID, oldTG.ID)
		}
	}
	if res := w.apply(rest, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after converging: %v", changesOf(p))
	}
}

// A replaced target group never receives traffic before it has healthy
// targets, and the old one keeps its targets while traffic still goes to
// it: the sandbox records every listener or rule write that moves traffic
// to a group without healthy targets, and every service update that leaves
// a group traffic still goes to (Stats.TrafficGaps).
func TestSandboxTargetGroupReplacementHasNoTrafficGap(t *testing.T) {
	k := quickKnobs()
	k.DeploymentDuration = sandbox.Duration(60 * time.Millisecond)
	w := newWorld(t, k)
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	oldTG := w.plan().LiveAt("service/api/target-group")
	w.write("overrides.cue", "services: api: port: 9090\n")
	plan := w.plan()
	rule, svc := plan.Change("service/api/rule-http"), plan.Change("service/api")
	if rule.Stage != catalog.StageServices || rule.Impact != planner.ImpactSwitch || svc.Impact != planner.ImpactHandoverNewRevision {
		t.Errorf("rule: stage %d %q; service: %q", rule.Stage, rule.Impact, svc.Impact)
	}
	if rule.Handover == nil || len(rule.Handover.From) != 1 || rule.Handover.From[0].ID != oldTG.ID ||
		strings.Join(rule.Handover.After, ",") != "service/api" {
		t.Errorf("rule handover: %+v", rule.Handover)
	}
	w.sb.ResetStats()
	var order []string
	var atSwitch map[string]int // healthy targets by target group ARN
	opts := Options{Progress: ProgressFunc(func(e Event) {
		if e.Err != nil || (e.Kind != EventDone && e.Kind != EventGateDone) {
			return
		}
		order = append(order, string(e.Op)+" "+e.Change.Address)
		if e.Kind == EventDone && e.Change.Address == "service/api/rule-http" && e.Op == OpUpdate {
			atSwitch = map[string]int{}
			for _, tg := range w.resources(catalog.TargetGroup) {
				n, err := w.sb.TargetGroupHealth(w.scope.Account, w.scope.Region, tg.ID)
				if err != nil {
					t.Error(err)
				}
				atSwitch[tg.ID] = n
			}
		}
	})}
	res := w.apply(plan, opts)
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	if gaps := w.sb.Stats().TrafficGaps; len(gaps) > 0 {
		t.Errorf("traffic gaps:\n%s\norder: %v", strings.Join(gaps, "\n"), order)
	}
	want := []string{
		"replace (create before delete) service/api/target-group",
		"hold traffic service/api/rule-http",
		"update service/api",
		"health gate service/api",
		"update service/api/rule-http",
		"leave replaced service/api",
		"health gate service/api",
		"retire service/api/target-group",
	}
	var got []string
	for _, o := range order {
		for _, wnt := range want {
			if o == wnt && (len(got) == 0 || got[len(got)-1] != o) {
				got = append(got, o)
				break
			}
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	newTG := w.plan().LiveAt("service/api/target-group")
	if len(atSwitch) != 2 || atSwitch[oldTG.ID] < 2 || atSwitch[newTG.ID] < 2 {
		t.Errorf("healthy targets when the rule moved: %v, want the 2 tasks in both groups (old %s, new %s)", atSwitch, oldTG.ID, newTG.ID)
	}
	if after := w.plan(); after.HasChanges() {
		t.Errorf("plan after the replacement: %v", changesOf(after))
	}
}

// An apply that stops in the middle of a handover (here: the service
// update that registers in both groups fails, after the rule was held)
// leaves a state whose next plan hands over again, and converges without a
// traffic gap.
func TestSandboxInterruptedHandoverResumes(t *testing.T) {
	k := quickKnobs()
	k.DeploymentDuration = sandbox.Duration(40 * time.Millisecond)
	w := newWorld(t, k)
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	oldTG := w.plan().LiveAt("service/api/target-group")
	w.write("overrides.cue", "services: api: port: 9090\n")
	k.Failures = []sandbox.Failure{{Operation: "ecs:UpdateService", Address: "service/api", Code: "AccessDeniedException", Message: "not allowed", Times: 1}}
	if err := w.sb.SetKnobs(k); err != nil {
		t.Fatal(err)
	}
	w.sb.ResetStats()
	res := w.apply(w.plan(), Options{})
	if len(res.Failed) != 1 || res.Failed[0].Change.Address != "service/api" {
		t.Fatalf("failed: %+v", res.Failed)
	}
	rest := w.plan()
	rule := rest.Change("service/api/rule-http")
	if rule.Impact != planner.ImpactSwitch || rule.Handover == nil || len(rule.Handover.From) != 1 || rule.Handover.From[0].ID != oldTG.ID {
		t.Fatalf("rule after the failure: %s %q %+v; plan %v", rule.Action, rule.Impact, rule.Handover, changesOf(rest))
	}
	if got := strings.Join(changesOf(rest), ", "); !strings.Contains(got, "delete service/api/target-group#") || !strings.Contains(got, "update service/api,") {
		t.Errorf("plan after the failure: %s", got)
	}
	if res := w.apply(rest, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if gaps := w.sb.Stats().TrafficGaps; len(gaps) > 0 {
		t.Errorf("traffic gaps:\n%s", strings.Join(gaps, "\n"))
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after converging: %v", changesOf(p))
	}
}

// A task definition revision left registered by an apply that stopped
// before its clean-up is seen by the next plan, at an address of its own,
// and deregistered; one a service still runs is listed but never planned.
func TestSandboxLeftoverRevisionIsDeregistered(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0")
	k := quickKnobs()
	k.Failures = []sandbox.Failure{{Operation: "ecs:DeregisterTaskDefinition", Code: "AccessDeniedException", Message: "not allowed", Times: 1}}
	if err := w.sb.SetKnobs(k); err != nil {
		t.Fatal(err)
	}
	res := w.apply(w.plan(), Options{})
	if len(res.Failed) != 1 || res.Failed[0].Op != OpDelete || res.Failed[0].Change.Address != "service/api/task-definition#1" {
		t.Fatalf("failed: %+v", res.Failed)
	}
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 2 {
		t.Fatalf("active revisions %v, want the old one left behind", ids)
	}
	rest := w.plan()
	if got := strings.Join(changesOf(rest), ", "); got != "delete service/api/task-definition#1" {
		t.Fatalf("plan after the failed clean-up: %s", got)
	}
	if c := rest.Change("service/api/task-definition#1"); !strings.HasSuffix(c.LiveID, ":1") || c.Stage != catalog.StageRouting {
		t.Errorf("deletion: %+v", c)
	}
	if res := w.apply(rest, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 1 || !strings.HasSuffix(ids[0], ":2") {
		t.Errorf("active revisions after the clean-up: %v", ids)
	}
	if p := w.plan(); p.HasChanges() {
		t.Errorf("plan after converging: %v", changesOf(p))
	}
}

// After a failed deployment the service runs the old revision again: the
// plan lists it (at "#1") and deletes it only after the deployment that
// moves the service off it; destroy deregisters every revision, the one
// the service ran included.
func TestSandboxRevisionInUseIsKeptAndDestroyDeregistersAll(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0-crashloop")
	if res := w.apply(w.plan(), Options{}); res.Err() == nil {
		t.Fatal("a crash-looping deployment was reported as a success")
	}
	rest := w.plan()
	old := rest.LiveAt("service/api/task-definition#1")
	if old == nil || len(old.UsedBy) != 1 || old.UsedBy[0] != rest.LiveAt("service/api").ID {
		t.Fatalf("the revision the service rolled back to is not listed as used by it: %+v", old)
	}
	if c := rest.Change("service/api/task-definition#1"); c == nil || c.Action != planner.Delete || !strings.Contains(c.Reason, "after their deployments") ||
		rest.Change("service/api").Action != planner.Update {
		t.Errorf("a revision the service runs is not deleted after the service moved off it: %+v", c)
	}
	plan, _ := DestroyPlan("sandbox", w.scope, w.live(), true, time.Now())
	if res := w.apply(plan, Options{DeleteData: true}); res.Failure("destroy") != nil {
		t.Fatal(res.Failure("destroy"), res.Failed)
	}
	if ids := w.activeRevisions(t, "service/api/task-definition"); len(ids) != 0 {
		t.Errorf("destroy left revisions registered: %v", ids)
	}
	if left := w.live(); len(left) != 0 {
		t.Errorf("destroy left %d resources", len(left))
	}
}
