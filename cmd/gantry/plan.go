package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/internal/gitinfo"
	"github.com/gantry-gitops/gantry/planner"
)

type planFlags struct {
	target           targetFlags
	out              string
	detailedExitCode bool
	format           string
	includeNoOp      bool
	base             string
}

func newPlanCmd() *cobra.Command {
	f := &planFlags{}
	cmd := &cobra.Command{
		Use:   "plan [DIR] [--env ENV]",
		Short: "Show what apply would change: a quiet, ECS-aware diff against live state",
		Long: `Plan compares the configuration in DIR (default ".") with what the target
account holds for one environment, and prints the changes apply would make,
stage by stage: what is created, updated in place, replaced (and which
properties force it), or deleted (resources gantry owns that the
configuration no longer has). Each change says why (new, config change,
drift) and what it does to running traffic. Defaults AWS fills in,
reordered lists and reformatted policies are never shown as changes.

Formats: text (default; coloured on a terminal, never with NO_COLOR or
when piped), markdown (for a pull-request comment; always under 65,000
characters, shortened deterministically when the full plan is longer) and
json (versioned; see docs/plan.md).

--out FILE saves the plan (desired graph, the live state it saw with
fingerprints, gantry version and git commit) for gantry apply --plan FILE
and gantry show FILE. The file holds the configuration's sensitive values:
it is written readable by its owner only; treat it as a secret.

Without --env, a configuration with one environment plans that one; with
several, --env is required.

--ref REV plans the configuration as it is at git revision REV instead of
the work tree. --base REV (on a pull request: its base branch) also plans
REV's configuration against the same live state and labels each change
"from this change set" or "already pending on the base": merged there
earlier and not applied yet. docs/git.md has the details.

Exit codes: 0 success; 1 invalid configuration or a failed read; with
--detailed-exitcode, 0 means no changes and 2 means changes.`,
		Example: `  gantry plan --env prod --sandbox ./.sandbox
  GANTRY_SANDBOX=./.sandbox gantry plan ./deploy --env staging --out staging.plan
  gantry plan --env prod --format markdown > plan.md
  gantry plan --env prod --base origin/main --format markdown > plan.md
  gantry plan --env prod --ref v1.4.0
  gantry plan --env prod --detailed-exitcode; case $? in 0) echo "up to date";; 2) echo "changes pending";; *) exit 1;; esac`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			err := runPlan(cmd, dir, f)
			if f.detailedExitCode {
				// 2 means "changes" here, so a usage error is exit 1.
				err = usageAsFailure(err)
			}
			return err
		},
	}
	f.target.register(cmd)
	f.target.readOnly = true // a plan never changes the account
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "save the plan to `FILE` for gantry apply --plan and gantry show")
	cmd.Flags().BoolVar(&f.detailedExitCode, "detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are (1 on error)")
	choiceFlag(cmd, &f.format, "format", "text", "output format: text, markdown or json", planFormats()...)
	cmd.Flags().BoolVar(&f.includeNoOp, "include-noop", false, "list unchanged resources too (text and json)")
	refFlag(cmd, &f.target.ref)
	cmd.Flags().StringVar(&f.base, "base", "", "label each change \"from this change set\" or \"already pending on the base\" against git revision `REV` (the pull request's base branch)")
	return cmd
}

// runPlan: load, pick the environment and provider, plan, save, render.
// Every failure is exit 1, so that --detailed-exitcode's 2 always means
// "changes".
func runPlan(cmd *cobra.Command, dir string, f *planFlags) error {
	format, err := parseFormat(f.format)
	if err != nil {
		return err
	}
	_, plan, err := f.target.planNow(cmd, dir)
	if err != nil {
		return err
	}
	if f.base != "" {
		if err := labelAgainstBase(cmd.ErrOrStderr(), plan, dir, f.base); err != nil {
			return err
		}
	}
	if f.out != "" {
		if err := planner.WriteFile(f.out, plan); err != nil {
			return failed(err)
		}
	}
	if err := renderPlan(cmd, plan, format, f.includeNoOp); err != nil {
		return err
	}
	if f.out != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: plan saved to %s; apply it with: %s\n", f.out, suggestedCommand("apply", dir, f.target.sandbox, "--plan", f.out))
		warnExposedPlan(cmd, f.out)
	}
	if f.detailedExitCode && plan.HasChanges() {
		return &exitError{code: 2}
	}
	return nil
}

// planTime is the clock a plan records its creation time with:
// SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds
// convention) when set, so that plan output can be reproduced byte for
// byte; else the current time.
func planTime() (func() time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Now, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", s)
	}
	t := time.Unix(n, 0).UTC()
	return func() time.Time { return t }, nil
}

// renderPlan prints plan in format, coloured when it is text for a
// terminal (useColor): what plan, show and apply print.
func renderPlan(cmd *cobra.Command, plan *planner.Plan, format planner.Format, includeNoOp bool) error {
	out := cmd.OutOrStdout()
	opts := planner.RenderOptions{Color: format == planner.FormatText && useColor(cmd, out), IncludeNoOp: includeNoOp}
	if err := planner.Render(out, plan, format, opts); err != nil {
		return failed(err)
	}
	return nil
}

// planFormats are the names of the formats a plan renders in.
func planFormats() []string {
	names := make([]string, len(planner.Formats))
	for i, f := range planner.Formats {
		names[i] = string(f)
	}
	return names
}

// parseFormat checks a plan --format value (a usage error).
func parseFormat(s string) (planner.Format, error) {
	if err := checkChoice("format", s, planFormats()...); err != nil {
		return "", err
	}
	return planner.Format(s), nil
}

// usageAsFailure turns a usage error (exit 2) into exit 1, keeping its
// message; the bare exit 2 of "there are changes" is left alone.
func usageAsFailure(err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.code == 2 && ee.err != nil {
		return failed(ee.err)
	}
	return err
}

// warnExposedPlan warns when a plan file was written where git would
// commit it: it holds the configuration's secrets in clear.
func warnExposedPlan(cmd *cobra.Command, path string) {
	root, exposed, err := gitinfo.Exposed(path)
	if err != nil {
		slog.Debug("cannot tell whether git ignores the plan file", "path", path, "err", err)
	}
	if exposed {
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: warning: %s is in the git work tree %s and git does not ignore it; "+
			"a plan file holds the configuration's secrets in clear: add *.plan to .gitignore\n", path, root)
	}
}
