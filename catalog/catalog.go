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
	// ForceNew lists properties whose change replaces the resource: top-level
	// names, or dotted paths into nested objects
	// ("AutoScalingGroupProvider.AutoScalingGroupArn").
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

	// Reconcile, when set, runs after Normalise on both canonical sides at
	// once, for rules that need to see both: dropping entries of lists AWS
	// returns in full (load balancer attributes) that the desired side does
	// not mention and gantry has no default for.
	Reconcile func(desired, live map[string]any)
	// NameProperty is the property holding the resource's unique name in
	// its account and region ("" when AWS generates an identifier). A
	// replacement that keeps this name must delete the old resource first.
	NameProperty string
	// Tagged reports whether the type carries tags (CloudFormation Tags).
	// Tags of untagged types are never diffed.
	Tagged bool
	// IgnoreTags lists tag keys that AWS or another controller adds and
	// that are never diffed (tags starting with "aws:" never are either).
	IgnoreTags []string
	// OwnedBy lists properties another controller owns while a resource of
	// a given type references this one: a service's DesiredCount once a
	// scalable target exists, an Auto Scaling group's DesiredCapacity once a
	// capacity provider manages it. Such properties are never diffed.
	OwnedBy []Owner
	// Redeploys lists properties whose in-place change starts a new rolling
	// deployment of the running tasks (a service's TaskDefinition or
	// network configuration), as opposed to a change that only updates
	// settings.
	Redeploys []string
	// UpdatedAttributes lists attributes that an in-place update changes (a
	// launch template's LatestVersionNumber): values that reference them are
	// known only after apply.
	UpdatedAttributes []string
	// MaybeSensitive lists value paths (property names joined by dots,
	// list positions left out: "ContainerDefinitions.Environment.Value")
	// that may hold values users marked sensitive. The live side carries no
	// mark, so a live value there is masked unless the desired side has a
	// plain value at the same place.
	MaybeSensitive []string
	// Pin is a property whose live value the compiler must keep (a listener
	// rule's Priority): the planner reads it from live state and passes it
	// to the compiler so deployed rules never move.
	Pin string

	// Handover, for types that receive traffic (target groups), says who
	// registers targets in a resource of the type and who sends it
	// traffic, so that when one is replaced (or a router moves to another
	// one) traffic moves only once the new one has healthy targets: see
	// Handover.
	Handover *Handover
	// Hold, for types that send traffic (listener rules, listeners),
	// returns a copy of props in which every forward to the resource
	// with id to goes to from with all the weight and to with none: the
	// first step of a handover, which associates the new resource with
	// the load balancer (ECS registers targets only in a target group
	// that has one) while traffic stays where it is.
	Hold func(props map[string]any, from, to string) map[string]any
}

// Handover is how traffic moves from a resource (the old target group) to
// another (its replacement) without a moment in which it goes to one
// without healthy targets:
//
//  1. the routers hold: they forward to the old one with all the weight
//     and to the new one with none (Type.Hold);
//  2. each registrar (an ECS service) registers in both: the entries of
//     its List naming the new one are duplicated for the old one
//     (Bridge), and its deployment is awaited until healthy;
//  3. the routers move to the new one (their desired properties);
//  4. the registrars leave the old one (their desired properties), and
//     are awaited again;
//  5. the old one is deleted after its deregistration delay.
type Handover struct {
	// Registrar is the type that registers targets; List the property of
	// its objects naming the resource in Field (LoadBalancers[].TargetGroupArn).
	Registrar string
	List      string
	Field     string
	// Routers are the types that send traffic to the resource.
	Routers []string
}

// Routes reports whether typ sends traffic to resources of this kind.
func (h *Handover) Routes(typ string) bool {
	for _, r := range h.Routers {
		if r == typ {
			return true
		}
	}
	return false
}

// Bridge returns a copy of a registrar's properties in which every entry
// of List naming to is followed by the same entry naming from: the
// registrar registers in both.
func (h *Handover) Bridge(props map[string]any, from, to string) map[string]any {
	out, _ := Copy(props).(map[string]any)
	entries, _ := out[h.List].([]any)
	var next []any
	for _, e := range entries {
		next = append(next, e)
		m, ok := e.(map[string]any)
		if !ok || m[h.Field] != to {
			continue
		}
		dup, _ := Copy(m).(map[string]any)
		dup[h.Field] = from
		next = append(next, dup)
	}
	if entries != nil {
		out[h.List] = next
	}
	return out
}

// Owner says that Property is owned by whoever manages a resource of type
// By that references this resource.
type Owner struct {
	Property string
	By       string
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
