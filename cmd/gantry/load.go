package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
)

// loadProject loads and validates the configuration in dir for the commands
// that need it (compile, plan, apply). Every diagnostic, warnings too, is
// printed to stderr in the human format (file:line:col: message). With
// errors it returns failed(nil): the diagnostics were the message.
func loadProject(cmd *cobra.Command, dir string) (*config.Project, error) {
	p, diags, err := compiler.Load(dir)
	if err != nil {
		return nil, usage(err)
	}
	w := cmd.ErrOrStderr()
	for _, d := range diags {
		fmt.Fprintln(w, d.String())
	}
	if diags.HasErrors() {
		n := len(diags.Errors())
		fmt.Fprintf(w, "gantry: %s is invalid: %s (run gantry validate %s)\n", dir, countNoun(n, "error"), dir)
		return nil, failed(nil)
	}
	return p, nil
}

// countNoun writes "1 error", "2 errors".
func countNoun(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
