package applier

import (
	"context"
	"fmt"
	"sort"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// CheckParameters refuses a saved plan once an SSM parameter it resolved
// has moved (AWS published another ECS-optimised AMI since the plan was
// made): the plan shows an AMI change that is no longer the one apply
// would make, or none where there is one. It reads the parameters through
// the provider now.
func CheckParameters(ctx context.Context, p provider.Provider, plan *planner.Plan) error {
	if len(plan.Parameters) == 0 {
		return nil
	}
	names := make([]string, 0, len(plan.Parameters))
	for n := range plan.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	now, err := p.Resolve(ctx, plan.Scope, names)
	if err != nil {
		return fmt.Errorf("cannot read the SSM parameters the plan resolved, to check they have not moved: %w", err)
	}
	if probs := plan.StaleParameters(now); len(probs) > 0 {
		return &StaleError{Problems: probs}
	}
	return nil
}
