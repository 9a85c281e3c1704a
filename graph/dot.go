package graph

import (
	"fmt"
	"io"
	"strings"
)

// WriteDOT draws the graph in Graphviz DOT (`dot -Tsvg`). The layout is
// the Mermaid one: a cluster per service, cluster and load balancer,
// direct dependency arrows inside, one arrow between two groups (drawn
// between the groups' borders with compound=true).
func WriteDOT(w io.Writer, g *Graph) error {
	p := newPicture(g)
	var b strings.Builder
	fmt.Fprintf(&b, "// gantry graph: project %s, environment %s, %d resources\n", g.Project, g.Environment, len(g.Resources))
	b.WriteString("digraph gantry {\n")
	b.WriteString("  rankdir=LR;\n  compound=true;\n  newrank=true;\n")
	b.WriteString("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [color=\"#555555\"];\n")
	for _, grp := range p.groups {
		fmt.Fprintf(&b, "  subgraph cluster_%s {\n", grp.id)
		fmt.Fprintf(&b, "    label=%s;\n    style=rounded;\n    color=\"#888888\";\n", dotQuote(grp.title))
		for _, n := range grp.nodes {
			fmt.Fprintf(&b, "    %s [label=%s];\n", n.id, dotQuote(n.label+"\n"+n.typ))
		}
		for _, e := range grp.edges {
			fmt.Fprintf(&b, "    %s -> %s;\n", e[0].id, e[1].id)
		}
		b.WriteString("  }\n")
	}
	for _, e := range p.cross {
		fmt.Fprintf(&b, "  %s -> %s [ltail=cluster_%s, lhead=cluster_%s];\n", e[0].main.id, e[1].main.id, e[0].id, e[1].id)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotQuote quotes s as a DOT string; "\n" becomes a centred line break.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}
