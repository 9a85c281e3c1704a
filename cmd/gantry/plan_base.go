package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/planner"
)

// labelAgainstBase labels each change of plan with its origin (plan
// --base): it loads dir's configuration at rev, compiles the plan's
// environment there and plans it against the live state plan saw, with
// the same pinned listener rule priorities and SSM parameter values (the
// base judged against the same world); a change that plan also has
// (planner.LabelOrigins) was already pending on the base. An
// environment the base does not have makes every change the change
// set's. A base that does not load or is invalid is an error naming it.
func labelAgainstBase(stderr io.Writer, plan *planner.Plan, dir, rev string) error {
	src := &source{dir: dir, ref: rev, flag: "--base"}
	ld, err := src.load()
	if err != nil {
		return usage(err)
	}
	if ld.Diagnostics.HasErrors() {
		for _, d := range ld.Diagnostics.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		return failed(fmt.Errorf("--base %s: %s is invalid: %s; its changes cannot be told from the change set's",
			rev, src, countNoun(len(ld.Diagnostics.Errors()), "error")))
	}
	label := planner.Base{Rev: rev, Commit: src.commit.Hash}
	base := &planner.Plan{}
	if env := ld.Project.Env(plan.Scope.Environment); env != nil {
		g, err := compiler.Compile(env, ld.Project.Name, compiler.CompileOptions{PinnedPriorities: planner.Pinned(plan.Live)})
		if err != nil {
			return failed(fmt.Errorf("--base %s: compile %s: %w", rev, plan.Scope.Environment, err))
		}
		// The AMI the plan resolved, so that only the configuration differs.
		if base, err = planner.Diff(g, plan.Live, plan.Scope, planner.Options{Parameters: plan.Parameters}); err != nil {
			return failed(fmt.Errorf("--base %s: plan %s: %w", rev, plan.Scope.Environment, err))
		}
	} else {
		slog.Debug("the base has no such environment: every change is the change set's", "base", rev, "env", plan.Scope.Environment)
	}
	planner.LabelOrigins(plan, base, label)
	return nil
}
