package applier

import (
	"slices"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// orderDeletions sets, for deletions within one stage, which must go
// first: a resource is deleted only after every resource being deleted
// that uses it (a listener rule before the target group it forwards to,
// an instance profile before its role, a capacity provider before its
// Auto Scaling group). Across stages, reverse stage order already holds.
//
// Dependencies are real ones, never guessed from strings that happen to
// match (a cluster, its Auto Scaling group, capacity provider and launch
// template may all share a name):
//   - a resource still in the configuration (what a replacement retires)
//     uses what its desired resource depends on (graph DependsOn, which
//     holds every reference);
//   - any resource uses what its live properties name where its type
//     declares a reference (catalog.Type.References), matched against the
//     identifiers of resources of the referenced type only.
func orderDeletions(items []*item, desired map[string]*graph.Resource) {
	byAddr := map[string][]*item{}
	// owners maps type and identifier to the items that answer to it.
	owners := map[string][]*item{}
	for _, it := range items {
		byAddr[it.change.Address] = append(byAddr[it.change.Address], it)
		t, ok := catalog.Lookup(it.old.Type)
		if !ok {
			continue
		}
		for _, id := range t.Identifiers(it.old.ID, it.old.Properties, it.old.Attributes) {
			k := it.old.Type + "\x00" + id
			if !slices.Contains(owners[k], it) {
				owners[k] = append(owners[k], it)
			}
		}
	}
	for _, user := range items {
		seen := map[*item]bool{user: true}
		uses := func(target *item) {
			if !seen[target] {
				seen[target] = true
				target.after = append(target.after, user)
			}
		}
		if r := desired[user.change.Address]; r != nil {
			for _, dep := range r.DependsOn {
				for _, target := range byAddr[dep] {
					uses(target)
				}
			}
		}
		t, ok := catalog.Lookup(user.old.Type)
		if !ok {
			continue
		}
		for _, ref := range t.References {
			ref.Referenced(user.old.Properties, func(s string) {
				for _, target := range owners[ref.Type+"\x00"+s] {
					uses(target)
				}
			})
		}
	}
}
