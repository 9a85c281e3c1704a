package planner

import (
	"github.com/gantry-gitops/gantry/catalog"
)

// noteRevokes records the entries of t's permission lists
// (catalog.Type.Grants) that an update of addr removes.
func (d *planBuilder) noteRevokes(t *catalog.Type, addr string, want, have map[string]any) {
	gone := t.Revoked(want, have)
	for _, list := range t.Grants {
		if len(gone[list]) > 0 {
			d.revokes[addr] = append(d.revokes[addr], PropertyDiff{Path: list, Before: gone[list]})
		}
	}
}

// deferRevokes makes the updates that remove permissions (a security
// group rule for the port the running tasks listen on) two-phase when the
// plan deploys anything: the update adds the new entries in its own stage
// and keeps the old ones; the old ones are revoked in the stage of the
// health-gated changes (services), once all of their health gates passed.
// A rule that the old tasks need until the new ones serve is then never
// revoked under them. With nothing deployed there is nothing to wait for,
// and the update removes at once.
func (d *planBuilder) deferRevokes(changes []*Change) {
	var after []string
	var stage catalog.Stage
	for _, c := range changes {
		if c.Action != Create && c.Action != Update && c.Action != Replace {
			continue
		}
		if t, ok := catalog.Lookup(c.Type); ok && t.HealthGated {
			after = append(after, c.Address)
			stage = max(stage, c.Stage)
		}
	}
	if len(after) == 0 {
		return
	}
	for _, c := range changes {
		revoke := d.revokes[c.Address]
		if c.Action != Update || len(revoke) == 0 || stage <= c.Stage {
			continue
		}
		c.Deferred = &Deferred{Stage: stage, After: after, Revoke: revoke}
		c.Impact = ImpactAuthorizeFirst
		c.Reason += "; removed entries are revoked once " + joinAnd(after) + (map[bool]string{true: " is", false: " are"})[len(after) == 1] + " healthy"
	}
}
