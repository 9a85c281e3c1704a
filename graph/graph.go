package graph

import (
	"fmt"
	"sort"
)

// Graph is the desired state of one environment.
type Graph struct {
	Project     string      `json:"project"`
	Environment string      `json:"environment"`
	Account     string      `json:"account"`
	Region      string      `json:"region"`
	Resources   []*Resource `json:"resources"` // sorted by Address
}

// Resource is one AWS resource gantry manages.
type Resource struct {
	// Address is stable across compiles and unique in a graph, e.g.
	// "service/api/task-definition". It is written to the gantry:address tag.
	Address string `json:"address"`
	// Type is the CloudFormation type name, e.g. "AWS::ECS::Service".
	Type string `json:"type"`
	// Properties are CloudFormation property names and shapes. Values are
	// JSON values (map[string]any, []any, string, float64, bool) or the
	// reference forms Ref and Join.
	Properties map[string]any `json:"properties"`
	// Tags are the resource's tags (ownership tags included). They are kept
	// apart from Properties because not every type carries them the same way.
	Tags map[string]string `json:"tags,omitempty"`
	// DependsOn lists the addresses this resource needs to exist first: every
	// address referenced from Properties, plus ordering-only dependencies.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Refresh, on an Auto Scaling group, is how a change to its launch
	// template (a new AMI, another instance type) reaches running instances:
	// an instance refresh with these preferences, started by apply. nil:
	// running instances are left alone.
	Refresh *InstanceRefresh `json:"refresh,omitempty"`
}

// InstanceRefresh holds the preferences of the instance refresh that rolls a
// changed launch template out to an Auto Scaling group's running instances.
type InstanceRefresh struct {
	// MinHealthyPercentage is the share of the group's capacity that must
	// stay in service and healthy while instances are replaced.
	MinHealthyPercentage int `json:"minHealthyPercentage"`
	// SkipMatching leaves instances that already run the desired launch
	// template alone, so a refresh resumed after a failure does not start over.
	SkipMatching bool `json:"skipMatching"`
}

// Ownership tag keys. Every taggable resource carries all three.
const (
	TagProject     = "gantry:project"
	TagEnvironment = "gantry:environment"
	TagAddress     = "gantry:address"
	// TagRetain, "true" on the resources of a service, repository, load
	// balancer or cluster marked retainOnDelete: once it is removed from
	// the configuration, gantry stops managing it and never deletes it
	// (nor destroy; the CloudFormation export's DeletionPolicy: Retain).
	TagRetain = "gantry:retain"
	// TagCommit and TagRepository are provenance, not configuration: the
	// git commit (full hash) of the configuration whose apply last created
	// or changed the resource, and the repository's https URL (no
	// credentials). Plans never diff them.
	TagCommit     = "gantry:commit"
	TagRepository = "gantry:repository"
)

// Index returns the resources by address.
func (g *Graph) Index() map[string]*Resource {
	m := make(map[string]*Resource, len(g.Resources))
	for _, r := range g.Resources {
		m[r.Address] = r
	}
	return m
}

// Get returns the resource at addr, or nil.
func (g *Graph) Get(addr string) *Resource {
	i := sort.Search(len(g.Resources), func(i int) bool { return g.Resources[i].Address >= addr })
	if i < len(g.Resources) && g.Resources[i].Address == addr {
		return g.Resources[i]
	}
	return nil
}

// Sort orders resources by address and each resource's DependsOn, and adds
// every address referenced from Properties to DependsOn.
func (g *Graph) Sort() {
	for _, r := range g.Resources {
		deps := map[string]bool{}
		for _, d := range r.DependsOn {
			deps[d] = true
		}
		for _, ref := range Refs(r.Properties) {
			deps[ref.Address] = true
		}
		r.DependsOn = r.DependsOn[:0]
		for d := range deps {
			r.DependsOn = append(r.DependsOn, d)
		}
		sort.Strings(r.DependsOn)
		if len(r.DependsOn) == 0 {
			r.DependsOn = nil
		}
	}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].Address < g.Resources[j].Address })
}

// Check verifies the graph's invariants: unique addresses, every dependency
// and reference points at a resource in the graph, and no cycles.
func (g *Graph) Check() error {
	idx := make(map[string]*Resource, len(g.Resources))
	for _, r := range g.Resources {
		if _, dup := idx[r.Address]; dup {
			return fmt.Errorf("graph: duplicate address %q", r.Address)
		}
		idx[r.Address] = r
	}
	for _, r := range g.Resources {
		for _, d := range r.DependsOn {
			if idx[d] == nil {
				return fmt.Errorf("graph: %s depends on %s, which is not in the graph", r.Address, d)
			}
		}
		for _, ref := range Refs(r.Properties) {
			if idx[ref.Address] == nil {
				return fmt.Errorf("graph: %s references %s, which is not in the graph", r.Address, ref.Address)
			}
		}
	}
	_, err := g.TopoOrder()
	return err
}

// TopoOrder returns the addresses so that every resource comes after its
// dependencies; ties are broken by address so the order is deterministic.
func (g *Graph) TopoOrder() ([]string, error) {
	state := make(map[string]int, len(g.Resources)) // 0 new, 1 visiting, 2 done
	idx := g.Index()
	order := make([]string, 0, len(g.Resources))
	var visit func(addr string, path []string) error
	visit = func(addr string, path []string) error {
		switch state[addr] {
		case 1:
			return fmt.Errorf("graph: dependency cycle: %v", append(path, addr))
		case 2:
			return nil
		}
		state[addr] = 1
		if r := idx[addr]; r != nil {
			for _, d := range r.DependsOn {
				if err := visit(d, append(path, addr)); err != nil {
					return err
				}
			}
		}
		state[addr] = 2
		order = append(order, addr)
		return nil
	}
	for _, r := range g.Resources {
		if err := visit(r.Address, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
