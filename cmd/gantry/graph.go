package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/graph"
)

type graphFlags struct {
	env    string
	format string
	ref    string
}

func newGraphCmd() *cobra.Command {
	f := &graphFlags{}
	cmd := &cobra.Command{
		Use:   "graph [DIR]",
		Short: "Draw an environment's resource graph (Mermaid or Graphviz DOT)",
		Long: `Draw the resource graph the configuration in DIR (default ".") compiles
to for one environment. Each service, cluster and load balancer is a box
holding its resources (repositories share one); arrows point from a
dependency to what depends on it, in the order gantry creates them. Inside
a box only direct dependencies are drawn; between boxes one arrow links
two groups, so the picture stays legible with dozens of services.

Formats:
  mermaid  a Mermaid flowchart: paste it into a GitHub comment or README
           inside a "mermaid" code block and GitHub renders it.
  dot      Graphviz DOT: render with "dot -Tsvg -o graph.svg".

--env is required when the project has several environments. An invalid
configuration prints the validation diagnostics and exits 1.`,
		Example: `  gantry graph --env prod
  gantry graph ./deploy --env staging --format dot | dot -Tsvg -o graph.svg
  gantry graph --env prod --ref v1.4.0
  { echo '` + "```mermaid" + `'; gantry graph --env prod; echo '` + "```" + `'; } >> README.md`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			return runGraph(cmd, dir, f)
		},
	}
	envFlag(cmd, &f.env, "environment to draw (required when there are several)")
	choiceFlag(cmd, &f.format, "format", "mermaid", "output format: mermaid or dot", "mermaid", "dot")
	refFlag(cmd, &f.ref)
	return cmd
}

func runGraph(cmd *cobra.Command, dir string, f *graphFlags) error {
	if err := checkChoice("format", f.format, "mermaid", "dot"); err != nil {
		return err
	}
	g, err := compileOneFrom(cmd, &source{dir: dir, ref: f.ref}, f.env)
	if err != nil {
		return err
	}
	if f.format == "dot" {
		return graph.WriteDOT(cmd.OutOrStdout(), g)
	}
	var buf bytes.Buffer
	if err := graph.WriteMermaid(&buf, g); err != nil {
		return usage(err)
	}
	if buf.Len() > mermaidMaxText {
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: warning: the diagram is %d characters; Mermaid (and GitHub) render at most %d: use --format dot for a graph this size\n",
			buf.Len(), mermaidMaxText)
	}
	_, err = cmd.OutOrStdout().Write(buf.Bytes())
	return err
}

// mermaidMaxText is Mermaid's default maxTextSize, which GitHub keeps.
const mermaidMaxText = 50000
