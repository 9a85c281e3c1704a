package applier

import (
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// orderDeletions sets, for deletions within one stage, which must go
// first: a resource is deleted only after every resource that references
// it (a listener rule before the target group it forwards to, a listener
// before its load balancer). Resources no longer in the configuration have
// no desired graph to read dependencies from, so they are found in the live
// properties: a string equal to another resource's id or one of its
// attributes (ARN, name, group id) is a reference. Across stages, reverse
// stage order already holds, and within a stage the catalog's type order
// reversed (catalog.Rank) does for references the scan cannot see (a name
// where the id is an ARN). A false guess can only add ordering; a cycle is
// broken by the scheduler.
func orderDeletions(items []*item) {
	byRank := map[int][]*item{}
	for _, it := range items {
		rk := catalog.Rank(it.change.Type)
		byRank[rk] = append(byRank[rk], it)
	}
	for _, it := range items {
		rk := catalog.Rank(it.change.Type)
		for other, group := range byRank {
			if other > rk {
				it.after = append(it.after, group...)
			}
		}
	}
	// Several resources may share an identifier (an instance profile and
	// its role are both named after the cluster), so an identifier maps to
	// every resource it names; a resource's own name property names itself
	// and references nothing.
	owners := map[string][]*item{}
	for _, it := range items {
		for _, id := range identifiers(it.old) {
			owners[id] = append(owners[id], it)
		}
	}
	for _, it := range items {
		seen := map[*item]bool{}
		for name, v := range it.old.Properties {
			if t, ok := catalog.Lookup(it.old.Type); ok && t.NameProperty == name {
				continue
			}
			walkStrings(v, func(s string) {
				for _, target := range owners[s] {
					if target == it || seen[target] {
						continue
					}
					seen[target] = true
					target.after = append(target.after, it)
				}
			})
		}
	}
}

// identifiers are the strings by which other resources may name o. Very
// short values (booleans, ports) are left out: they identify nothing.
func identifiers(o *provider.Observed) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 6 {
			out = append(out, s)
		}
	}
	add(o.ID)
	for _, v := range o.Attributes {
		add(v)
	}
	return out
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for _, e := range v {
			walkStrings(e, f)
		}
	case []any:
		for _, e := range v {
			walkStrings(e, f)
		}
	}
}
