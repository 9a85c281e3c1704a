package catalog

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
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
	// NameScope lists the properties naming the parent within which
	// NameProperty is unique (an ECS service's name is unique per
	// cluster: "Cluster"); empty, it is unique in the account and
	// region. A replacement deletes the old resource first only when the
	// new one would collide: same name and same scope.
	NameScope []string
	// Tagged reports whether resources of the type carry tags, gantry's
	// ownership tags among them (through the service's tagging API where
	// CloudFormation has no Tags property: see CloudFormation.Tags). Tags
	// of untagged types are never diffed; their resources are owned
	// through a parent (Ownership.Parent).
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

	// Fallback, for types that route requests through rules of another
	// type (a listener and its listener rules), says which property
	// handles the requests no rule matches: see Fallback.
	Fallback *Fallback

	// Grants lists set-like lists of permissions (a security group's
	// rules) whose entries AWS adds and removes one by one (authorize,
	// revoke) and whose removal can cut traffic that running tasks still
	// get: a rule for a port the old deployment's tasks listen on. An
	// update that removes entries is made in two steps: the type's own
	// stage adds the new entries and keeps the old ones (Widen); the old
	// ones are removed only after the health gates of the plan's
	// deployments (see planner.Deferred).
	Grants []string

	// References declares which properties name other resources, and of
	// which type: what a resource of this type uses, so it is deleted
	// before them (an instance profile before its role, a capacity
	// provider before its Auto Scaling group). A value matches only an
	// identifier of a resource of the named type (see Identifiers).
	References []Reference
	// Data, for types whose deletion destroys data (a log group's logs,
	// an ECR repository's images), says what a live resource holds and
	// how deleting it is guarded: see Data.
	Data *Data
	// Loses, for types whose deletion takes something running away (a
	// service's tasks, a load balancer's DNS name and traffic, a
	// cluster), says what, in a few words a plan shows beside the
	// deletion. A plan that deletes a resource of such a type, or one
	// whose Data describes something it holds, lists the deletion at its
	// top, and apply asks for an explicit yes (--allow-delete). See
	// Destructive.
	Loses string
	// Children lists the types whose resources belong to a resource of
	// this type in a way AWS enforces on delete: AWS deletes them with
	// it (a load balancer's listeners, a listener's rules) or refuses to
	// delete it while they exist (a target group a rule forwards to, a
	// cluster with services). A child is found by its own References to
	// this type. Before deleting a resource of this type a provider
	// reads its children (and theirs) and refuses the delete, naming the
	// child, when one is not the deleting scope's or is kept
	// (graph.TagRetain): see provider.Provider.Delete.
	Children []string

	// Deploys, for health-gated types, names the property holding what a
	// deployment runs (a service's TaskDefinition): the health gate waits
	// until the deployment runs that, and what it ran before is retired
	// once it does.
	Deploys string
	// Refresh, for types whose running instances are launched from a
	// template (Auto Scaling groups), says which in-place changes leave
	// the running instances behind, for apply to replace them with an
	// instance refresh when the resource asks for one
	// (graph.Resource.Refresh): see Refresh.
	Refresh *Refresh
	// Resolves lists value paths (property names joined by dots, list
	// positions left out, as MaybeSensitive) that may hold a reference
	// to an SSM parameter instead of a value (ParameterPrefix + name: a
	// launch template's image, "resolve:ssm:/aws/service/ecs/..."). A
	// plan resolves them through the provider and compares, shows and
	// applies the value, so a newly published AMI shows as a change.
	Resolves []string
	// DrainsOnDelete: the delete returns before the resource is gone (an
	// ECS service drains, its name and its cluster still taken), so the
	// applier polls the provider's Health until it is INACTIVE, and a
	// create refused because the previous one still drains waits and
	// retries.
	DrainsOnDelete bool

	// Ownership says whether gantry's ownership tags can be set on a
	// resource of the type and how a provider finds the ones it owns.
	Ownership Ownership
	// TagAPI is the shape the type's own AWS API gives tags; providers
	// that speak the API use it.
	TagAPI TagAPI
	// CloudFormation is how the type is written in the CloudFormation
	// export.
	CloudFormation CloudFormation
}

// Destructive returns what deleting a live resource of the type loses
// (its Data, else Loses), "" when a deletion loses nothing worth a
// reviewer's attention.
func (t *Type) Destructive(props map[string]any, attrs map[string]string) string {
	if t.Data != nil {
		if what := t.Data.Describe(props, attrs); what != "" {
			return what
		}
	}
	return t.Loses
}

// Reference is one property that names resources of Type. Path is dotted
// from the top of the properties; lists on the way are walked, so
// "Actions.TargetGroupArn" names every action's target group.
type Reference struct {
	Path string
	Type string
	// With, when set, lists more paths whose values, after Path's and
	// joined by Sep, make the identifier: what AWS reads back of a scaling
	// policy names its scalable target only by ResourceId,
	// ScalableDimension and ServiceNamespace, whose join by "|" is the
	// target's id. Each path must hold one string.
	With []string
	Sep  string
}

// Referenced calls f with every string found at the reference's path in
// props (the joined identifier when With is set and every part is there).
func (r Reference) Referenced(props map[string]any, f func(string)) {
	if len(r.With) == 0 {
		walkPath(props, strings.Split(r.Path, "."), f)
		return
	}
	var parts []string
	for _, p := range append([]string{r.Path}, r.With...) {
		var vals []string
		walkPath(props, strings.Split(p, "."), func(s string) { vals = append(vals, s) })
		if len(vals) != 1 {
			return
		}
		parts = append(parts, vals[0])
	}
	f(strings.Join(parts, r.Sep))
}

func walkPath(v any, path []string, f func(string)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkPath(e, path, f)
		}
	case map[string]any:
		if len(path) > 0 {
			walkPath(x[path[0]], path[1:], f)
		}
	case string:
		if len(path) == 0 {
			f(x)
		}
	}
}

// Identifiers are the strings by which other resources may name a live
// resource of this type: its identifier, its attributes (ARN, name, id)
// and its name property.
func (t *Type) Identifiers(id string, props map[string]any, attrs map[string]string) []string {
	out := []string{id}
	for _, v := range attrs {
		if v != "" {
			out = append(out, v)
		}
	}
	if t.NameProperty != "" {
		if s, ok := props[t.NameProperty].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Widen returns a copy of desired (properties as sent to the provider) in
// which every Grants list also keeps the entries live has and desired
// lacks (compared in canonical form): the first step of a two-phase
// update, which authorizes without revoking anything.
func (t *Type) Widen(desired, live map[string]any) map[string]any {
	out, _ := Copy(desired).(map[string]any)
	for list, entries := range t.Revoked(desired, live) {
		out[list] = append(List(out, list), entries...)
	}
	return out
}

// Revoked returns, for each Grants list, the entries (canonical) that live
// has and desired does not: what the second step of a two-phase update
// removes.
func (t *Type) Revoked(desired, live map[string]any) map[string][]any {
	if len(t.Grants) == 0 {
		return nil
	}
	want, have := t.Canonical(desired), t.Canonical(live)
	out := map[string][]any{}
	for _, list := range t.Grants {
		keep := map[string]bool{}
		for _, e := range List(want, list) {
			keep[Key(e)] = true
		}
		for _, e := range List(have, list) {
			if !keep[Key(e)] {
				out[list] = append(out[list], e)
			}
		}
	}
	return out
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
	// Drain is how long a replaced resource must stay after traffic moved
	// to its replacement before it is deleted, so that connections to its
	// targets finish (a target group's deregistration delay).
	Drain func(props map[string]any) time.Duration
}

// Fallback describes a router's catch-all (a listener's DefaultActions):
// what answers the requests none of its rules (resources of type Rules
// naming it) match. Rules are evaluated before the catch-all, so rules
// created while the old catch-all still answers take requests over
// without a gap. A change of the catch-all that stops serving requests
// the old one served (Narrows: a redirect to HTTPS replaced by a fixed
// 404) must therefore wait until the plan's new rules of that router
// exist, or the requests they are about to take over get the new,
// narrower answer in between.
type Fallback struct {
	// Property holds the catch-all.
	Property string
	// Rules is the type of the router's rules.
	Rules string
	// Narrows reports whether the catch-all after (canonical) serves less
	// than before did.
	Narrows func(before, after any) bool
}

// Routes reports whether typ sends traffic to resources of this kind.
func (h *Handover) Routes(typ string) bool { return slices.Contains(h.Routers, typ) }

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
