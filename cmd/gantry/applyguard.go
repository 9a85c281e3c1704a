package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/internal/gitinfo"
	"github.com/gantry-gitops/gantry/internal/gitrepo"
	"github.com/gantry-gitops/gantry/planner"
)

// EnvBranch names the branch apply runs from when --branch is not given.
const EnvBranch = "GANTRY_BRANCH"

// defaultBranch is the branch apply runs from unless told otherwise.
const defaultBranch = "main"

// guardFlags are apply's git guard: what is applied must be committed, on
// the branch changes are merged to.
type guardFlags struct {
	allowDirty bool
	branch     string
	anyBranch  bool
}

func (g *guardFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&g.allowDirty, "allow-dirty", false, "apply even though the configuration has uncommitted changes")
	cmd.Flags().StringVar(&g.branch, "branch", "", "apply to AWS only from a commit on branch `NAME` (default $"+EnvBranch+", else "+defaultBranch+")")
	cmd.Flags().BoolVar(&g.anyBranch, "any-branch", false, "apply from a commit that is not on --branch (a feature branch)")
}

// guardCheck runs apply's git guard on dir, unless the target is the
// sandbox: a local practice account with no one else's services in it,
// where applying a work tree as it is (the tutorials edit files and
// apply) is the point. Every AWS account is guarded.
func (f *applyFlags) guardCheck(dir string) error {
	if sandboxDir(f.target.sandbox) != "" {
		slog.Debug("apply to the sandbox: the git guard does not apply", "dir", dir)
		return nil
	}
	return f.guard.check(dir)
}

// branchName is --branch, else $GANTRY_BRANCH, else main.
func (g *guardFlags) branchName() string {
	if g.branch != "" {
		return g.branch
	}
	if b := os.Getenv(EnvBranch); b != "" {
		return b
	}
	return defaultBranch
}

// check refuses to apply the configuration in dir when it has uncommitted
// changes (unless --allow-dirty) or when HEAD is not on the branch
// (unless --any-branch): CI applies on a merge to main, so what runs is
// what was reviewed and merged; a developer's feature branch is refused,
// saying how to override. Outside a git repository there is nothing to
// check (the sandbox tutorials run in a plain directory): apply goes on.
func (g *guardFlags) check(dir string) error {
	repo, err := gitrepo.Open(existingDir(dir))
	if errors.Is(err, gitrepo.ErrNotRepository) {
		return nil
	}
	if err != nil {
		return failed(err)
	}
	info, err := gitinfo.Read(dir)
	if err != nil {
		return failed(err)
	}
	if info.Dirty && !g.allowDirty {
		return failed(fmt.Errorf("%s has uncommitted changes: apply applies committed configuration only, so that what runs is what git records; "+
			"commit them, or pass --allow-dirty to apply the work tree as it is", dir))
	}
	if info.Commit == "" || g.anyBranch {
		return nil // no commit yet: nothing on any branch to check
	}
	head, onBranch, err := repo.Head()
	if err != nil {
		return failed(err)
	}
	branch := g.branchName()
	ok, err := repo.OnBranch(head, branch)
	if err != nil {
		return failed(fmt.Errorf("%w; apply runs from branch %s (--branch NAME, or $%s, names another; --any-branch applies from anywhere)", err, branch, EnvBranch))
	}
	if ok {
		return nil
	}
	where := "a detached HEAD"
	if onBranch != "" {
		where = "branch " + onBranch
	}
	return failed(fmt.Errorf("HEAD (%s, on %s) is not on branch %s: apply runs from %s, where changes are merged after review; "+
		"pass --any-branch to apply from here anyway, or --branch NAME if another branch is the one to apply from", head.Short(), where, branch, branch))
}

// checkPlanConfig compares the configuration in dir with the one a saved
// plan was made from (planner.ConfigSource), in place of its commit: the
// same files (content and paths relative to dir, and the schema) pass,
// on whatever commit; files that differ without changing the plan's
// environment's effective configuration pass too, with a note naming
// them; otherwise the plan is stale, naming the files. ld is dir's load
// (nil when dir holds no configuration: nothing to compare with).
func checkPlanConfig(w io.Writer, ld *compiler.Loaded, plan *planner.Plan, planFile string) error {
	if ld == nil || ld.Project == nil {
		return nil
	}
	env := ld.Project.Env(plan.Scope.Environment)
	if env == nil {
		return nil // checkPlanGraph says the environment is gone
	}
	now, err := configSource(ld, env)
	if err != nil {
		return err
	}
	if now.Hash == plan.Config.Hash {
		return nil
	}
	files := plan.Config.FileChanges(now)
	if now.Environment == plan.Config.Environment {
		fmt.Fprintf(w, "gantry: %s was made from other configuration files (%s) with the same configuration for environment %s\n",
			planFile, strings.Join(files, ", "), plan.Scope.Environment)
		return nil
	}
	made := ""
	if plan.Commit != "" {
		made = fmt.Sprintf(" (made at commit %.12s)", plan.Commit)
	}
	return &applier.StaleError{Problems: []string{
		fmt.Sprintf("the configuration of environment %s changed since the plan was made%s: %s", plan.Scope.Environment, made, strings.Join(files, ", ")),
	}}
}
