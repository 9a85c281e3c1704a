package planner

import (
	"reflect"

	"github.com/gantry-gitops/gantry/graph"
)

// LabelOrigins labels each change of head (not the no-ops) with where it
// comes from, given base, the plan of the base revision's configuration
// against the same live state: a change base has too — same address,
// same action, same desired resource (or none, for a deletion) — was
// already pending on the base (merged but not applied); any other comes
// from the change set. head.Base records the revision.
func LabelOrigins(head, base *Plan, rev Base) {
	head.Base = &rev
	for _, c := range head.Changes {
		c.Origin = ""
		if c.Action == NoOp {
			continue
		}
		c.Origin = OriginChangeSet
		if bc := base.Change(c.Address); bc != nil && bc.Action == c.Action &&
			sameResource(desiredOf(head.Desired, c.Address), desiredOf(base.Desired, c.Address)) {
			c.Origin = OriginBase
		}
	}
}

func desiredOf(g *graph.Graph, addr string) *graph.Resource {
	if g == nil {
		return nil
	}
	return g.Get(addr)
}

// sameResource compares what apply would make of two desired resources:
// type, properties, tags and refresh preferences (dependencies follow
// from the properties, and their order is not a difference).
func sameResource(a, b *graph.Resource) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Type == b.Type && reflect.DeepEqual(a.Properties, b.Properties) &&
		reflect.DeepEqual(a.Tags, b.Tags) && reflect.DeepEqual(a.Refresh, b.Refresh)
}

// OriginCounts counts the plan's labelled changes per origin.
func (p *Plan) OriginCounts() (changeSet, base int) {
	for _, c := range p.Changes {
		switch c.Origin {
		case OriginChangeSet:
			changeSet++
		case OriginBase:
			base++
		}
	}
	return changeSet, base
}
