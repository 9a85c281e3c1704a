package sandbox

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// handler is what the sandbox knows about one resource type: its API
// operations, how it is named and identified, what AWS checks when it is
// written and deleted, and what AWS fills in when it is read.
type handler struct {
	Type string
	// Taggable types carry the ownership tags; the others (scaling
	// policies, capacity provider associations) are owned through
	// record.Owner.
	Taggable bool
	// Global types (IAM) live in the account, not in a region.
	Global bool
	// NameProp is the property holding the resource's name, generated
	// CloudFormation-style from the address when absent; NameMax its
	// length limit; LowerCaseName makes generated names lower case, for
	// APIs that take no upper case.
	NameProp      string
	NameMax       int
	LowerCaseName bool
	// CreateOp, UpdateOp and DeleteOp are the AWS operations that write
	// the resource ("ecs:CreateService").
	CreateOp, UpdateOp, DeleteOp string
	// Reads are the paginated and per-item calls a provider needs to list
	// every owned resource of the type.
	Reads []readCall
	// CreateOnly properties cannot change in place: an Update that
	// changes one fails with NotUpdatable (the planner must replace).
	CreateOnly []string
	// Revisioned types register a new revision on every change.
	Revisioned bool

	// Prepare coerces a request's properties into the shapes AWS stores
	// (numbers where CloudFormation says strings, and back).
	Prepare func(p map[string]any)
	// Key returns the identity that must be unique among live resources
	// of the type ("" for none).
	Key func(c *txc, p map[string]any) (string, error)
	// Duplicate is AWS's error for a second resource with the same key.
	Duplicate func(c *txc, existing *record) *provider.OpError
	// Upsert is what AWS's create does, called outside gantry (the
	// console, CreateUnowned), when the key is taken: most APIs refuse
	// (Duplicate); some answer with the existing resource or change it.
	Upsert upsert
	// NotFound is AWS's error for a resource that does not exist.
	NotFound func(c *txc, id string) *provider.OpError
	// Validate checks a create (old nil) or update against what AWS
	// checks: required properties, referenced resources that must exist.
	Validate func(c *txc, r, old *record) error
	// Create assigns the identifier and attributes of a new resource.
	Create func(c *txc, r *record) error
	// Update carries run-time state from old to r and starts whatever an
	// update starts (a deployment, a launch template version).
	Update func(c *txc, old, r *record) error
	// Read fills in what the API returns beyond what was written:
	// defaults, normalised shapes, set-like lists in another order.
	Read func(c *txc, r *record, p map[string]any)
	// Deployment returns the state of a health-gated resource's newest
	// deployment, which the same read returns (Observed.Deployment).
	Deployment func(c *txc, r *record) *provider.Health
	// Fleet returns the state of a group's instances and newest
	// instance refresh, which the same read returns (Observed.Fleet).
	Fleet func(c *txc, r *record) *provider.Fleet
	// NameRefs lists the resources p names by name rather than by ARN or
	// id, as typed refs ("ecs-cluster:name"); RefName is the typed ref
	// other resources use to name r.
	NameRefs func(p map[string]any) []string
	RefName  func(r *record) string
	// CheckDelete refuses a delete AWS refuses (a resource in use).
	CheckDelete func(c *txc, r *record) error
	// Children are the types AWS deletes with the resource (Cascades)
	// or refuses to delete it for (a rule forwarding to a target group,
	// a service in a cluster), found by their references to it. A
	// gantry delete reads them first and refuses, naming the child,
	// when one is not the deleting scope's (the provider contract,
	// provider.Provider.Delete).
	Children []string
	Cascades bool
	// Delete removes the resource and whatever AWS removes with it; nil
	// removes the record.
	Delete func(c *txc, r *record) error
}

// readCall is one API call a provider makes to list a type: Page items per
// call (sequential pages), or one call per item when PerItem.
type readCall struct {
	Op      string
	Page    int
	PerItem bool
}

// upsert is what a type's create API does when its key is taken.
type upsert int

const (
	// upsertNone: the API refuses with the type's Duplicate error.
	upsertNone upsert = iota
	// upsertReturn: the API answers with the existing resource, unchanged
	// (CreateCluster).
	upsertReturn
	// upsertReplace: the request replaces the existing configuration,
	// tags aside (PutMetricAlarm, PutScalingPolicy,
	// PutClusterCapacityProviders).
	upsertReplace
	// upsertMerge: the request changes the parameters it names and leaves
	// the others (RegisterScalableTarget).
	upsertMerge
	// upsertSameSettings: the API answers with the existing resource when
	// the request has its settings, else refuses (ELB's idempotent
	// CreateLoadBalancer, CreateTargetGroup, CreateListener).
	upsertSameSettings
)

var handlers = map[string]*handler{}

// register adds a handler at init. Its type must be one the catalog
// registers: the catalog is the one list of types, and a handler for a
// type it does not know is a typo or a type removed half-way.
func register(h *handler) {
	if _, ok := catalog.Lookup(h.Type); !ok {
		panic("sandbox: handler for a type the catalog does not register: " + h.Type)
	}
	if _, dup := handlers[h.Type]; dup {
		panic("sandbox: duplicate handler " + h.Type)
	}
	handlers[h.Type] = h
}

// Types lists the resource types the sandbox implements.
func Types() []string {
	out := make([]string, 0, len(handlers))
	for t := range handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func handlerFor(typ, op string) (*handler, error) {
	h := handlers[typ]
	if h == nil {
		return nil, &provider.OpError{Type: typ, Operation: op, Code: "UnsupportedResourceType",
			Message: fmt.Sprintf("the sandbox does not implement %s", typ)}
	}
	return h, nil
}

// props turns request properties into the plain tree the type stores
// (see plainProps), coerced by Prepare.
func (h *handler) props(p map[string]any) (map[string]any, error) {
	out, err := plainProps(p)
	if err != nil {
		return nil, err
	}
	if h.Prepare != nil {
		h.Prepare(out)
	}
	return out, nil
}

// nameKey is the Key of types identified by their name property alone.
func nameKey(prop string) func(c *txc, p map[string]any) (string, error) {
	return func(c *txc, p map[string]any) (string, error) {
		n := str(p, prop)
		if n == "" {
			return "", c.errorf("ValidationError", "%s is required", prop)
		}
		return n, nil
	}
}

// lowerNameKey is nameKey for names unique regardless of case (IAM).
func lowerNameKey(prop string) func(c *txc, p map[string]any) (string, error) {
	key := nameKey(prop)
	return func(c *txc, p map[string]any) (string, error) {
		n, err := key(c, p)
		return strings.ToLower(n), err
	}
}

// generateName makes a CloudFormation-style physical name for a resource
// created without one (CloudFormation User Guide: Name type: the stack,
// logical id and a random suffix): here the project, environment and
// address, cleaned, and a suffix stable for this scope and address, cut
// to the type's name limit.
func (c *txc) generateName(h *handler, scope provider.Scope, address string) (string, error) {
	b, err := c.newIDs("name/"+h.Type, scope.Project+"/"+scope.Environment+"/"+address)
	if err != nil {
		return "", err
	}
	suffix := b.upper(12)
	var base strings.Builder
	for _, r := range scope.Project + "-" + scope.Environment + "-" + address {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			base.WriteRune(r)
		default:
			base.WriteByte('-')
		}
	}
	max := h.NameMax
	if max <= 0 {
		max = 255
	}
	name := strings.Trim(base.String(), "-")
	if len(name)+1+len(suffix) > max {
		name = strings.TrimRight(name[:max-1-len(suffix)], "-")
	}
	if h.LowerCaseName {
		return strings.ToLower(name + "-" + suffix), nil
	}
	return name + "-" + suffix, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// lastSegment returns what follows the last sep in s.
func lastSegment(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}
