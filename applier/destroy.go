package applier

import (
	"sort"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// Kept is a resource destroy leaves in place, and why.
type Kept struct {
	Resource *provider.Observed
	Why      string
	// Retained: kept because it is marked retainOnDelete, not for its
	// data (--include-data does not delete it).
	Retained bool
}

// DestroyPlan is the plan that deletes everything live (all owned by
// scope): one deletion per resource, in reverse stage order. Unless
// includeData, resources that hold data (ECR repositories with images, log
// groups) are kept and returned apart, and so, always, are the
// resources marked retainOnDelete (planner.IsRetained). Apply the plan with
// Options.KeepData (or DeleteData with includeData): a repository the
// provider cannot tell is empty is tried, and kept if AWS refuses.
func DestroyPlan(providerName string, scope provider.Scope, live []*provider.Observed, includeData bool, now time.Time) (*planner.Plan, []Kept) {
	plan := &planner.Plan{
		CreatedAt: now.UTC(),
		Provider:  providerName,
		Scope:     scope,
		Desired: &graph.Graph{
			Project:     scope.Project,
			Environment: scope.Environment,
			Account:     scope.Account,
			Region:      scope.Region,
		},
		Live: live,
	}
	var kept []Kept
	for _, o := range live {
		if planner.IsRetained(o, live) {
			kept = append(kept, Kept{Resource: o, Why: "retainOnDelete: kept, no longer managed", Retained: true})
			continue
		}
		if !includeData {
			if keep, known, why := keepsData(o); keep && known {
				kept = append(kept, Kept{Resource: o, Why: why})
				continue
			}
		}
		var stage catalog.Stage
		if t, ok := catalog.Lookup(o.Type); ok {
			stage = t.Stage
		}
		plan.Changes = append(plan.Changes, &planner.Change{
			Address: o.Address,
			Type:    o.Type,
			Action:  planner.Delete,
			Stage:   stage,
			Cause:   planner.CauseRemoved,
			Reason:  "destroy",
			Impact:  planner.ImpactDelete,
			LiveID:  o.ID,
		})
	}
	sort.SliceStable(plan.Changes, func(i, j int) bool {
		a, b := plan.Changes[i], plan.Changes[j]
		if a.Stage != b.Stage {
			return a.Stage > b.Stage
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.LiveID < b.LiveID
	})
	return plan, kept
}
