package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/gitrepo"
)

type validateFlags struct {
	format string
	strict bool
	ref    string
}

func newValidateCmd() *cobra.Command {
	f := &validateFlags{}
	cmd := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check a configuration repository: types, AWS limits, references, policy",
		Long: `Validate the CUE configuration in DIR (default "."): gantry's schema,
AWS limits, references between names, routing conflicts, capacity, your
own policy written in CUE, and that every value that reaches AWS is
concrete in every environment. Every problem is reported, at the line
you wrote, sorted by file and line.

Output goes to stdout: one "file:line:col: path: message" line per
problem (file names relative to the current directory), then a summary.
Warnings are marked "warning:" and do not fail validation unless
--strict. With --format json, stdout is a JSON list of
{file, line, column, path, environment, message, severity}.

With --format github, each problem is a GitHub Actions workflow command
(::error file=F,line=L,col=C,title=PATH::message, ::warning for a
warning), then the summary: run in a workflow, the problems show on the
pull request's diff. File names there are relative to the root of the
git repository (GitHub's requirement), also when DIR is a sub-directory.
When GITHUB_ACTIONS=true and the format is text, the same lines follow
the text output.

Exit codes: 0 valid, 1 invalid, 2 usage or internal error.`,
		Example: `  gantry validate
  gantry validate ./deploy
  gantry validate --strict
  gantry validate --ref origin/main ./deploy
  gantry validate --format json | jq '.[] | select(.severity == "error")'
  gantry validate deploy --format github     # in a GitHub Actions step`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			return runValidate(cmd, dir, f)
		},
	}
	choiceFlag(cmd, &f.format, "format", "text", "output format: text, json or github", validateFormats...)
	cmd.Flags().BoolVar(&f.strict, "strict", false, "fail on warnings too")
	refFlag(cmd, &f.ref)
	return cmd
}

func runValidate(cmd *cobra.Command, dir string, f *validateFlags) error {
	if err := checkChoice("format", f.format, validateFormats...); err != nil {
		return err
	}
	if os.Getenv("GANTRY_DEBUG") != "" {
		// Timings of each phase, for performance work.
		slog.SetDefault(slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	src := &source{dir: dir, ref: f.ref}
	ld, err := src.load()
	if err != nil {
		return usage(err)
	}
	if src.commit != nil {
		// The diagnostics name the user's files; this names the commit.
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: validating %s\n", src)
	}
	p, diags := ld.Project, ld.Diagnostics
	out := cmd.OutOrStdout()
	nErr, nWarn := len(diags.Errors()), len(diags.Warnings())
	fail := nErr > 0 || (f.strict && nWarn > 0)

	switch f.format {
	case "json":
		if err := writeDiagnosticsJSON(out, diags); err != nil {
			return usage(err)
		}
	case "github":
		writeGitHubAnnotations(out, diags, f.strict, repoRelative(dir))
		fmt.Fprintln(out, validateSummary(p, nErr, nWarn, f.strict))
	default:
		for _, d := range diags {
			fmt.Fprintln(out, d.String())
		}
		fmt.Fprintln(out, validateSummary(p, nErr, nWarn, f.strict))
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			// Only after text: JSON stays one document.
			writeGitHubAnnotations(out, diags, f.strict, repoRelative(dir))
		}
	}
	if fail {
		return failed(nil)
	}
	return nil
}

// validateSummary is the last line of the text output.
func validateSummary(p *config.Project, nErr, nWarn int, strict bool) string {
	switch {
	case nErr > 0:
		s := "invalid: " + countNoun(nErr, "error")
		if nWarn > 0 {
			s += ", " + countNoun(nWarn, "warning")
		}
		return s
	case nWarn > 0 && strict:
		return "invalid (--strict): " + countNoun(nWarn, "warning")
	}
	services := map[string]bool{}
	for _, e := range p.Environments {
		for _, s := range e.Services {
			services[s.Name] = true
		}
	}
	envs := countNoun(len(p.Environments), "environment")
	if len(p.Environments) > 0 {
		envs += " (" + strings.Join(p.EnvNames(), ", ") + ")"
	}
	s := fmt.Sprintf("valid: project %s, %s, %s", p.Name, envs, countNoun(len(services), "service"))
	if nWarn > 0 {
		s += ", " + countNoun(nWarn, "warning")
	}
	return s
}

// writeDiagnosticsJSON writes the diagnostics as a JSON list (never null).
func writeDiagnosticsJSON(w io.Writer, diags compiler.Diagnostics) error {
	if diags == nil {
		diags = compiler.Diagnostics{}
	}
	out, err := marshalJSON(diags)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// validateFormats are the values of validate --format.
var validateFormats = []string{"text", "json", "github"}

// writeGitHubAnnotations writes GitHub Actions workflow commands so that
// each problem is annotated on the pull request's diff: the CUE path is
// the annotation's title, file names go through rel.
func writeGitHubAnnotations(w io.Writer, diags compiler.Diagnostics, strict bool, rel func(string) string) {
	for _, d := range diags {
		level := "error"
		if d.Severity == compiler.SeverityWarning && !strict {
			level = "warning"
		}
		msg := d.Message
		if d.Environment != "" {
			msg += " (environment " + strings.ReplaceAll(d.Environment, ",", ", ") + ")"
		}
		props := "file=" + ghProperty(rel(d.File))
		if d.Line > 0 {
			props += fmt.Sprintf(",line=%d,col=%d", d.Line, d.Column)
		}
		if d.Path != "" {
			props += ",title=" + ghProperty(d.Path)
		}
		fmt.Fprintf(w, "::%s %s::%s\n", level, props, ghData(msg))
	}
}

// repoRelative returns a function that rewrites a diagnostic's file name
// (relative to the current directory) relative to the root of the git
// work tree that holds dir: GitHub places annotations by repository path.
// Outside git, or for a file outside the work tree, names stay as they are.
func repoRelative(dir string) func(string) string {
	repo, err := gitrepo.Open(dir)
	if err != nil || repo.Root() == "" {
		return func(f string) string { return f }
	}
	return func(f string) string {
		// Symbolic links resolved as in the root, so the two compare.
		a, err := filepath.Abs(f)
		if err == nil {
			a, err = filepath.EvalSymlinks(a)
		}
		if err != nil {
			return f
		}
		rel, err := filepath.Rel(repo.Root(), a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return f
		}
		return filepath.ToSlash(rel)
	}
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
