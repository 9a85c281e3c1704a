package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
)

type destroyFlags struct {
	execFlags
	includeData bool
}

func newDestroyCmd() *cobra.Command {
	f := &destroyFlags{}
	cmd := &cobra.Command{
		Use:   "destroy [DIR] --env ENV",
		Short: "Delete everything the project owns in one environment",
		Long: `Destroy deletes every resource the project in DIR (default ".") owns in
one environment — found by gantry's ownership tags, so nothing gantry did
not create is ever touched — in reverse stage order: scaling, services, task
definitions and routing, load balancers and clusters, identity. It lists
what it will delete and asks for confirmation (or --auto-approve), under the
same lock as apply, with the same parallelism, retries and failure report.

Data is kept unless --include-data is given: ECR repositories that still
hold images (an empty one is deleted; one the provider cannot tell about is
tried, and kept if AWS refuses because it holds images) and log groups.
Kept resources are listed.

A destroy that fails part way is finished by running it again.`,
		Example: `  gantry destroy --env preview-42 --sandbox ./.sandbox
  gantry destroy ./deploy --env staging --auto-approve
  gantry destroy --env staging --auto-approve --include-data`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			if err := f.check(); err != nil {
				return err
			}
			return runDestroy(cmd, dir, f)
		},
	}
	f.execFlags.register(cmd)
	cmd.Flags().BoolVar(&f.includeData, "include-data", false, "also delete ECR repositories that hold images, and log groups")
	return cmd
}

func runDestroy(cmd *cobra.Command, dir string, f *destroyFlags) error {
	ws, err := f.target.workspace(cmd, dir)
	if err != nil {
		return err
	}
	prov, sc := ws.prov, ws.scope
	release, err := takeLock(cmd, prov, sc, "destroy", ws.git.Commit, &f.execFlags)
	if err != nil {
		return err
	}
	defer release()
	live, err := planner.Read(cmd.Context(), prov, sc)
	if err != nil {
		return failed(err)
	}
	plan, kept := applier.DestroyPlan(prov.Name(), sc, live, f.includeData, time.Now())
	out := cmd.OutOrStdout()
	writeDestroyPlan(out, plan, kept)
	if len(plan.Changes) == 0 {
		fmt.Fprintf(out, "Nothing to destroy.\n")
		return nil
	}
	if !f.autoApprove {
		q := fmt.Sprintf("Destroy %s of %s/%s (%s)? This cannot be undone.",
			countNoun(len(plan.Changes), "resource"), sc.Project, sc.Environment, prov.Name())
		if err := confirm(cmd, q, "destroy"); err != nil {
			return err
		}
	}
	opts := applier.Options{KeepData: !f.includeData, DeleteData: f.includeData}
	res, err := executeResult(cmd, prov, plan, live, &f.execFlags, "destroy", opts)
	// What was kept: what the plan kept up front and what AWS refused to
	// delete because it holds data, whether or not the rest succeeded;
	// apart, what is marked retainOnDelete.
	n, retained := 0, 0
	for _, k := range kept {
		if k.Retained {
			retained++
		} else {
			n++
		}
	}
	if res != nil {
		n += len(res.Kept)
	}
	if n > 0 {
		fmt.Fprintf(out, "Kept %s holding data (gantry destroy --include-data deletes them).\n", countNoun(n, "resource"))
	}
	if retained > 0 {
		fmt.Fprintf(out, "Kept %s marked retainOnDelete (gantry no longer manages them).\n", countNoun(retained, "resource"))
	}
	return err
}

// writeDestroyPlan lists the deletions in the order they run, and what is
// kept.
func writeDestroyPlan(w io.Writer, plan *planner.Plan, kept []applier.Kept) {
	fmt.Fprintf(w, "Destroy %s/%s: %s to delete", plan.Scope.Project, plan.Scope.Environment, countNoun(len(plan.Changes), "resource"))
	if len(kept) > 0 {
		fmt.Fprintf(w, ", %d kept", len(kept))
	}
	fmt.Fprintln(w, ".")
	var stage catalog.Stage = -1
	for _, c := range plan.Changes {
		if c.Stage != stage {
			stage = c.Stage
			fmt.Fprintf(w, "\n  deletions, stage %d: %s\n", int(stage), stage)
		}
		fmt.Fprintf(w, "    - %s (%s) %s\n", c.Address, shortType(c.Type), c.LiveID)
	}
	for _, retained := range []bool{false, true} {
		head := "\n  kept (--include-data deletes them):\n"
		if retained {
			head = "\n  kept (retainOnDelete):\n"
		}
		for _, k := range kept {
			if k.Retained != retained {
				continue
			}
			fmt.Fprint(w, head)
			head = ""
			fmt.Fprintf(w, "    = %s: %s\n", k.Resource.Address, k.Why)
		}
	}
	fmt.Fprintln(w)
}

func shortType(typ string) string {
	if t, ok := catalog.Lookup(typ); ok && t.Short != "" {
		return t.Short
	}
	return typ
}
