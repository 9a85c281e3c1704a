package catalog

import (
	"fmt"
	"sort"
)

// Stage is one step of an apply. Stages run in order; resources within a
// stage run in parallel as far as their dependencies allow. Deletions run
// after all stages, in reverse stage order.
type Stage int

// The stages, in apply order.
const (
	StageIdentity   Stage = iota + 1 // IAM roles, instance profiles, security groups
	StageFoundation                  // registries, log groups, load balancers, listeners, clusters and their capacity
	StageRouting                     // task definitions, target groups, listener rules, alarms
	StageServices                    // ECS services (health-gated)
	StageScaling                     // scalable targets and scaling policies
)

// Stages lists every stage in apply order.
var Stages = []Stage{StageIdentity, StageFoundation, StageRouting, StageServices, StageScaling}

var stageNames = map[Stage]string{
	StageIdentity:   "identity and network",
	StageFoundation: "registries, logs, load balancers and clusters",
	StageRouting:    "task definitions, target groups, rules and alarms",
	StageServices:   "services",
	StageScaling:    "scaling",
}

func (s Stage) String() string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return fmt.Sprintf("stage %d", int(s))
}

// Type describes one CloudFormation resource type.
type Type struct {
	// Name is the CloudFormation type name.
	Name string
	// Short is a short noun for messages ("service", "target group").
	Short string
	Stage Stage
	// Attributes are the attribute names other resources may reference.
	Attributes []string
	// ForceNew lists top-level properties whose change replaces the resource.
	ForceNew []string
	// Revisioned types (task definitions) are never updated in place: a
	// change registers a new revision and the old one is retired later.
	Revisioned bool
	// HealthGated types (services) are followed by a health gate.
	HealthGated bool
	// Ignore lists top-level properties that AWS or another controller owns
	// at run time and that are never diffed (for example a service's
	// DesiredCount once autoscaling owns it is handled by Normalise; this is
	// for properties that are never ours).
	Ignore []string
	// Normalise rewrites a copy of a property tree (desired or live) into
	// canonical form: AWS defaults filled, set-like lists sorted, JSON
	// documents parsed. It must be idempotent.
	Normalise func(props map[string]any)
}

var types = map[string]*Type{}

// Register adds a type to the catalog; it panics on a duplicate, at init.
func Register(t *Type) {
	if _, dup := types[t.Name]; dup {
		panic("catalog: duplicate type " + t.Name)
	}
	types[t.Name] = t
}

// Lookup returns the type with the given CloudFormation name.
func Lookup(name string) (*Type, bool) {
	t, ok := types[name]
	return t, ok
}

// MustLookup returns the type or panics: for types the compiler emits.
func MustLookup(name string) *Type {
	t, ok := types[name]
	if !ok {
		panic("catalog: unknown type " + name)
	}
	return t
}

// All returns every registered type, by name.
func All() []*Type {
	out := make([]*Type, 0, len(types))
	for _, t := range types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
