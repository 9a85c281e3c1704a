package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/schema"
)

func newSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print gantry's CUE schema",
		Long: `Print the CUE schema gantry adds to your configuration package: every
field with its type, default and range. gantry rewrites its package clause
to your package's name when it loads your files; you never import it.

Editors and reviewers can read it to see what each field means; the
definitions (#Service, #Cluster, ...) may be referenced from your own CUE.`,
		Example: `  gantry schema
  gantry schema > gantry-schema.cue.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), schema.Source)
			return err
		},
	}
}
