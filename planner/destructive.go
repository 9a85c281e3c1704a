package planner

import (
	"fmt"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Destructive returns the deletions a reviewer must not miss, in apply
// order: those that destroy data (Change.Data: a log group's logs, a
// repository's images) and those that take away something running
// (Change.Loses: a service, a load balancer, a cluster). Which types
// count is the catalog's (catalog.Type.Data, catalog.Type.Loses).
func (p *Plan) Destructive() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.Action == Delete && (c.Data != "" || c.Loses != "") {
			out = append(out, c)
		}
	}
	return out
}

// Lost is what a destructive deletion loses, in a few words.
func (c *Change) Lost() string {
	if c.Data != "" {
		return "DELETES " + c.Data
	}
	return c.Loses
}

// IsRetained reports whether gantry keeps o once it is no longer in the
// configuration, and when destroy runs (retainOnDelete): it carries
// graph.TagRetain, or, for a type that takes no tags, the live resource
// that owns it (catalog Ownership.Parent, found by the type's
// References) does.
func IsRetained(o *provider.Observed, live []*provider.Observed) bool {
	if o.Tags[graph.TagRetain] == "true" {
		return true
	}
	t, ok := catalog.Lookup(o.Type)
	if !ok || t.Tagged || t.Ownership.Parent == "" {
		return false
	}
	parent, _ := catalog.Lookup(t.Ownership.Parent)
	if parent == nil {
		return false
	}
	ids := map[string]bool{}
	for _, r := range t.References {
		if r.Type == parent.Name {
			r.Referenced(o.Properties, func(s string) { ids[s] = true })
		}
	}
	for _, q := range live {
		if q.Type != parent.Name || q.Tags[graph.TagRetain] != "true" {
			continue
		}
		for _, id := range parent.Identifiers(q.ID, q.Properties, q.Attributes) {
			if ids[id] {
				return true
			}
		}
	}
	return false
}

// plural is "1 resource" or "3 resources".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
