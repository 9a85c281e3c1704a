package applier

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// RefreshError is an instance refresh that ended without replacing the
// group's instances: AWS failed it, it was cancelled, or it was rolled
// back. The group's new launch template is in place; its instances are
// not all on it.
type RefreshError struct {
	Address string
	Group   string // the group's name
	Refresh *provider.Refresh
}

func (e *RefreshError) Error() string {
	s := fmt.Sprintf("%s: instance refresh %s of Auto Scaling group %s ended %s", e.Address, e.Refresh.ID, e.Group, e.Refresh.Status)
	if e.Refresh.StatusReason != "" {
		s += ": " + e.Refresh.StatusReason
	}
	return s + "; the group's instances do not all run its launch template: the next apply starts a new refresh"
}

// startRefreshAttempts bounds how often a refresh start finds another
// refresh under way, waits for it, and tries again.
const startRefreshAttempts = 3

// refreshGate is the health gate of an Auto Scaling group whose update
// left its instances behind (start: the change Refreshes), or that may
// have a refresh under way from an earlier apply (resume): it starts an
// instance refresh — waiting first for one already under way, since AWS
// runs one at a time — and waits until it succeeds, then until the
// health-gated resources running on the group (the services of its
// cluster, found through the catalog's references) are steady. The
// refresh is started under startCtx (the stage's), so that a failure
// elsewhere does not leave an updated group without its refresh; the
// waits run under ctx (the gates').
func (r *run) refreshGate(ctx, startCtx context.Context, it *item, obs *provider.Observed, start, resume bool) finished {
	begin := r.opts.Now()
	f := finished{it: it, gate: true, out: Outcome{Change: it.change, Op: OpGate, Gate: GateRefresh, ID: obs.ID}}
	var last *provider.Health
	done := func(err error) finished {
		f.out.Err = err
		return r.gateDone(f, begin, last)
	}
	if resume {
		ref, err := r.readRefresh(ctx, it, obs, "", &f)
		if err != nil {
			return done(err)
		}
		switch {
		case ref != nil && ref.Active():
			r.emit(Event{Kind: EventGateStart, Change: it.change, Op: OpGate, Gate: GateRefresh, Health: refreshHealth(ref)})
			if _, err := r.awaitRefresh(ctx, it, obs, ref.ID, &f, &last, begin); err != nil {
				return r.refreshEnded(ctx, f, begin, last, err)
			}
		case outdated(it, obs):
			// Instances left behind by a refresh that failed or never
			// started (an apply killed between the update and the start).
			r.emit(Event{Kind: EventGateStart, Change: it.change, Op: OpGate, Gate: GateRefresh})
			start = true
		default:
			f.quiet = true
			return f
		}
	} else {
		r.emit(Event{Kind: EventGateStart, Change: it.change, Op: OpGate, Gate: GateRefresh})
	}
	if start {
		if err := r.runRefresh(ctx, startCtx, it, obs, &f, &last, begin); err != nil {
			return r.refreshEnded(ctx, f, begin, last, err)
		}
	}
	if err := r.awaitPlaced(ctx, it, obs, &f, begin); err != nil {
		return r.refreshEnded(ctx, f, begin, last, err)
	}
	return done(nil)
}

// runRefresh starts the group's refresh and waits until it succeeds. A
// refresh found under way instead (StartRefresh's Started false) is
// waited for, whatever its end, and then ours is started.
func (r *run) runRefresh(ctx, startCtx context.Context, it *item, obs *provider.Observed, f *finished, last **provider.Health, begin time.Time) error {
	prefs := r.refreshPreferences(it)
	for n := 1; ; n++ {
		ref, err := attemptRead(r, startCtx, it, f, func(c context.Context) (*provider.Refresh, error) {
			return r.p.StartRefresh(c, r.scope, obs, prefs)
		})
		if err == nil && ref == nil {
			err = errors.New("provider returned no instance refresh")
		}
		if err != nil {
			return fmt.Errorf("%s: starting the instance refresh: %w", it.change.Address, err)
		}
		end, err := r.awaitRefresh(ctx, it, obs, ref.ID, f, last, begin)
		var theirs *RefreshError
		if err != nil && (ref.Started || !errors.As(err, &theirs)) {
			// Ours failed, or the wait itself did (interrupted, unreadable).
			return err
		}
		if ref.Started {
			return nil
		}
		if n >= startRefreshAttempts {
			return fmt.Errorf("%s: another instance refresh was under way %d times in a row (the last %s); "+
				"something else refreshes the group", it.change.Address, n, end.ID)
		}
		// Someone else's refresh (an earlier, interrupted apply's) has
		// ended: the group's instances may still not all match.
	}
}

// outdated reports whether some of the group's instances do not run its
// launch template version (provider.Observed.Fleet, as the plan's listing
// read them) and the group asks for refreshes.
func outdated(it *item, obs *provider.Observed) bool {
	return obs.Fleet != nil && obs.Fleet.Outdated > 0 && it.res != nil && it.res.Refresh != nil
}

// refreshPreferences are the preferences of the group's refresh: the
// graph's (MinHealthyPercentage, SkipMatching, from the configuration)
// and the type's (catalog.Refresh: warmup, and what becomes of instances
// protected from scale-in or in Standby).
func (r *run) refreshPreferences(it *item) provider.RefreshPreferences {
	var prefs provider.RefreshPreferences
	if it.res != nil && it.res.Refresh != nil {
		prefs.MinHealthyPercentage = it.res.Refresh.MinHealthyPercentage
		prefs.SkipMatching = it.res.Refresh.SkipMatching
		if t := entry(it.change.Type); t.Refresh != nil {
			if t.Refresh.Warmup != nil {
				prefs.InstanceWarmup = t.Refresh.Warmup(it.res.Properties)
			}
			prefs.ScaleInProtectedInstances = t.Refresh.ScaleInProtected
			prefs.StandbyInstances = t.Refresh.Standby
		}
	}
	return prefs
}

// awaitRefresh polls the refresh id until it ends, reporting progress as
// the gate's. It returns the refresh as it ended; a *RefreshError when it
// did not succeed.
func (r *run) awaitRefresh(ctx context.Context, it *item, obs *provider.Observed, id string, f *finished, last **provider.Health, begin time.Time) (*provider.Refresh, error) {
	interval := r.opts.PollInterval
	for {
		ref, err := r.readRefresh(ctx, it, obs, id, f)
		if err != nil {
			return nil, err
		}
		if ref == nil {
			return nil, fmt.Errorf("%s: instance refresh %s is not listed", it.change.Address, id)
		}
		*last = refreshHealth(ref)
		r.emit(Event{Kind: EventGate, Change: it.change, Op: OpGate, Gate: GateRefresh, Health: *last, Elapsed: r.opts.Now().Sub(begin)})
		if !ref.Active() {
			if !ref.Succeeded() {
				return ref, &RefreshError{Address: it.change.Address, Group: obs.ID, Refresh: ref}
			}
			return ref, nil
		}
		if err := r.opts.Sleep(ctx, interval); err != nil {
			return nil, err
		}
		interval = min(interval*3/2, r.opts.PollMax)
	}
}

// readRefresh reads a refresh of the group (the newest when id is ""),
// with the apply's retries.
func (r *run) readRefresh(ctx context.Context, it *item, obs *provider.Observed, id string, f *finished) (*provider.Refresh, error) {
	ref, err := attemptRead(r, ctx, it, f, func(c context.Context) (*provider.Refresh, error) {
		return r.p.Refresh(c, r.scope, obs, id)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: cannot read its instance refresh: %w", it.change.Address, err)
	}
	return ref, nil
}

// awaitPlaced waits, one after another, until every health-gated resource
// placed on the group (placedOn) is steady: its deployment complete with
// all its tasks running and its targets healthy. Replacing instances
// stops their tasks; ECS starts them again elsewhere.
func (r *run) awaitPlaced(ctx context.Context, it *item, obs *provider.Observed, f *finished, begin time.Time) error {
	for _, svc := range r.placedOn(obs) {
		interval := r.opts.PollInterval
		for {
			h, err := r.readHealth(ctx, it, svc, f)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("%s: after the instance refresh, cannot read the health of %s: %w", it.change.Address, svc.Address, err)
			}
			// Progress shows the service's state; the gate's own (its
			// report) stays the refresh's.
			r.emit(Event{Kind: EventGate, Change: it.change, Op: OpGate, Gate: GateRefresh, Health: h, Elapsed: r.opts.Now().Sub(begin)})
			settled, err := judge(svc.Address, h, "")
			if err != nil {
				return fmt.Errorf("%s: after the instance refresh: %w", it.change.Address, err)
			}
			if settled {
				break
			}
			if err := r.opts.Sleep(ctx, interval); err != nil {
				return err
			}
			interval = min(interval*3/2, r.opts.PollMax)
		}
	}
	return nil
}

// placedOn returns the live health-gated resources that run on the
// group: those that reference, directly or through other live resources,
// something that references it (a service names the capacity provider
// that names the group; catalog References), sorted by address.
func (r *run) placedOn(group *provider.Observed) []*provider.Observed {
	r.mu.Lock()
	live := make([]*provider.Observed, 0, len(r.live))
	for _, o := range r.live {
		if !strings.Contains(o.Address, "#") {
			live = append(live, o)
		}
	}
	r.mu.Unlock()
	names := map[string]bool{}
	reached := map[*provider.Observed]bool{group: true}
	frontier := []*provider.Observed{group}
	for len(frontier) > 0 {
		o := frontier[0]
		frontier = frontier[1:]
		if t, ok := catalog.Lookup(o.Type); ok {
			for _, id := range t.Identifiers(o.ID, o.Properties, o.Attributes) {
				names[o.Type+"|"+id] = true
			}
		}
		for _, u := range live {
			if !reached[u] && referencesAny(u, names) {
				reached[u] = true
				frontier = append(frontier, u)
			}
		}
	}
	var out []*provider.Observed
	for o := range reached {
		if o != group && entry(o.Type).HealthGated {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// referencesAny reports whether o's references (catalog References) name
// one of names ("type|identifier").
func referencesAny(o *provider.Observed, names map[string]bool) bool {
	t, ok := catalog.Lookup(o.Type)
	if !ok {
		return false
	}
	found := false
	for _, ref := range t.References {
		ref.Referenced(o.Properties, func(s string) { found = found || names[ref.Type+"|"+s] })
	}
	return found
}

// refreshEnded files the outcome of a refresh gate that stopped early:
// its context ended (the stage timed out: a failure; the apply stopped:
// unverified, as a deployment's gate), or the refresh or a service
// failed.
func (r *run) refreshEnded(ctx context.Context, f finished, begin time.Time, last *provider.Health, err error) finished {
	if ctx.Err() != nil {
		return r.gateEnded(ctx, f, begin, last)
	}
	f.out.Err = err
	return r.gateDone(f, begin, last)
}

// refreshHealth is an instance refresh in the shape progress reports and
// gate errors give a gate's state (DescribeHealth names it as a refresh).
func refreshHealth(ref *provider.Refresh) *provider.Health {
	state := rolloutInProgress
	switch {
	case ref.Succeeded():
		state = rolloutCompleted
	case !ref.Active():
		state = rolloutFailed
	}
	cp := *ref
	return &provider.Health{DeploymentID: ref.ID, RolloutState: state, RolloutStateReason: ref.StatusReason, Refresh: &cp}
}
