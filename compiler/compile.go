package compiler

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

// CompileOptions tune a compile. The zero value compiles from the
// configuration alone.
type CompileOptions struct {
	// PinnedPriorities are the priorities of listener rules that are
	// already live, by address (for example
	// "service/api/rule-https" → 10342). The planner passes them so that
	// deployed rules never move: a pinned priority is kept whenever it is
	// still inside the rule's specificity band and no other rule holds it.
	// See docs/compile.md, "Listener rule priorities".
	PinnedPriorities map[string]int
}

// Compile turns one environment's effective configuration into the
// concrete resource graph that makes it real in AWS. The result is
// deterministic (the same input always gives byte-identical JSON), sorted
// by address, and passes graph.Check.
//
// Errors are reserved for configurations the loader's checks should have
// rejected (a service on a cluster that does not exist, a task whose
// architecture the cluster's instances cannot run, ...): they name the
// service or resource concerned.
func Compile(env *config.Environment, project string, opts CompileOptions) (*graph.Graph, error) {
	if env == nil {
		return nil, fmt.Errorf("compile: no environment")
	}
	b := &builder{
		project: project,
		env:     env,
		opts:    opts,
		n:       names{project: project, env: env.Name},
		part:    catalog.Partition(env.Region),
		g: &graph.Graph{
			Project:     project,
			Environment: env.Name,
			Account:     env.Account,
			Region:      env.Region,
		},
		index:     map[string]*graph.Resource{},
		nameOwner: map[string]string{},
	}
	steps := []func() error{b.repositories, b.clusters, b.loadBalancers, b.services, b.listenerRules}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("compile %s: %w", env.Name, err)
		}
	}
	b.g.Sort()
	if err := b.g.Check(); err != nil {
		return nil, fmt.Errorf("compile %s: %w", env.Name, err)
	}
	return b.g, nil
}

// CompileProject compiles every environment of p, in the project's
// environment order. The same options apply to every environment; pinned
// priorities are per address and addresses repeat across environments, so
// the planner compiles one environment at a time with Compile instead.
func CompileProject(p *config.Project, opts CompileOptions) ([]*graph.Graph, error) {
	out := make([]*graph.Graph, 0, len(p.Environments))
	for _, env := range p.Environments {
		g, err := Compile(env, p.Name, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// builder accumulates one environment's graph.
type builder struct {
	project string
	env     *config.Environment
	opts    CompileOptions
	n       names
	part    string // ARN partition
	g       *graph.Graph
	index   map[string]*graph.Resource
	// nameOwner maps "type\x00name" to the address holding the name, so two
	// resources of one type never get the same AWS name.
	nameOwner map[string]string
	// rules collects the listener rules services ask for; listenerRules
	// assigns their priorities once every service is known.
	rules []*ruleSpec
}

// m and l are shorthands for property trees.
type (
	m = map[string]any
	l = []any
)

// add puts a resource into the graph. name is its AWS name (checked
// unique per type; "" for types whose identity is not a name). deps are
// ordering-only dependencies; references in props are added by graph.Sort.
func (b *builder) add(addr, typ, name string, props m, deps ...string) (*graph.Resource, error) {
	if _, dup := b.index[addr]; dup {
		return nil, fmt.Errorf("%s: address used twice", addr)
	}
	t, ok := catalog.Lookup(typ)
	if !ok {
		// A programming error, caught by catalog's completeness test.
		return nil, fmt.Errorf("%s: resource type %s has no catalog entry", addr, typ)
	}
	if name != "" {
		key := typ + "\x00" + name
		if other, dup := b.nameOwner[key]; dup {
			return nil, fmt.Errorf("%s and %s would both be named %q; rename one of them", other, addr, name)
		}
		b.nameOwner[key] = addr
	}
	r := &graph.Resource{Address: addr, Type: typ, Properties: props}
	if t.Tagged {
		r.Tags = b.tags(addr)
	}
	r.DependsOn = append(r.DependsOn, deps...)
	b.index[addr] = r
	b.g.Resources = append(b.g.Resources, r)
	return r, nil
}

// tags returns the tags of the resource at addr: the environment's tags and
// the three ownership tags (which the schema keeps users from overriding).
func (b *builder) tags(addr string) map[string]string {
	t := make(map[string]string, len(b.env.Tags)+3)
	for k, v := range b.env.Tags {
		t[k] = v
	}
	t[graph.TagProject] = b.project
	t[graph.TagEnvironment] = b.env.Name
	t[graph.TagAddress] = addr
	if b.retained(addr) {
		t[graph.TagRetain] = "true"
	}
	return t
}

// retained reports whether addr is, or belongs to, a service, load
// balancer, cluster or repository marked retainOnDelete (its address,
// or an address under it: service/api/log-group).
func (b *builder) retained(addr string) bool {
	under := func(prefix string) bool {
		return addr == prefix || strings.HasPrefix(addr, prefix+"/")
	}
	for _, s := range b.env.Services {
		if s.RetainOnDelete && under("service/"+s.Name) {
			return true
		}
	}
	for _, c := range b.env.Clusters {
		if c.RetainOnDelete && under("cluster/"+c.Name) {
			return true
		}
	}
	for _, l := range b.env.LoadBalancers {
		if l.RetainOnDelete && under("load-balancer/"+l.Name) {
			return true
		}
	}
	for _, r := range b.env.Repositories {
		if r.RetainOnDelete && under("repository/"+r.Name) {
			return true
		}
	}
	return false
}

// ref is a reference to an attribute of the resource at addr.
func ref(addr, attr string) graph.Ref { return graph.Ref{Address: addr, Attribute: attr} }

// strs turns a string slice into a property list.
func strs(ss []string) l {
	out := make(l, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](mp map[string]V) []string { return slices.Sorted(maps.Keys(mp)) }

// Addresses. Every address is a stable path: the kind of the owning
// configuration object, its name, then the part. docs/compile.md lists
// them all.
func repositoryAddr(r string) string          { return "repository/" + r }
func clusterAddr(c string) string             { return "cluster/" + c }
func clusterPart(c, part string) string       { return "cluster/" + c + "/" + part }
func loadBalancerAddr(lb string) string       { return "load-balancer/" + lb }
func loadBalancerPart(lb, part string) string { return "load-balancer/" + lb + "/" + part }
func serviceAddr(s string) string             { return "service/" + s }
func servicePart(s, part string) string       { return "service/" + s + "/" + part }
