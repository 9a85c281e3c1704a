package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/planner"
)

// confirmApply gets the go-ahead for a plan. A plan that deletes a
// service, a load balancer, a cluster or something holding data
// (planner.Plan.Destructive, listed at the top of the plan) needs an
// explicit yes for those deletions, as destroy --include-data does for
// data: --allow-delete, or, on a terminal, an answer to a question that
// names them (whatever --auto-approve says). Otherwise ask, when ask,
// the ordinary question.
func confirmApply(cmd *cobra.Command, plan *planner.Plan, allowDelete, ask bool) error {
	sc := plan.Scope
	if ds := plan.Destructive(); len(ds) > 0 && !allowDelete {
		return askDeletions(cmd.InOrStdin(), cmd.OutOrStdout(), stdinIsTerminal(cmd.InOrStdin()), plan, ds)
	}
	if !ask {
		return nil
	}
	q := fmt.Sprintf("Apply these changes to %s/%s (%s)?", sc.Project, sc.Environment, plan.Provider)
	return confirm(cmd, q, "apply")
}

// askDeletions asks on a terminal for the destructive deletions ds of
// plan, naming each with what it loses; without one it refuses.
func askDeletions(in io.Reader, out io.Writer, tty bool, plan *planner.Plan, ds []*planner.Change) error {
	var what []string
	for _, c := range ds {
		what = append(what, c.Address+": "+c.Lost())
	}
	n := fmt.Sprintf("%d resources", len(ds))
	if len(ds) == 1 {
		n = "1 resource"
	}
	if !tty {
		return failed(fmt.Errorf("refusing to apply: the plan deletes %s (%s); review the plan and pass --allow-delete to apply it",
			n, strings.Join(what, "; ")))
	}
	q := fmt.Sprintf("Apply these changes to %s/%s (%s), DELETING %s?\n  - %s\n  This cannot be undone.",
		plan.Scope.Project, plan.Scope.Environment, plan.Provider, n, strings.Join(what, "\n  - "))
	return askConfirmation(in, out, true, q, "apply")
}

// renderApplyPlan shows the plan apply is about to run: in full, or, for
// more than planner.CompactAbove changes, its summary (counts per phase
// and type, every replacement and deletion, what deletions lose, the
// warnings), the full plan being one gantry plan away.
func renderApplyPlan(cmd *cobra.Command, plan *planner.Plan) error {
	out := cmd.OutOrStdout()
	opts := planner.RenderOptions{Color: useColor(cmd, out), Summary: compact(plan)}
	if err := planner.Render(out, plan, planner.FormatText, opts); err != nil {
		return failed(err)
	}
	return nil
}

// compact reports whether apply shows plan's summary and compact
// progress rather than a line per change.
func compact(plan *planner.Plan) bool {
	return plan.Summary().Changed() > planner.CompactAbove
}
