package graph

import (
	"fmt"
	"io"
	"strings"
)

// WriteMermaid draws the graph as a Mermaid flowchart (it renders in
// GitHub comments and READMEs). Each service, cluster and load balancer is
// a subgraph holding its resources; arrows point from a dependency to what
// depends on it, so they read in creation order. Inside a subgraph only
// direct dependencies are drawn (an arrow that another path implies is
// left out); between subgraphs one arrow links the two groups.
func WriteMermaid(w io.Writer, g *Graph) error {
	p := newPicture(g)
	var b strings.Builder
	fmt.Fprintf(&b, "%%%% gantry graph: project %s, environment %s, %d resources\n", g.Project, g.Environment, len(g.Resources))
	b.WriteString("flowchart LR\n")
	for _, grp := range p.groups {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", grp.id, mermaidText(grp.title))
		b.WriteString("    direction LR\n")
		for _, n := range grp.nodes {
			fmt.Fprintf(&b, "    %s[\"%s<br/><i>%s</i>\"]\n", n.id, mermaidText(n.label), mermaidText(n.typ))
		}
		for _, e := range grp.edges {
			fmt.Fprintf(&b, "    %s --> %s\n", e[0].id, e[1].id)
		}
		b.WriteString("  end\n")
	}
	for _, e := range p.cross {
		fmt.Fprintf(&b, "  %s --> %s\n", e[0].id, e[1].id)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes text for a quoted Mermaid label.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;")
	return r.Replace(s)
}
