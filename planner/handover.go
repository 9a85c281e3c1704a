package planner

import (
	"slices"
	"sort"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// handovers finds the changes that move traffic from one resource to
// another of a type with a catalog.Handover (target groups) and orders
// them so that traffic never goes to a group without healthy targets:
//
// A router change (a listener rule that forwards to the group) moves
// traffic when it sends traffic now to a live group that will not be the
// one it forwards to afterwards: one no longer named, or one being
// replaced. Such a change moves to the registrars' stage (services) and
// waits for the health gates of every registrar change (a service
// registering in the new group); the registrars register in the old
// group too until the router moved (Handover.From), then leave it.
//
// Nothing changes for a group no registrar changes for: with no
// deployment to wait for, there is nothing to order.
func (d *planBuilder) handovers(changes []*Change) {
	liveByID := map[string]*provider.Observed{}
	for _, o := range d.live {
		liveByID[o.Type+"|"+o.ID] = o
	}
	byAddr := map[string]*Change{}
	for _, c := range changes {
		byAddr[c.Address] = c
	}
	for _, c := range changes {
		if c.Action != Update {
			continue
		}
		r, o := d.desired[c.Address], d.live[c.Address]
		if r == nil || o == nil {
			continue
		}
		to, h, typ := d.routedTo(r, c.Type)
		if h == nil || !d.handoverPossible(to) {
			continue
		}
		var from []Endpoint
		graph.WalkStrings(o.Properties, func(s string) {
			lo := liveByID[typ+"|"+s]
			if lo == nil || hasEndpoint(from, lo.ID) {
				return
			}
			if tc := byAddr[lo.Address]; slices.Contains(to, lo.Address) && tc != nil && tc.Action != Replace {
				return // still the group it forwards to
			}
			from = append(from, Endpoint{Address: lo.Address, ID: lo.ID})
		})
		if len(from) == 0 {
			continue
		}
		var after []string
		for _, reg := range d.registrars(h, to) {
			rc := byAddr[reg.Address]
			if rc == nil || rc.Action != Update {
				continue
			}
			after = append(after, reg.Address)
			d.bridge(rc, from, to)
		}
		if len(after) == 0 {
			continue
		}
		sort.Strings(after)
		c.Stage = catalog.MustLookup(h.Registrar).Stage
		c.Impact = ImpactSwitch
		c.Reason += "; traffic moves once " + joinAnd(after) + " is healthy in the new target group"
		c.Handover = &Handover{From: from, To: to, After: after}
	}
}

// routedTo returns the desired resources a router of type typ sends
// traffic to (references to resources whose type has a Handover that
// lists typ among its routers), their Handover and type.
func (d *planBuilder) routedTo(r *graph.Resource, typ string) (to []string, h *catalog.Handover, target string) {
	for _, ref := range graph.Refs(r.Properties) {
		dr := d.desired[ref.Address]
		if dr == nil {
			continue
		}
		t, ok := catalog.Lookup(dr.Type)
		if !ok || t.Handover == nil || !t.Handover.Routes(typ) || slices.Contains(to, ref.Address) {
			continue
		}
		to, h, target = append(to, ref.Address), t.Handover, dr.Type
	}
	sort.Strings(to)
	return to, h, target
}

// handoverPossible: every new group exists or will, before the old one
// goes (a replacement that deletes first leaves nothing to hand over).
func (d *planBuilder) handoverPossible(to []string) bool {
	for _, a := range to {
		if c := d.changes[a]; c != nil && c.Impact == ImpactReplaceDeleteFirst {
			return false
		}
	}
	return true
}

// registrars are the desired resources of h's registrar type that name
// one of the addresses in to.
func (d *planBuilder) registrars(h *catalog.Handover, to []string) []*graph.Resource {
	var out []*graph.Resource
	for _, r := range d.desired {
		if r.Type != h.Registrar {
			continue
		}
		for _, ref := range graph.Refs(r.Properties) {
			if slices.Contains(to, ref.Address) {
				out = append(out, r)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// bridge marks a registrar change: it keeps registering in the old groups
// it is in now until traffic moved.
func (d *planBuilder) bridge(rc *Change, from []Endpoint, to []string) {
	o := d.live[rc.Address]
	hv := rc.Handover
	if hv == nil {
		hv = &Handover{}
	}
	for _, a := range to {
		if !slices.Contains(hv.To, a) {
			hv.To = append(hv.To, a)
		}
	}
	if o != nil {
		graph.WalkStrings(o.Properties, func(s string) {
			for _, f := range from {
				if f.ID == s && !hasEndpoint(hv.From, s) {
					hv.From = append(hv.From, f)
				}
			}
		})
	}
	rc.Handover = hv
	if len(hv.From) == 0 {
		return
	}
	if rc.Impact == ImpactNewRevision || rc.Impact == ImpactHandoverNewRevision {
		rc.Impact = ImpactHandoverNewRevision
	} else {
		rc.Impact = ImpactHandoverRolling
	}
}

func hasEndpoint(l []Endpoint, id string) bool {
	for _, e := range l {
		if e.ID == id {
			return true
		}
	}
	return false
}

func joinAnd(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	s := l[0]
	for _, e := range l[1 : len(l)-1] {
		s += ", " + e
	}
	return s + " and " + l[len(l)-1]
}
