package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
)

// loadProject loads and validates the configuration in dir for the commands
// that need it (compile, plan, apply). Every error, and every warning about
// env (every warning when env is ""), is printed to stderr in the human
// format (file:line:col: message); errors in any environment stop the
// command, since the configuration is one. With errors it returns
// failed(nil): the diagnostics were the message.
func loadProject(cmd *cobra.Command, dir, env string) (*config.Project, error) {
	p, _, err := loadProjectWarnings(cmd, dir, env)
	return p, err
}

// loadProjectWarnings is loadProject, also returning the warnings it
// printed (as printed), for the plan to carry (planner.WarnConfig).
func loadProjectWarnings(cmd *cobra.Command, dir, env string) (*config.Project, []string, error) {
	p, diags, err := compiler.Load(dir)
	if err != nil {
		return nil, nil, usage(err)
	}
	w := cmd.ErrOrStderr()
	var warnings []string
	for _, d := range diags {
		if d.Severity == compiler.SeverityWarning && !concerns(d, env) {
			continue
		}
		fmt.Fprintln(w, d.String())
		if d.Severity == compiler.SeverityWarning {
			warnings = append(warnings, d.String())
		}
	}
	if diags.HasErrors() {
		n := len(diags.Errors())
		fmt.Fprintf(w, "gantry: %s is invalid: %s (run gantry validate %s)\n", dir, countNoun(n, "error"), dir)
		return nil, nil, failed(nil)
	}
	return p, warnings, nil
}

// countNoun writes "1 error", "2 errors".
func countNoun(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// concerns reports whether diagnostic d is about environment env: it names
// env, names no environment, or env is "" (all of them).
func concerns(d compiler.Diagnostic, env string) bool {
	if env == "" || d.Environment == "" {
		return true
	}
	for _, e := range strings.Split(d.Environment, ",") {
		if e == env {
			return true
		}
	}
	return false
}
