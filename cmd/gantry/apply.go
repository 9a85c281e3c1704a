package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/gitinfo"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// execFlags are the flags apply and destroy share: how the changes run.
type execFlags struct {
	target      targetFlags
	autoApprove bool
	parallelism int
	timeout     time.Duration
	lockTimeout time.Duration
	progress    string
}

func (f *execFlags) register(cmd *cobra.Command) {
	f.target.register(cmd)
	cmd.Flags().BoolVar(&f.autoApprove, "auto-approve", false, "do not ask for confirmation (CI)")
	cmd.Flags().IntVar(&f.parallelism, "parallelism", 10, "changes in flight at once within a stage")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 30*time.Minute, "time limit per stage, health gates included")
	cmd.Flags().DurationVar(&f.lockTimeout, "lock-timeout", 0, "wait this long for the lock when another apply holds it (0: fail at once)")
	cmd.Flags().StringVar(&f.progress, "progress", "auto", "progress output: auto (live lines on a terminal, plain otherwise), plain or terminal")
}

func (f *execFlags) check() error {
	if f.parallelism < 1 {
		return usage(fmt.Errorf("--parallelism %d: want at least 1", f.parallelism))
	}
	if f.timeout <= 0 {
		return usage(fmt.Errorf("--timeout %s: want a positive duration", f.timeout))
	}
	if f.lockTimeout < 0 {
		return usage(fmt.Errorf("--lock-timeout %s: want 0 or a positive duration", f.lockTimeout))
	}
	switch f.progress {
	case "auto", "plain", "terminal":
		return nil
	}
	return usage(fmt.Errorf("--progress %q: want auto, plain or terminal", f.progress))
}

type applyFlags struct {
	execFlags
	planFile string
	// allowDelete is the explicit yes for deleting services, load
	// balancers, clusters and what holds data (confirmApply).
	allowDelete bool
	// guard: committed configuration, on the branch (applyguard.go).
	guard guardFlags
}

func newApplyCmd() *cobra.Command {
	f := &applyFlags{}
	cmd := &cobra.Command{
		Use:   "apply [DIR] [--env ENV | --plan FILE]",
		Short: "Apply the configuration stage by stage, each stage proven healthy before the next",
		Long: `Apply makes one environment match the configuration in DIR (default "."):
it takes the environment's apply lock, plans (exactly as gantry plan does),
prints the plan and asks for confirmation, then applies the changes stage by
stage: identity and network; registries, logs, load balancers and clusters;
task definitions, target groups, rules and alarms; services; scaling; and
deletions last, in reverse order. Within a stage changes run in parallel
(--parallelism) in dependency order.

Every service a stage creates or changes is health-gated: its new
deployment must reach COMPLETED with all tasks running and its targets
healthy. A deployment the circuit breaker or an alarm rolled back is a
failure, never a success. Task definitions get a new revision; the old one
is deregistered after the deployment completed. Replacements create the new
resource before deleting the old one wherever AWS allows it.

On the first failure nothing new starts, running changes finish, and the
report lists what was done, what failed (with the AWS error) and what was
not started; exit 1. gantry plan then shows exactly the remaining work and
gantry apply finishes it. Throttled and transient AWS errors are retried
with backoff.

--plan FILE applies a plan saved by gantry plan --out, exactly, without
asking: it is refused if the file is damaged or was edited (its checksum),
if the configuration changed (the files the plan was made from, by
content: a plan made on a pull request applies on main after unrelated
commits, and the refusal names the files that changed) or live state
changed since the plan was made, if its changes are not the ones its
desired graph and live state give, or if the configuration in DIR
compiles to another desired graph (the refusal names the resources).

Applying to AWS from a git repository, apply refuses a configuration
with uncommitted changes (--allow-dirty overrides) and a HEAD that is not
on the branch changes are merged to (--branch, default $GANTRY_BRANCH or
main; a merge to main in CI passes, a feature branch is refused:
--any-branch overrides). Outside a git repository, and on the sandbox,
these checks do not apply.
docs/git.md has the details.

Without a terminal on stdin, apply refuses to run unless --auto-approve is
given. docs/apply.md has the details.`,
		Example: `  gantry apply --env staging --sandbox ./.sandbox
  gantry apply ./deploy --env prod --auto-approve --parallelism 20
  gantry plan --env prod --out prod.plan && gantry apply --plan prod.plan
  gantry apply --env prod --auto-approve --lock-timeout 10m --timeout 20m
  gantry apply --env dev --any-branch --allow-dirty   # from a feature branch, uncommitted edits included`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			if err := f.check(); err != nil {
				return err
			}
			if f.planFile != "" {
				return runApplySaved(cmd, dir, f)
			}
			return runApply(cmd, dir, f)
		},
	}
	f.execFlags.register(cmd)
	cmd.Flags().StringVar(&f.planFile, "plan", "", "apply the plan saved in `FILE` (gantry plan --out), exactly")
	f.guard.register(cmd)
	cmd.Flags().BoolVar(&f.allowDelete, "allow-delete", false, "apply a plan that deletes services, load balancers, clusters or resources holding data (listed at the top of the plan) without asking")
	return cmd
}

// runApply plans under the lock, shows the plan, asks, applies.
func runApply(cmd *cobra.Command, dir string, f *applyFlags) error {
	if err := f.guardCheck(dir); err != nil {
		return err
	}
	ws, err := f.target.workspace(cmd, dir)
	if err != nil {
		return err
	}
	prov, sc := ws.prov, ws.scope
	release, err := takeLock(cmd, prov, sc, "apply", ws.git.Commit, &f.execFlags)
	if err != nil {
		return err
	}
	defer release()

	plan, err := ws.plan(cmd.Context(), nil)
	if err != nil {
		return err
	}
	if err := renderApplyPlan(cmd, plan); err != nil {
		return err
	}
	if err := confirmApply(cmd, plan, f.allowDelete, plan.HasChanges() && !f.autoApprove); err != nil {
		return err
	}
	return execute(cmd, prov, plan, plan.Live, &f.execFlags, "apply", applier.Options{Repository: repositoryURL(dir)})
}

// runApplySaved applies a saved plan after checking that it still
// describes this configuration and this account, and that it holds
// together: the file is intact (planner.ReadFile: format version,
// checksum, known actions, stages and types), its changes are the ones
// its desired graph and live state give (applier.CheckChanges), and, run
// from the configuration it was made from, that configuration compiles to
// its desired graph (applier.CheckDesired).
func runApplySaved(cmd *cobra.Command, dir string, f *applyFlags) error {
	plan, err := planner.ReadFile(f.planFile)
	if err != nil {
		return failed(err)
	}
	sc := plan.Scope
	ld, err := loadPlanConfig(dir, plan)
	if err != nil {
		return failed(err)
	}
	var proj *config.Project
	if ld != nil {
		proj = ld.Project
	}
	if err := checkPlanProject(dir, proj, sc); err != nil {
		return failed(err)
	}
	if f.target.env != "" && f.target.env != sc.Environment {
		return failed(fmt.Errorf("%s is a plan for environment %s, not %s", f.planFile, sc.Environment, f.target.env))
	}
	if err := f.guardCheck(dir); err != nil {
		return err
	}
	var access *config.AWSAccess
	if proj != nil {
		if env := proj.Env(sc.Environment); env != nil {
			access = env.AWS
		}
	}
	prov, err := f.target.open(cmd.Context(), sc, access)
	if err != nil {
		return err
	}
	if plan.Provider != "" && plan.Provider != prov.Name() {
		return failed(fmt.Errorf("%s was made against the %s provider; this apply targets %s", f.planFile, plan.Provider, prov.Name()))
	}
	git, err := gitinfo.Read(dir)
	if err != nil {
		return failed(fmt.Errorf("cannot check the plan's commit: %w", err))
	}
	if plan.Config != nil {
		// By content: the plan applies on any commit with the same
		// configuration for its environment.
		if err := checkPlanConfig(cmd.ErrOrStderr(), ld, plan, f.planFile); err != nil {
			return failed(err)
		}
	} else if err := applier.CheckCommit(plan, git.Commit); err != nil {
		return failed(err)
	}
	if git.Dirty && !plan.Dirty {
		slog.Warn("the configuration has uncommitted changes; the saved plan does not include them", "dir", dir)
	}
	release, err := takeLock(cmd, prov, sc, "apply", plan.Commit, &f.execFlags)
	if err != nil {
		return err
	}
	defer release()
	live, err := planner.Read(cmd.Context(), prov, sc)
	if err != nil {
		return failed(err)
	}
	if err := applier.CheckPlan(plan, live, planner.Fingerprint); err != nil {
		return failed(err)
	}
	if err := applier.CheckParameters(cmd.Context(), prov, plan); err != nil {
		return failed(err)
	}
	if err := applier.CheckChanges(plan, live); err != nil {
		return failed(fmt.Errorf("%s: %w", f.planFile, err))
	}
	if proj != nil {
		if err := checkPlanGraph(proj, plan, live); err != nil {
			return failed(fmt.Errorf("%s: %w", f.planFile, err))
		}
	}
	if err := renderApplyPlan(cmd, plan); err != nil {
		return err
	}
	// Reviewed when it was made, but deletions still need their yes.
	if err := confirmApply(cmd, plan, f.allowDelete, false); err != nil {
		return err
	}
	return execute(cmd, prov, plan, live, &f.execFlags, "apply", applier.Options{Repository: repositoryURL(dir)})
}

// loadPlanConfig loads the configuration in dir for the checks of a
// saved plan, or returns nil when dir holds none gantry can load (the
// plan applied from elsewhere: the checks that need it are skipped). The
// plan's own configuration, invalid now (files the plan was made from,
// at the same paths, that no longer validate), is an error: the plan
// cannot be checked against it, and since a plan is checked by its
// configuration's content, not its commit, nothing else would notice that
// it changed.
func loadPlanConfig(dir string, plan *planner.Plan) (*compiler.Loaded, error) {
	ld, err := compiler.LoadTree(dir, compiler.LoadOptions{})
	if err != nil {
		return nil, nil
	}
	if ld.Diagnostics.HasErrors() && plan.Config != nil && sharesFiles(ld, plan.Config) {
		return nil, fmt.Errorf("the configuration in %s is invalid now (%s; run gantry validate %s): the saved plan cannot be checked against it",
			dir, countNoun(len(ld.Diagnostics.Errors()), "error"), dir)
	}
	if ld.Project == nil || ld.Project.Name == "" {
		return nil, nil
	}
	return ld, nil
}

// sharesFiles reports whether the load read a file the plan's
// configuration had at the same path.
func sharesFiles(ld *compiler.Loaded, cs *planner.ConfigSource) bool {
	for _, f := range ld.Files {
		if _, ok := cs.Files[f.Path]; ok {
			return true
		}
	}
	return false
}

// checkPlanProject refuses a saved plan of another project than the
// configuration in dir (p, nil when there is none), first and in those
// words: the commit check would only say the commits differ, and outside
// git it would pass.
func checkPlanProject(dir string, p *config.Project, sc provider.Scope) error {
	if p == nil || p.Name == sc.Project {
		return nil
	}
	return fmt.Errorf("the plan is for project %s, environment %s; %s is project %s", sc.Project, sc.Environment, dir, p.Name)
}

// checkPlanGraph compiles the plan's environment of p, the configuration
// the plan was made from, as the plan did (the live listener rules'
// priorities pinned), and refuses the plan unless that is its desired
// graph.
func checkPlanGraph(p *config.Project, plan *planner.Plan, live []*provider.Observed) error {
	env := p.Env(plan.Scope.Environment)
	if env == nil {
		return fmt.Errorf("the plan is for environment %s, which the configuration no longer has (have %s)",
			plan.Scope.Environment, strings.Join(p.EnvNames(), ", "))
	}
	g, err := compiler.Compile(env, p.Name, compiler.CompileOptions{PinnedPriorities: planner.Pinned(live)})
	if err != nil {
		return fmt.Errorf("cannot compile the configuration to check the plan against it: %w", err)
	}
	return applier.CheckDesired(plan, g)
}

// takeLock takes the apply lock of sc, waiting up to --lock-timeout. The
// lock records when this run must have ended by its --timeout (every
// stage, and the deletions, may take that long), so that a lock still
// held later is reported stale. The returned release never fails the
// command: a lock that cannot be released is reported and left for
// gantry unlock.
func takeLock(cmd *cobra.Command, prov provider.Provider, sc provider.Scope, op, commit string, f *execFlags) (func(), error) {
	now := time.Now()
	info := applier.NewLockInfo(op, commit, now)
	wait := f.lockTimeout
	info.Deadline = now.Add(wait + time.Duration(len(catalog.Stages)+1)*f.timeout).UTC().Truncate(time.Second)
	stderr := cmd.ErrOrStderr()
	rel, err := applier.Lock(cmd.Context(), prov, sc, info, applier.LockOptions{
		Wait: wait,
		Waiting: func(le *provider.LockedError) {
			fmt.Fprintf(stderr, "gantry: %s/%s is %v; waiting up to %s\n", sc.Project, sc.Environment, le, wait)
		},
	})
	var le *provider.LockedError
	if errors.As(err, &le) {
		hint := "wait for it with --lock-timeout"
		if wait > 0 {
			hint = fmt.Sprintf("still held after %s", wait)
		}
		return nil, failed(fmt.Errorf("%s/%s is %v\n  (%s; if its holder crashed: gantry unlock --env %s --force %s)",
			sc.Project, sc.Environment, le, hint, sc.Environment, le.Holder.ID))
	}
	if err != nil {
		return nil, failed(fmt.Errorf("lock %s/%s: %w", sc.Project, sc.Environment, err))
	}
	return func() {
		if err := rel(); err != nil {
			fmt.Fprintf(stderr, "gantry: could not release the lock of %s/%s (id %s): %v; break it with gantry unlock --env %s --force %s\n",
				sc.Project, sc.Environment, info.ID, err, sc.Environment, info.ID)
		}
	}, nil
}

// stdinIsTerminal reports whether r is an interactive terminal.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// confirm asks question on the command's stdin. Without a terminal there
// is nobody to answer: refuse rather than read whatever stdin holds.
func confirm(cmd *cobra.Command, question, verb string) error {
	return askConfirmation(cmd.InOrStdin(), cmd.OutOrStdout(), stdinIsTerminal(cmd.InOrStdin()), question, verb)
}

func askConfirmation(in io.Reader, out io.Writer, tty bool, question, verb string) error {
	if !tty {
		hint := "review the plan and pass --auto-approve"
		if verb == "apply" {
			hint += ", or apply a saved plan with --plan FILE"
		}
		return failed(fmt.Errorf("refusing to %s without confirmation: stdin is not a terminal; %s", verb, hint))
	}
	fmt.Fprintf(out, "\n%s\n  Only 'yes' is accepted: ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return failed(fmt.Errorf("%s cancelled: no answer", verb))
	}
	if strings.TrimSpace(line) != "yes" {
		return failed(fmt.Errorf("%s cancelled", verb))
	}
	fmt.Fprintln(out)
	return nil
}

// execute runs the plan with live progress and prints the report. A
// failed apply is exit 1 with a one-line summary; the report above it
// holds the details.
func execute(cmd *cobra.Command, prov provider.Provider, plan *planner.Plan, live []*provider.Observed, f *execFlags, verb string, opts applier.Options) error {
	_, err := executeResult(cmd, prov, plan, live, f, verb, opts)
	return err
}

// executeResult is execute, also returning the apply's result (nil when
// it could not start).
func executeResult(cmd *cobra.Command, prov provider.Provider, plan *planner.Plan, live []*provider.Observed, f *execFlags, verb string, opts applier.Options) (*applier.Result, error) {
	out := cmd.OutOrStdout()
	tty, width := outputTerminal(out)
	switch f.progress {
	case "plain":
		tty = false
	case "terminal":
		tty = true
	}
	progress := newPrinter(out, printerOptions{Terminal: tty, Width: width, Color: useColor(cmd, out), Compact: compact(plan)})
	opts.Parallelism = f.parallelism
	opts.StageTimeout = f.timeout
	opts.Progress = progress
	if prov.Name() == "sandbox" {
		// Sandbox deployments take seconds, not minutes: poll them often.
		opts.PollInterval, opts.PollMax = 100*time.Millisecond, time.Second
	}
	res, err := applier.Apply(cmd.Context(), prov, plan, live, opts)
	progress.Close()
	if err != nil {
		return nil, failed(err)
	}
	if !plan.HasChanges() && len(res.Done) == 0 && res.Failure(verb) == nil {
		fmt.Fprintf(out, "Nothing to %s.\n", verb)
		return res, nil
	}
	fmt.Fprintln(out)
	writeReport(out, verb, res)
	if err := res.Failure(verb); err != nil {
		return res, failed(err)
	}
	return res, nil
}

// outputTerminal reports whether w is a terminal, and its width.
func outputTerminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 100
	}
	return true, width
}
