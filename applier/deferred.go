package applier

import (
	"slices"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// revokeStage reports whether c is a two-phase update of permission lists
// (planner.Deferred) and the stage of its second step, which revokes.
func revokeStage(c *planner.Change) (catalog.Stage, bool) {
	if c.Action != planner.Update || c.Deferred == nil || c.Deferred.Stage == c.Stage {
		return 0, false
	}
	return c.Deferred.Stage, true
}

// wireRevokes makes each revoke step wait for the health gates of the
// changes its plan names (planner.Deferred.After) in the stage: the
// deployment, and for a service leaving a replaced target group its second
// one too, and for everything else in the stage to be done.
func wireRevokes(items []*item) {
	for _, rv := range items {
		if rv.op != OpRevoke {
			continue
		}
		after := rv.change.Deferred.After
		for _, it := range items {
			if it == rv || it.op == OpRevoke {
				continue
			}
			if slices.Contains(after, it.change.Address) {
				rv.afterGate = append(rv.afterGate, it)
			} else {
				rv.after = append(rv.after, it)
			}
		}
	}
}

// widen is the first step of a two-phase update: the desired permission
// lists plus the live entries they drop (catalog.Type.Widen), so that
// nothing is revoked yet.
func (r *run) widen(it *item, req provider.Request) provider.Request {
	if it.op != OpUpdate || it.change.Deferred == nil || it.old == nil {
		return req
	}
	t, ok := catalog.Lookup(it.change.Type)
	if !ok {
		return req
	}
	req.Properties = t.Widen(req.Properties, it.old.Properties)
	// The applied hash covers what is sent: a plan made before the second
	// step sees a configuration change (the revoke), not drift.
	stampApplied(it.change, it.res, req)
	return req
}

// current is the live resource at an item's address as this apply left
// it, or the one the plan saw.
func (r *run) current(it *item) *provider.Observed {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.live[it.change.Address]; o != nil {
		return o
	}
	return it.old
}
