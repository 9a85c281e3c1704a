package applier

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// item is one unit of work: a change of the plan, or the retirement of
// something a replacement left behind.
type item struct {
	change *planner.Change
	op     Op
	res    *graph.Resource    // desired resource (create, update, replace)
	old    *provider.Observed // live resource before (update, replace, delete, retire)
	// drain is how long a retired resource stays after its stage ended.
	drain     time.Duration
	notBefore time.Time
	// after lists the items that must succeed before this one starts;
	// afterGate those whose health gate must pass (a handover's router
	// moves traffic only once the services are healthy in the new group).
	after     []*item
	afterGate []*item

	// scheduler state, owned by runPhase
	waiting        int
	dependents     []*item
	gateDependents []*item
	started        bool
}

// finished is what a worker goroutine hands back to the scheduler.
type finished struct {
	it   *item
	out  Outcome
	gate bool
	// obs and want start a health gate after a successful change.
	obs  *provider.Observed
	want string
	// quiet results (a resumed gate that found nothing to wait for) are
	// not reported; unverified gates were abandoned, not failed; kept
	// deletions were refused because the resource holds data.
	quiet, unverified, kept bool
}

// errStopped cancels health gates when something else failed first.
var errStopped = errors.New("stopped because another change failed")

// stageTimeout is the cause of a stage's context when --timeout expires.
type stageTimeout struct {
	stage   string
	timeout time.Duration
}

func (e *stageTimeout) Error() string {
	return fmt.Sprintf("stage %q timed out after %s", e.stage, e.timeout)
}

type run struct {
	p       provider.Provider
	plan    *planner.Plan
	scope   provider.Scope
	opts    Options
	desired map[string]*graph.Resource
	// provenance are the tags stamped on what the apply creates or
	// changes (provenanceTags).
	provenance map[string]string

	// emitMu makes the Progress calls of parallel changes one at a time.
	emitMu sync.Mutex

	mu      sync.Mutex
	live    map[string]*provider.Observed // current state by address
	byID    map[string]*provider.Observed // state before the apply, by liveKey
	retired []*item
	stopped bool
	cancel  context.CancelCauseFunc // the running phase's gates
	res     Result
}

func newRun(p provider.Provider, plan *planner.Plan, live []*provider.Observed, opts Options) (*run, error) {
	r := &run{
		p:       p,
		plan:    plan,
		scope:   plan.Scope,
		opts:    opts,
		desired: plan.Desired.Index(),
		live:    make(map[string]*provider.Observed, len(live)),
		byID:    make(map[string]*provider.Observed, len(live)),

		provenance: provenanceTags(plan, opts.Repository, opts.Logger),
	}
	for _, o := range live {
		r.byID[liveKey(o.Type, o.ID)] = o
		// With two live resources at one address (a replacement that was
		// interrupted), references resolve to the one the plan saw.
		if prev, dup := r.live[o.Address]; dup && !r.planSaw(o) && r.planSaw(prev) {
			continue
		}
		r.live[o.Address] = o
	}
	for _, c := range plan.Changes {
		if c.Action == planner.NoOp || c.Action == planner.Delete {
			continue
		}
		if r.desired[c.Address] == nil {
			return nil, fmt.Errorf("apply: plan change %s has no desired resource", c.Address)
		}
	}
	return r, nil
}

// planSaw reports whether the plan's changes name o by id.
func (r *run) planSaw(o *provider.Observed) bool {
	for _, c := range r.plan.Changes {
		if c.Address == o.Address && c.LiveID == o.ID {
			return true
		}
	}
	return false
}

func (r *run) emit(e Event) {
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	e.Time = r.opts.Now()
	r.opts.Progress.Event(e)
}

func (r *run) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// stop makes sure nothing new starts and abandons the health gates still
// waiting.
func (r *run) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.cancel != nil {
		r.cancel(errStopped)
	}
}

func (r *run) run(ctx context.Context) *Result {
	start := r.opts.Now()
	byStage := map[catalog.Stage][]*planner.Change{}
	var deletes []*planner.Change
	for _, c := range r.plan.Changes {
		switch c.Action {
		case planner.NoOp:
			// Gated even unchanged: a deployment or an instance refresh
			// an earlier apply started may still be under way.
			if r.gated(c.Type) || entry(c.Type).Refresh != nil {
				byStage[c.Stage] = append(byStage[c.Stage], c)
			}
		case planner.Delete:
			deletes = append(deletes, c)
		default:
			byStage[c.Stage] = append(byStage[c.Stage], c)
			if st, ok := holdStage(c); ok {
				byStage[st] = append(byStage[st], c)
			}
			if st, ok := revokeStage(c); ok {
				byStage[st] = append(byStage[st], c)
			}
		}
	}
	for _, st := range sortedStages(byStage) {
		var items, resume []*item
		for _, c := range byStage[st] {
			it := r.itemFor(c)
			if hs, ok := holdStage(c); ok && hs == st {
				it.op = OpHold
			}
			if rs, ok := revokeStage(c); ok && rs == st {
				it.op = OpRevoke
			}
			if c.Action == planner.NoOp {
				if it.old != nil {
					resume = append(resume, it)
				}
				continue
			}
			items = append(items, it)
		}
		if r.isStopped() || ctx.Err() != nil {
			r.notStarted(items)
			continue
		}
		orderByDependencies(items)
		items = wireHandovers(items)
		wireRevokes(items)
		r.runPhase(ctx, st, false, items, resume)
	}
	r.runDeletions(ctx, deletes)
	if ctx.Err() != nil {
		r.res.Interrupted = true
	}
	r.res.Elapsed = r.opts.Now().Sub(start)
	return &r.res
}

// runDeletions deletes what the plan removes and retires what
// replacements left behind, in reverse stage order.
func (r *run) runDeletions(ctx context.Context, deletes []*planner.Change) {
	byStage := map[catalog.Stage][]*item{}
	for _, c := range deletes {
		it := r.itemFor(c)
		byStage[c.Stage] = append(byStage[c.Stage], it)
	}
	if r.isStopped() || ctx.Err() != nil {
		// Retirements are not plan changes: what they would remove stays
		// in use until the stopped deployments are sorted out.
		for _, st := range sortedStages(byStage) {
			r.notStarted(byStage[st])
		}
		return
	}
	planned := map[string]bool{}
	for _, c := range deletes {
		planned[liveKey(c.Type, c.LiveID)] = true
	}
	for _, it := range r.retirements() {
		if planned[liveKey(it.old.Type, it.old.ID)] {
			continue // the plan deletes it already (an older revision it saw)
		}
		byStage[it.change.Stage] = append(byStage[it.change.Stage], it)
	}
	stages := sortedStages(byStage)
	for i := len(stages) - 1; i >= 0; i-- {
		items := byStage[stages[i]]
		if r.isStopped() || ctx.Err() != nil {
			r.notStarted(items)
			continue
		}
		orderDeletions(items, r.desired)
		r.runPhase(ctx, stages[i], true, items, nil)
	}
}

// orderByDependencies makes each change wait for the changes of the same
// stage it depends on (earlier stages are done by then).
func orderByDependencies(items []*item) {
	byAddr := make(map[string]*item, len(items))
	for _, it := range items {
		if it.op == OpRevoke {
			// The second step of a change of an earlier stage, which
			// what depends on the change does not wait for: it waits
			// for them (wireRevokes).
			continue
		}
		byAddr[it.change.Address] = it
	}
	for _, it := range items {
		if it.res == nil || it.op == OpRevoke {
			continue
		}
		for _, d := range it.res.DependsOn {
			dep := byAddr[d]
			if dep == nil || dep == it {
				continue
			}
			if h := dep.change.Handover; h != nil && dep.op != OpHold && slices.Contains(h.After, it.change.Address) {
				// A router that moves traffic waits for this service,
				// not the other way round; its hold step (an earlier
				// stage) already associated the new group.
				continue
			}
			it.after = append(it.after, dep)
		}
	}
}

// holdStage reports whether c is a router change of a traffic handover
// (planner.Handover with registrars to wait for) and the stage of its
// hold step: its type's own stage, before the registrars'.
func holdStage(c *planner.Change) (catalog.Stage, bool) {
	if c.Handover == nil || len(c.Handover.After) == 0 || len(c.Handover.From) == 0 {
		return 0, false
	}
	t, ok := catalog.Lookup(c.Type)
	if !ok || t.Hold == nil || t.Stage == c.Stage {
		return 0, false
	}
	return t.Stage, true
}

// wireHandovers orders the steps of traffic handovers within a stage: a
// router moves traffic after the health gates of the registrars it waits
// for, and each registrar that registered in the old group too leaves it
// (a second, gated update) after the routers moved.
func wireHandovers(items []*item) []*item {
	byAddr := map[string]*item{}
	for _, it := range items {
		if it.op != OpHold {
			byAddr[it.change.Address] = it
		}
	}
	var routers []*item
	for _, it := range items {
		if h := it.change.Handover; h != nil && len(h.After) > 0 && it.op != OpHold {
			routers = append(routers, it)
			for _, a := range h.After {
				if reg := byAddr[a]; reg != nil {
					it.afterGate = append(it.afterGate, reg)
				}
			}
		}
	}
	out := items
	for _, it := range items {
		h := it.change.Handover
		if h == nil || len(h.From) == 0 || len(h.After) > 0 || it.op != OpUpdate {
			continue
		}
		leave := &item{change: it.change, op: OpLeave, res: it.res, old: it.old, afterGate: []*item{it}}
		for _, rt := range routers {
			if slices.Contains(rt.change.Handover.After, it.change.Address) {
				leave.after = append(leave.after, rt)
			}
		}
		out = append(out, leave)
	}
	return out
}

// retirements are the retired resources to delete: once each, and never
// one that a live resource still names (a revision another service runs).
func (r *run) retirements() []*item {
	r.mu.Lock()
	defer r.mu.Unlock()
	// A live resource's own name property names itself, not something it
	// uses (an instance profile named like the role it replaced).
	used := map[string]bool{}
	for _, o := range r.live {
		t, _ := catalog.Lookup(o.Type)
		for k, v := range o.Properties {
			if t != nil && k == t.NameProperty {
				continue
			}
			graph.WalkStrings(v, func(s string) { used[s] = true })
		}
	}
	// What answers to an address of the configuration stays; what is at
	// a "#" address (set aside, an older revision) is what retirements
	// are for.
	current := map[string]bool{}
	for _, o := range r.live {
		if !strings.Contains(o.Address, "#") {
			current[liveKey(o.Type, o.ID)] = true
		}
	}
	seen := map[string]bool{}
	var out []*item
	for _, it := range r.retired {
		key := liveKey(it.old.Type, it.old.ID)
		if seen[key] || used[it.old.ID] || current[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}

func (r *run) gated(typ string) bool {
	t, ok := catalog.Lookup(typ)
	return ok && t.HealthGated
}

// itemFor turns a plan change into work.
func (r *run) itemFor(c *planner.Change) *item {
	it := &item{change: c, res: r.desired[c.Address], old: r.liveFor(c)}
	t, _ := catalog.Lookup(c.Type)
	revisioned := t != nil && t.Revisioned
	switch c.Action {
	case planner.Create:
		it.op = OpCreate
	case planner.Update:
		it.op = OpUpdate
		if revisioned && c.RegistersRevision() {
			// A tags-only change of a task definition re-tags it in
			// place: no new revision, no deployment.
			it.op = OpNewRevision
		}
	case planner.Replace:
		switch {
		case revisioned:
			it.op = OpNewRevision
		case c.Impact == planner.ImpactReplaceDeleteFirst:
			it.op = OpReplaceFirst
		default:
			it.op = OpReplace
		}
	case planner.Delete:
		it.op = OpDelete
		if it.old == nil {
			// Already gone, or never read: Delete is idempotent.
			it.old = &provider.Observed{Address: c.Address, Type: c.Type, ID: c.LiveID}
		}
	case planner.NoOp:
		it.op = OpGate
	}
	return it
}

// liveFor finds the live resource a change acts on: the one the plan saw
// by id, else the one at its address.
func (r *run) liveFor(c *planner.Change) *provider.Observed {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.LiveID != "" {
		if o := r.byID[liveKey(c.Type, c.LiveID)]; o != nil {
			return o
		}
	}
	return r.live[c.Address]
}

func (r *run) notStarted(items []*item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range items {
		if !it.started && !slices.Contains(r.res.NotStarted, it.change) {
			r.res.NotStarted = append(r.res.NotStarted, it.change)
		}
	}
}

func sortedStages[T any](m map[catalog.Stage][]T) []catalog.Stage {
	out := make([]catalog.Stage, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// exec makes one change. ctx ends when the stage times out or the apply is
// interrupted; calls already made finish regardless (see attempt). Each
// kind of operation has its own function; they fill in f (what was
// observed, the attempts made) and return the change's error.
func (r *run) exec(ctx context.Context, it *item) finished {
	start := r.opts.Now()
	r.emit(Event{Kind: EventStart, Change: it.change, Op: it.op})
	f := finished{it: it, out: Outcome{Change: it.change, Op: it.op}}
	var err error
	switch it.op {
	case OpCreate, OpNewRevision, OpReplace:
		err = r.execCreate(ctx, it, &f)
	case OpUpdate, OpHold, OpLeave, OpRevoke:
		err = r.execUpdate(ctx, it, &f)
	case OpReplaceFirst:
		err = r.execReplaceFirst(ctx, it, &f)
	case OpDelete, OpRetire:
		err = r.execDelete(ctx, it, &f)
	}
	if f.obs != nil {
		f.out.ID = f.obs.ID
	}
	f.out.Err = err
	f.out.Duration = r.opts.Now().Sub(start)
	r.emit(Event{Kind: EventDone, Change: it.change, Op: it.op, ID: f.out.ID, Err: err, Elapsed: f.out.Duration, Attempt: f.out.Attempts, Kept: f.kept})
	return f
}

// execCreate creates the resource: a new one, a task definition's new
// revision, or the replacement of one that is set aside first and retired
// once the replacement took over.
func (r *run) execCreate(ctx context.Context, it *item, f *finished) error {
	gone := false
	if it.op == OpReplace {
		var err error
		if f.out.Attempts, gone, err = r.setAside(ctx, it); err != nil {
			return err
		}
	}
	obs, want, n, err := r.create(ctx, it)
	f.obs, f.want = obs, want
	f.out.Attempts += n
	if err == nil && !gone && it.old != nil && it.old.ID != f.obs.ID && it.op != OpCreate {
		r.retire(it)
	}
	return err
}

// execUpdate updates the live resource in place: a plain update, or one
// step of a traffic handover (hold, leave) or of a two-phase update
// (revoke), whose request handoverStep and widen shape.
func (r *run) execUpdate(ctx context.Context, it *item, f *finished) error {
	if it.op == OpRevoke {
		// The first step changed the resource: revoke from what it is now.
		it.old = r.current(it)
	}
	if it.old == nil {
		return fmt.Errorf("%s: no live resource to update: it was deleted since the plan was made; plan again", it.change.Address)
	}
	req, err := r.request(it.change, it.res, it.old)
	if err != nil {
		return err
	}
	f.want = deployed(req.Type, req.Properties)
	if req, err = r.handoverStep(it, req); err != nil {
		return err
	}
	req = r.widen(it, req)
	f.out.Attempts, err = r.attempt(ctx, it, false, func(c context.Context) error {
		o, e := r.p.Update(c, r.scope, it.old, req)
		f.obs = o
		return e
	})
	if err == nil {
		r.setLive(f.obs)
		if it.op == OpUpdate {
			r.retirePreviousRevision(it, req)
		}
	}
	return err
}

// execReplaceFirst deletes the resource, waits until it is gone, then
// creates its replacement: for replacements AWS refuses while the old one
// exists (the name is taken).
func (r *run) execReplaceFirst(ctx context.Context, it *item, f *finished) error {
	if it.old != nil {
		var err error
		f.out.Attempts, err = r.attempt(ctx, it, false, func(c context.Context) error {
			return r.p.Delete(c, r.scope, it.old)
		})
		if err != nil {
			return err
		}
		// The replacement takes its name: wait until it is free.
		n, err := r.awaitGone(ctx, it)
		f.out.Attempts += n
		if err != nil {
			return err
		}
	}
	obs, want, n, err := r.create(ctx, it)
	f.obs, f.want = obs, want
	f.out.Attempts += n
	return err
}

// execDelete deletes what the plan removes or a replacement retired:
// after its drain delay, emptied first when data goes too (DeleteData),
// kept when AWS refuses because it holds data (KeepData), and done only
// once it is gone.
func (r *run) execDelete(ctx context.Context, it *item, f *finished) error {
	if wait := it.notBefore.Sub(r.opts.Now()); wait > 0 {
		r.emit(Event{Kind: EventWait, Change: it.change, Op: it.op, Delay: wait})
		if r.opts.Sleep(ctx, wait) != nil {
			return fmt.Errorf("%s: not deleted: %v while waiting for its targets to drain", it.change.Address, context.Cause(ctx))
		}
	}
	if props := emptyOnDelete(it.old); r.opts.DeleteData && props != nil {
		// Make the delete take the data with it (ECR's force).
		req := provider.Request{Address: it.old.Address, Type: it.old.Type, Properties: props, Tags: it.old.Tags}
		var err error
		f.out.Attempts, err = r.attempt(ctx, it, false, func(c context.Context) error {
			_, e := r.p.Update(c, r.scope, it.old, req)
			return e
		})
		if err != nil {
			return err
		}
	}
	n, err := r.attempt(ctx, it, true, func(c context.Context) error {
		e := r.p.Delete(c, r.scope, it.old)
		if refusedForData(it.old.Type, e) {
			// Holding data is not "in use": no point retrying.
			return &notRetried{e}
		}
		return e
	})
	f.out.Attempts += n
	f.out.ID = it.old.ID
	var nr *notRetried
	if errors.As(err, &nr) {
		err = nr.err
		if r.opts.KeepData {
			f.kept = true
			return nil
		}
	}
	if err != nil {
		return err
	}
	// Deleted only once it is gone: what is deleted after it (its
	// cluster) and a later re-create depend on that.
	n, err = r.awaitGone(ctx, it)
	f.out.Attempts += n
	return err
}

// setAside moves the resource a create-before-delete replacement replaces
// to an address of its own (its gantry:address tag gets a "#" suffix)
// before the replacement is created at the address. Between the two
// creates and the old one's deletion an apply may be killed; the next plan
// then reads one resource at the address (the new one, or none yet) and
// the old one as an owned resource no longer in the configuration, which
// it plans to delete: exactly the remaining work. Types without tags keep
// their address (the provider records their owner apart).
//
// Only the tag changes (provider.Tag): the old resource's properties may
// no longer be valid to send (a scalable target whose service is gone).
// An old resource that is gone already (it went with its parent, a load
// balancer's listener) is not set aside, nor retired: gone reports that.
func (r *run) setAside(ctx context.Context, it *item) (n int, gone bool, err error) {
	if it.old == nil {
		return 0, false, nil
	}
	if t, ok := catalog.Lookup(it.old.Type); !ok || !t.Tagged || strings.Contains(it.old.Address, "#") {
		return 0, false, nil
	}
	aside := map[string]string{graph.TagAddress: it.old.Address + "#" + shortID(it.old.ID)}
	var obs *provider.Observed
	n, err = r.attempt(ctx, it, false, func(c context.Context) error {
		o, e := r.p.Tag(c, r.scope, it.old, aside)
		obs = o
		return e
	})
	if provider.IsNotFound(err) {
		return n, true, nil
	}
	if err != nil {
		return n, false, fmt.Errorf("%s: setting the old resource aside before its replacement: %w", it.change.Address, err)
	}
	if obs != nil {
		it.old = obs
	}
	return n, false, nil
}

// shortID is a short, stable suffix for an id: its last 8 letters and
// digits.
func shortID(id string) string {
	var b []byte
	for i := len(id) - 1; i >= 0 && len(b) < 8; i-- {
		c := id[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b = append([]byte{c}, b...)
		}
	}
	return string(b)
}

func (r *run) create(ctx context.Context, it *item) (obs *provider.Observed, want string, attempts int, err error) {
	req, err := r.request(it.change, it.res, nil)
	if err != nil {
		return nil, "", 0, err
	}
	want = deployed(req.Type, req.Properties)
	attempts, err = r.createWhenDrained(ctx, it, func(c context.Context) error {
		o, e := r.p.Create(c, r.scope, req)
		obs = o
		return e
	})
	if err == nil && obs == nil {
		err = fmt.Errorf("%s: provider returned no resource from Create", it.change.Address)
	}
	if err == nil {
		r.setLive(obs)
	}
	return obs, want, attempts, err
}

// retire schedules the removal of what it replaced, for the deletions
// phase: after every stage, so after the deployments that stopped using it
// completed, and (target groups) after its draining delay.
func (r *run) retire(it *item) {
	old := it.old
	reason := "replaced; deleted after the new one took over"
	var drain time.Duration
	if it.op == OpNewRevision {
		reason = "previous revision, deregistered after the deployment completed"
	} else if d, ok := drainAfterMove(old); ok {
		drain = d
		reason = fmt.Sprintf("replaced; deleted %s after traffic moved (deregistration delay)", drain)
	}
	c := &planner.Change{
		Address: it.change.Address,
		Type:    it.change.Type,
		Action:  planner.Delete,
		Stage:   it.change.Stage,
		Reason:  reason,
		Impact:  planner.ImpactNone,
		LiveID:  old.ID,
	}
	r.mu.Lock()
	r.retired = append(r.retired, &item{change: c, op: OpRetire, old: old, drain: drain})
	r.mu.Unlock()
}

// retirePreviousRevision schedules the revision a service ran before this
// update (say revision 1, which a rollback restored after revision 2 failed)
// for deregistration once the new deployment completed; the plan's own
// task definition change only retires the revision the plan saw as latest.
func (r *run) retirePreviousRevision(it *item, req provider.Request) {
	if entry(it.change.Type).Deploys == "" || it.old == nil {
		return
	}
	prev, next := deployed(it.change.Type, it.old.Properties), deployed(req.Type, req.Properties)
	if prev == "" || prev == next {
		return
	}
	for _, ref := range graph.Refs(it.res.Properties) {
		dep := r.desired[ref.Address]
		if dep == nil {
			continue
		}
		t, ok := catalog.Lookup(dep.Type)
		if !ok || !t.Revisioned {
			continue
		}
		c := &planner.Change{
			Address: dep.Address, Type: dep.Type, Action: planner.Delete, Stage: t.Stage,
			Reason: "revision " + it.change.Address + " ran before, deregistered after the deployment completed",
			Impact: planner.ImpactNone, LiveID: prev,
		}
		r.mu.Lock()
		r.retired = append(r.retired, &item{change: c, op: OpRetire, old: &provider.Observed{Address: dep.Address, Type: dep.Type, ID: prev}})
		r.mu.Unlock()
		return
	}
}

func (r *run) setLive(o *provider.Observed) {
	if o == nil {
		return
	}
	r.mu.Lock()
	r.live[o.Address] = o
	r.mu.Unlock()
}

// resolveLocked resolves a reference from the current state; r.mu held.
func (r *run) resolveLocked(ref graph.Ref) (string, bool) {
	o := r.live[ref.Address]
	if o == nil {
		return "", false
	}
	if v, ok := o.Attributes[ref.Attribute]; ok {
		return v, true
	}
	if ref.Attribute == "Ref" && o.ID != "" {
		return o.ID, true
	}
	return "", false
}

// request builds what the provider gets: references resolved from live
// state and earlier changes, sensitive values unwrapped, the resource's
// tags plus gantry:applied (the hash of what is sent, so the next plan
// tells drift from configuration changes) and the provenance tags
// (stampProvenance). An update (live set) keeps the live value of the
// properties another controller owns (a service's DesiredCount under
// autoscaling); a create sets them once.
func (r *run) request(c *planner.Change, res *graph.Resource, live *provider.Observed) (provider.Request, error) {
	props, unresolved := r.plan.ResolvedProperties(res)
	if len(unresolved) > 0 {
		return provider.Request{}, fmt.Errorf("%s: the plan has no value for the SSM parameter(s) %s: plan again", res.Address, strings.Join(unresolved, ", "))
	}
	r.mu.Lock()
	resolved, ok := graph.Resolve(props, r.resolveLocked)
	r.mu.Unlock()
	if !ok {
		var names []string
		for _, ref := range graph.Refs(resolved) {
			names = append(names, ref.String())
		}
		return provider.Request{}, fmt.Errorf("%s: cannot resolve %s: not created yet, or the provider did not report that attribute", res.Address, strings.Join(names, ", "))
	}
	props, _ = graph.Unwrap(resolved).(map[string]any)
	if live != nil {
		// Keep what the other controller set: send the live value back
		// (an update may replace every property), or nothing.
		for _, k := range c.Owned {
			if v, ok := live.Properties[k]; ok {
				props[k] = v
			} else {
				delete(props, k)
			}
		}
	}
	tags := maps.Clone(res.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	req := provider.Request{Address: res.Address, Type: res.Type, Properties: props, Tags: tags}
	stampApplied(c, res, req)
	r.stampProvenance(req)
	return req, nil
}

// stampApplied sets req's gantry:applied tag to the hash of what req
// sends (the properties as finally shaped: a handover's or a two-phase
// update's step), so the next plan sees a configuration change, not drift.
func stampApplied(c *planner.Change, res *graph.Resource, req provider.Request) {
	if h := c.AppliedHash(req.Properties, res.Tags); h != "" {
		req.Tags[planner.TagApplied] = h
	}
}

// notRetried wraps an error that must not be retried, whatever its kind.
type notRetried struct{ err error }

func (e *notRetried) Error() string { return e.err.Error() }

func isCode(err error, code string) bool {
	var op *provider.OpError
	return errors.As(err, &op) && op.Code == code
}

// handoverStep shapes the request of a traffic handover's steps: a
// router's hold forwards to the old groups with all the weight and to the
// new ones with none; a registrar's update registers in the old groups
// too (catalog.Handover.Bridge). The router's move and the registrar's
// leave send the desired properties as they are.
func (r *run) handoverStep(it *item, req provider.Request) (provider.Request, error) {
	h := it.change.Handover
	if h == nil || len(h.From) == 0 || (it.op != OpHold && it.op != OpUpdate) {
		return req, nil
	}
	if it.op == OpUpdate && len(h.After) > 0 {
		return req, nil // the router's move
	}
	var hold func(map[string]any, string, string) map[string]any
	if it.op == OpHold {
		hold = catalog.MustLookup(it.change.Type).Hold
	}
	for _, to := range h.To {
		r.mu.Lock()
		target := r.live[to]
		r.mu.Unlock()
		if target == nil {
			return req, fmt.Errorf("%s: %s does not exist: cannot hand traffic over to it", it.change.Address, to)
		}
		t, ok := catalog.Lookup(target.Type)
		if !ok || t.Handover == nil {
			continue
		}
		for _, from := range h.From {
			if hold != nil {
				req.Properties = hold(req.Properties, from.ID, target.ID)
			} else {
				req.Properties = t.Handover.Bridge(req.Properties, from.ID, target.ID)
			}
		}
	}
	// The applied hash covers what is sent, so a plan made before the
	// handover finished sees a configuration change, not drift.
	stampApplied(it.change, it.res, req)
	return req, nil
}
