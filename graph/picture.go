package graph

import (
	"sort"
	"strconv"
	"strings"
)

// picture is the graph arranged for drawing (Mermaid, DOT): resources
// grouped by the configuration object they belong to (a service, a
// cluster, a load balancer; repositories together), dependency edges
// inside a group with redundant (transitive) edges removed, and one edge
// per pair of groups between groups. Drawing whole groups as the end
// points of cross-group edges is what keeps 30 services legible: each
// service links to its cluster and load balancer once, not once per part.
type picture struct {
	groups []*picGroup
	// cross lists group-level edges, dependency group first, sorted.
	cross [][2]*picGroup
}

type picGroup struct {
	key   string // "service/api", "repositories"
	title string // "service api"
	id    string // short identifier, safe in Mermaid and DOT
	nodes []*picNode
	// edges inside the group, dependency first, sorted.
	edges [][2]*picNode
	main  *picNode // the node edges to and from the group attach to in DOT
}

type picNode struct {
	addr  string
	id    string
	label string // the address part within the group
	typ   string // the type's last word ("TaskDefinition")
}

// groupKey is the group an address belongs to.
func groupKey(addr string) string {
	parts := strings.SplitN(addr, "/", 3)
	if parts[0] == "repository" || len(parts) < 2 {
		return "repositories"
	}
	return parts[0] + "/" + parts[1]
}

func newPicture(g *Graph) *picture {
	p := &picture{}
	groups := map[string]*picGroup{}
	nodes := map[string]*picNode{}
	nodeGroup := map[*picNode]*picGroup{}
	for _, r := range g.Resources {
		key := groupKey(r.Address)
		grp := groups[key]
		if grp == nil {
			title := strings.Replace(strings.ReplaceAll(key, "-", " "), "/", " ", 1)
			grp = &picGroup{key: key, title: title}
			groups[key] = grp
			p.groups = append(p.groups, grp)
		}
		label := strings.TrimPrefix(strings.TrimPrefix(r.Address, key), "/")
		if key == "repositories" {
			label = strings.TrimPrefix(r.Address, "repository/")
		}
		if label == "" {
			label = r.Address[strings.LastIndex(r.Address, "/")+1:]
		}
		n := &picNode{addr: r.Address, label: label, typ: r.Type[strings.LastIndex(r.Type, ":")+1:]}
		nodes[r.Address] = n
		nodeGroup[n] = grp
		grp.nodes = append(grp.nodes, n)
		if r.Address == key || grp.main == nil {
			grp.main = n
		}
	}
	sort.Slice(p.groups, func(i, j int) bool { return groupOrder(p.groups[i].key) < groupOrder(p.groups[j].key) })
	// Short identifiers (g3, g3_4): Mermaid stops rendering past 50,000
	// characters of text, and identifiers are most of it.
	for i, grp := range p.groups {
		grp.id = "g" + strconv.Itoa(i)
		for j, n := range grp.nodes {
			n.id = grp.id + "_" + strconv.Itoa(j)
		}
	}

	// Dependencies inside each group, and between groups.
	deps := map[*picNode][]*picNode{}
	crossSeen := map[[2]*picGroup]bool{}
	for _, r := range g.Resources {
		n := nodes[r.Address]
		for _, d := range r.DependsOn {
			dn := nodes[d]
			if dn == nil {
				continue
			}
			if nodeGroup[dn] == nodeGroup[n] {
				deps[n] = append(deps[n], dn)
				continue
			}
			e := [2]*picGroup{nodeGroup[dn], nodeGroup[n]}
			if !crossSeen[e] {
				crossSeen[e] = true
				p.cross = append(p.cross, e)
			}
		}
	}
	sort.Slice(p.cross, func(i, j int) bool {
		a, b := p.cross[i], p.cross[j]
		if a[0].key != b[0].key {
			return groupOrder(a[0].key) < groupOrder(b[0].key)
		}
		return groupOrder(a[1].key) < groupOrder(b[1].key)
	})
	for _, grp := range p.groups {
		grp.edges = reducedEdges(grp.nodes, deps)
	}
	return p
}

// groupOrder sorts the groups the way they are built: repositories,
// clusters and load balancers first, services last, by name within a kind.
func groupOrder(key string) string {
	rank := "9"
	switch {
	case key == "repositories":
		rank = "0"
	case strings.HasPrefix(key, "cluster/"):
		rank = "1"
	case strings.HasPrefix(key, "load-balancer/"):
		rank = "2"
	case strings.HasPrefix(key, "service/"):
		rank = "3"
	}
	return rank + key
}

// reducedEdges returns the dependency edges among nodes with every edge
// that another path already implies left out, sorted.
func reducedEdges(nodes []*picNode, deps map[*picNode][]*picNode) [][2]*picNode {
	reach := map[*picNode]map[*picNode]bool{}
	var visit func(n *picNode) map[*picNode]bool
	visit = func(n *picNode) map[*picNode]bool {
		if r, ok := reach[n]; ok {
			return r
		}
		r := map[*picNode]bool{}
		reach[n] = r // the graph is acyclic, so this is never read unfinished
		for _, d := range deps[n] {
			r[d] = true
			for x := range visit(d) {
				r[x] = true
			}
		}
		return r
	}
	var out [][2]*picNode
	for _, n := range nodes {
		for _, d := range deps[n] {
			redundant := false
			for _, other := range deps[n] {
				if other != d && visit(other)[d] {
					redundant = true
					break
				}
			}
			if !redundant {
				out = append(out, [2]*picNode{d, n})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0].addr != out[j][0].addr {
			return out[i][0].addr < out[j][0].addr
		}
		return out[i][1].addr < out[j][1].addr
	})
	return out
}
