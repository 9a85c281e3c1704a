package main

import (
	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/planner"
)

type showFlags struct {
	format      string
	includeNoOp bool
}

func newShowCmd() *cobra.Command {
	f := &showFlags{}
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Render a saved plan (gantry plan --out FILE) as text, markdown or JSON",
		Long: `Show prints a plan saved with gantry plan --out FILE, in any format, exactly
as gantry plan printed it. It reads no configuration and no live state, so
CI can plan once and post the same plan as a comment (markdown), keep it as
JSON, and apply it later with gantry apply --plan FILE.

A plan file written by a newer gantry, in a format this one does not know,
is refused with a message saying so; so is one that is damaged or was
edited after gantry wrote it (its checksum), or that names an action, a
stage or a resource type this gantry does not know.

Exit codes: 0 success, 1 the file cannot be read.`,
		Example: `  gantry show prod.plan
  gantry show prod.plan --format markdown > comment.md
  gantry show prod.plan --format json | jq '.changes[] | select(.action == "replace")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseFormat(f.format)
			if err != nil {
				return err
			}
			plan, err := planner.ReadFile(args[0])
			if err != nil {
				return failed(err)
			}
			return renderPlan(cmd, plan, format, f.includeNoOp)
		},
	}
	choiceFlag(cmd, &f.format, "format", "text", "output format: text, markdown or json", planFormats()...)
	cmd.Flags().BoolVar(&f.includeNoOp, "include-noop", false, "list unchanged resources too (text and json)")
	return cmd
}
