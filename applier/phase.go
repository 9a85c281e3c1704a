package applier

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// phase is one stage's run (or the deletions' run of one stage): its
// items, the contexts that bound them and the scheduler's state. Only the
// goroutine of runPhase touches it; workers hand their results back on ch.
type phase struct {
	r         *run
	stage     catalog.Stage
	deletions bool
	items     []*item
	start     time.Time
	// stageCtx ends when the stage times out or the apply is interrupted;
	// gateCtx also ends when the apply stops (something failed), which
	// abandons the health gates still waiting.
	stageCtx, gateCtx context.Context

	ch             chan finished
	ready          []*item // may start now, in address order
	running, gates int     // changes and health gates in flight
	// failedBefore is len(r.res.Failed) when the phase began: any more
	// at its end means this phase failed.
	failedBefore int
}

// runPhase runs one stage's items in dependency order, at most
// Parallelism at a time, and health-gates the gated ones. resume are
// gated resources the plan does not change; they are gated only if a
// deployment is still in progress (an earlier apply was interrupted).
func (r *run) runPhase(ctx context.Context, st catalog.Stage, deletions bool, items, resume []*item) {
	name := st.String()
	if deletions {
		name = "deletions: " + name
	}
	stageCtx, cancelStage := context.WithTimeoutCause(ctx, r.opts.StageTimeout, &stageTimeout{stage: name, timeout: r.opts.StageTimeout})
	defer cancelStage()
	gateCtx, cancelGates := context.WithCancelCause(stageCtx)
	defer cancelGates(nil)
	r.setGateCancel(cancelGates)

	ph := &phase{r: r, stage: st, deletions: deletions, items: items, start: r.opts.Now(),
		stageCtx: stageCtx, gateCtx: gateCtx, ch: make(chan finished)}
	if len(items) > 0 {
		r.emit(Event{Kind: EventStageStart, Stage: st, Deletions: deletions, Count: len(items)})
	}
	ph.ready = linkDependents(items)
	for _, it := range resume {
		ph.startGate(it, it.old, "", true)
	}
	ph.failedBefore = len(r.res.Failed)
	ph.schedule()
	ph.finish(ctx)
}

// setGateCancel lets stop abandon the running phase's health gates; a
// phase that starts after a stop starts with its gates abandoned.
func (r *run) setGateCancel(cancel context.CancelCauseFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel = cancel
	if r.stopped {
		cancel(errStopped)
	}
}

// linkDependents links each item to what it waits for within the phase
// (after: that change; afterGate: that change's health gate), so that what
// finishes can release what waits for it, and returns the items that wait
// for nothing, in address order. What an item waits for outside the phase
// belongs to an earlier stage and is done by now.
func linkDependents(items []*item) []*item {
	inPhase := make(map[*item]bool, len(items))
	for _, it := range items {
		inPhase[it] = true
	}
	var ready []*item
	for _, it := range items {
		for _, a := range it.after {
			if inPhase[a] {
				it.waiting++
				a.dependents = append(a.dependents, it)
			}
		}
		for _, a := range it.afterGate {
			if inPhase[a] {
				it.waiting++
				a.gateDependents = append(a.gateDependents, it)
			}
		}
		if it.waiting == 0 {
			ready = append(ready, it)
		}
	}
	sortItems(ready)
	return ready
}

// schedule starts what is ready and handles what the workers hand back,
// until nothing runs and nothing more may start.
func (ph *phase) schedule() {
	for {
		ph.startReady()
		if ph.running == 0 && ph.gates == 0 {
			if ph.r.isStopped() || ph.stageCtx.Err() != nil {
				return
			}
			// Nothing runs and nothing is ready, yet items wait: a
			// dependency cycle among deletions guessed from references.
			// Break it rather than stall.
			ph.ready = unstarted(ph.items)
			if len(ph.ready) == 0 {
				return
			}
			continue
		}
		ph.handle(<-ph.ch)
	}
}

// startReady starts ready items, in address order, while fewer than
// Parallelism run; nothing new starts once the apply stopped or the stage
// ended.
func (ph *phase) startReady() {
	r := ph.r
	for len(ph.ready) > 0 && ph.running < r.opts.Parallelism && !r.isStopped() && ph.stageCtx.Err() == nil {
		it := ph.ready[0]
		ph.ready = ph.ready[1:]
		it.started = true
		ph.running++
		go func() { ph.ch <- r.exec(ph.stageCtx, it) }()
	}
}

// startGate starts a health gate. A gate makes no change, it only polls:
// Parallelism does not bound gates. It runs under gateCtx, so that a
// failure elsewhere abandons it.
func (ph *phase) startGate(it *item, obs *provider.Observed, want string, resume bool) {
	ph.gates++
	if entry(it.change.Type).Refresh != nil {
		// A group the plan does not change: an earlier apply's refresh
		// may still be under way.
		go func() { ph.ch <- ph.r.refreshGate(ph.gateCtx, ph.stageCtx, it, obs, false, resume) }()
		return
	}
	go func() { ph.ch <- ph.r.gate(ph.gateCtx, it, obs, want, resume) }()
}

// startRefreshGate starts the instance refresh of a group whose update
// left its instances behind (planner.Change.Refreshes), and its gate.
func (ph *phase) startRefreshGate(it *item, obs *provider.Observed) {
	ph.gates++
	go func() { ph.ch <- ph.r.refreshGate(ph.gateCtx, ph.stageCtx, it, obs, true, false) }()
}

// handle records what a worker handed back and releases what waited for
// it. A failure stops the apply, unless it is a gate abandoned because of
// an earlier one. A change of a health-gated type (not a deletion) is
// followed by its gate, and what waits for the gate waits on.
func (ph *phase) handle(f finished) {
	r := ph.r
	if f.gate {
		ph.gates--
	} else {
		ph.running--
	}
	r.record(f)
	if f.out.Err != nil {
		if !f.unverified {
			r.stop()
		}
		return
	}
	if f.gate {
		if !f.quiet {
			ph.release(f.it.gateDependents)
		}
		return
	}
	switch {
	case f.obs != nil && !ph.deletions && f.it.op == OpUpdate && f.it.change.Refreshes():
		ph.startRefreshGate(f.it, f.obs)
	case f.obs != nil && r.gated(f.it.change.Type) && !ph.deletions:
		ph.startGate(f.it, f.obs, f.want, false)
	default:
		ph.release(f.it.gateDependents)
	}
	ph.release(f.it.dependents)
}

// release tells ds that one thing they waited for is done; those that
// wait for nothing more become ready.
func (ph *phase) release(ds []*item) {
	for _, d := range ds {
		d.waiting--
		if d.waiting == 0 && !d.started {
			ph.ready = append(ph.ready, d)
		}
	}
	sortItems(ph.ready)
}

// finish settles the phase once nothing runs: a stage that ran out of
// time is a failure, what never started is reported, the drain delays of
// what was retired start, and the stage's end is announced.
func (ph *phase) finish(ctx context.Context) {
	r := ph.r
	timedOut := ctx.Err() == nil && errors.As(context.Cause(ph.stageCtx), new(*stageTimeout))
	if timedOut && len(unstarted(ph.items)) > 0 && len(r.res.Failed) == ph.failedBefore {
		// The stage ran out of time before a change could start; say so
		// once (gates that timed out have said so themselves).
		r.mu.Lock()
		r.res.Failed = append(r.res.Failed, Outcome{Op: "stage", Err: context.Cause(ph.stageCtx)})
		r.mu.Unlock()
		r.stop()
	}
	if ctx.Err() != nil {
		r.stop()
	}
	r.notStarted(ph.items)
	r.phaseEnded()
	if len(ph.items) > 0 {
		var err error
		if len(r.res.Failed) > ph.failedBefore {
			err = r.res.Failed[len(r.res.Failed)-1].Err
		}
		r.emit(Event{Kind: EventStageDone, Stage: ph.stage, Deletions: ph.deletions, Elapsed: r.opts.Now().Sub(ph.start), Err: err})
	}
}

// phaseEnded starts the drain delays of the resources retired so far:
// they drain from the end of the stage that moved traffic off them. The
// phase's gates are over, so stop has none left to abandon.
func (r *run) phaseEnded() {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.opts.Now()
	for _, it := range r.retired {
		if it.notBefore.IsZero() {
			it.notBefore = end.Add(it.drain)
		}
	}
	r.cancel = nil
}

// record files a worker's result in the Result: quiet ones (a resumed
// gate that found nothing to wait for) nowhere.
func (r *run) record(f finished) {
	if f.quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case f.kept:
		r.res.Kept = append(r.res.Kept, Kept{Resource: f.it.old, Why: keptWhy(f.it.old)})
	case f.unverified:
		r.res.Unverified = append(r.res.Unverified, f.out)
	case f.out.Err != nil:
		r.res.Failed = append(r.res.Failed, f.out)
	default:
		r.res.Done = append(r.res.Done, f.out)
	}
}

func unstarted(items []*item) []*item {
	var out []*item
	for _, it := range items {
		if !it.started {
			out = append(out, it)
		}
	}
	sortItems(out)
	return out
}

func sortItems(items []*item) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].change.Address < items[j].change.Address })
}
