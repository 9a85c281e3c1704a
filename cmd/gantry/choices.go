package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/internal/suggest"
)

// choiceFlag registers a string flag that takes one of a fixed set of
// values, with shell completion of them; check it with checkChoice.
func choiceFlag(cmd *cobra.Command, p *string, name, def, usage string, allowed ...string) {
	cmd.Flags().StringVar(p, name, def, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return allowed, cobra.ShellCompDirectiveNoFileComp
	})
}

// checkChoice is a usage error (exit 2) unless got is one of allowed: it
// names the values the flag takes and, for a likely typo, the one meant.
func checkChoice(flag, got string, allowed ...string) error {
	if slices.Contains(allowed, got) {
		return nil
	}
	msg := fmt.Sprintf("--%s %q: want %s", flag, got, orList(allowed))
	if s := suggest.Closest(got, allowed); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return usage(fmt.Errorf("%s", msg))
}

// orList is "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
