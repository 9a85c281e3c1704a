package planner

import (
	"sort"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// deferFallbacks moves an update of a router's catch-all
// (catalog.Fallback: a listener's DefaultActions) that stops serving
// requests the old one served (turning redirectHTTP off: redirect to
// HTTPS → fixed 404) to the stage after the plan's new rules of that
// router are created. Rules are evaluated before the catch-all, so while
// they are created the old catch-all still answers what they do not take
// yet; once they exist, the catch-all narrows. Updated in its own stage,
// the listener would answer 404 to the requests the rules are about to
// forward, until they exist.
func (d *planBuilder) deferFallbacks(changes []*Change) {
	for _, c := range changes {
		if c.Action != Update {
			continue
		}
		t := catalog.MustLookup(c.Type)
		fb := t.Fallback
		if fb == nil || !d.narrows(c, t) {
			continue
		}
		rules, stage := d.newRulesOf(c.Address, fb.Rules, changes)
		next, ok := stageAfter(stage)
		if len(rules) == 0 || !ok {
			continue
		}
		c.Stage = max(c.Stage, next)
		if c.Impact == ImpactInPlace {
			c.Impact = ImpactAfterRules
		}
		c.Reason += "; the new " + fb.Property + " take effect once " + joinAnd(rules) +
			(map[bool]string{true: " exists", false: " exist"})[len(rules) == 1]
	}
}

// narrows reports whether c changes the catch-all of its router so that
// it serves less (catalog.Fallback.Narrows), comparing the canonical live
// and desired values.
func (d *planBuilder) narrows(c *Change, t *catalog.Type) bool {
	r, o := d.desired[c.Address], d.live[c.Address]
	if r == nil || o == nil {
		return false
	}
	resolved, _ := d.resolve(r.Properties)
	want, have := t.Canonical(resolved), t.Canonical(o.Properties)
	p := t.Fallback.Property
	return !catalog.Equal(want[p], have[p]) && t.Fallback.Narrows(plain(have[p]), plain(want[p]))
}

// newRulesOf lists the changes that make a new rule (of type typ) of the
// router at addr, a creation or a replacement, sorted, and the latest
// stage among them.
func (d *planBuilder) newRulesOf(addr, typ string, changes []*Change) ([]string, catalog.Stage) {
	var out []string
	var stage catalog.Stage
	for _, c := range changes {
		if c.Type != typ || (c.Action != Create && c.Action != Replace) {
			continue
		}
		r := d.desired[c.Address]
		if r == nil {
			continue
		}
		for _, ref := range graph.Refs(r.Properties) {
			if ref.Address == addr {
				out = append(out, c.Address)
				stage = max(stage, c.Stage)
				break
			}
		}
	}
	sort.Strings(out)
	return out, stage
}

// stageAfter returns the stage that follows st in apply order.
func stageAfter(st catalog.Stage) (catalog.Stage, bool) {
	for i, s := range catalog.Stages {
		if s == st && i+1 < len(catalog.Stages) {
			return catalog.Stages[i+1], true
		}
	}
	return 0, false
}
