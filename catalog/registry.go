package catalog

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// ParameterPrefix starts a value that names an SSM parameter instead of
// holding a value (CloudFormation's and EC2's "resolve:ssm:NAME"), at the
// paths a type's Resolves lists.
const ParameterPrefix = "resolve:ssm:"

// Refresh describes how a type's running instances follow a change of
// what they are launched from.
type Refresh struct {
	// Properties are the top-level properties whose in-place change (a
	// new launch template version, another instance mix) leaves running
	// instances on the old configuration.
	Properties []string
	// Warmup is how long, in seconds, a new instance warms up before the
	// refresh counts it healthy and moves on, from the resource's
	// properties.
	Warmup func(props map[string]any) int
	// ScaleInProtected and Standby are what a refresh does with instances
	// protected from scale-in and with instances in Standby, as
	// StartInstanceRefresh's RefreshPreferences takes them
	// (ScaleInProtectedInstances: Refresh, Ignore or Wait;
	// StandbyInstances: Terminate, Ignore or Wait). "" leaves AWS's
	// default, Wait: an hour's wait, then a failed refresh.
	ScaleInProtected string
	Standby          string
}

// Triggered reports whether a change of the property at path (dotted,
// "LaunchTemplate.Version") leaves running instances behind.
func (r *Refresh) Triggered(path string) bool {
	for _, p := range r.Properties {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// Parameters returns the names of the SSM parameters props references at
// the type's Resolves paths, sorted, once each.
func (t *Type) Parameters(props map[string]any) []string {
	seen := map[string]bool{}
	for _, p := range t.Resolves {
		walkPath(props, strings.Split(p, "."), func(s string) {
			if name, ok := strings.CutPrefix(s, ParameterPrefix); ok && name != "" {
				seen[name] = true
			}
		})
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResolveParameters returns props with every SSM parameter reference at
// the type's Resolves paths replaced by its value in values; missing
// lists the names values has no value for (left as they are). Only the
// objects and lists on the way to a replaced value are copied: props is
// not changed.
func (t *Type) ResolveParameters(props map[string]any, values map[string]string) (out map[string]any, missing []string) {
	out = props
	for _, p := range t.Resolves {
		v, _ := resolveAt(out, strings.Split(p, "."), values, &missing)
		out, _ = v.(map[string]any)
	}
	return out, missing
}

// resolveAt rewrites the parameter references at path under v, copying
// what it changes; changed reports whether it changed anything.
func resolveAt(v any, path []string, values map[string]string, missing *[]string) (out any, changed bool) {
	switch x := v.(type) {
	case []any:
		var cp []any
		for i, e := range x {
			ne, ch := resolveAt(e, path, values, missing)
			if ch && cp == nil {
				cp = slices.Clone(x)
			}
			if ch {
				cp[i] = ne
			}
		}
		if cp == nil {
			return x, false
		}
		return cp, true
	case map[string]any:
		if len(path) == 0 {
			return x, false
		}
		e, ok := x[path[0]]
		if !ok {
			return x, false
		}
		ne, ch := resolveAt(e, path[1:], values, missing)
		if !ch {
			return x, false
		}
		cp := make(map[string]any, len(x))
		for k, val := range x {
			cp[k] = val
		}
		cp[path[0]] = ne
		return cp, true
	case string:
		name, ok := strings.CutPrefix(x, ParameterPrefix)
		if len(path) != 0 || !ok {
			return x, false
		}
		if val, ok := values[name]; ok {
			return val, true
		}
		*missing = append(*missing, name)
	}
	return v, false
}

// Data describes a type whose deletion destroys data.
type Data struct {
	// Describe says what a live resource holds ("up to 30 days of
	// logs"), "" when it holds nothing: a plan that deletes one says so
	// prominently.
	Describe func(props map[string]any, attrs map[string]string) string
	// Keep reports whether destroy keeps the resource unless asked to
	// delete data too, and why; known is false when only a delete attempt
	// can tell (then RefusedCode says the resource still holds data).
	Keep func(props map[string]any, attrs map[string]string) (keep, known bool, why string)
	// RefusedCode is AWS's error code for a delete refused because the
	// resource still holds data ("" when AWS deletes it regardless);
	// RefusedWhy is what the summary says of a resource kept that way.
	RefusedCode, RefusedWhy string
	// EmptyOnDelete is the property that, set to true, makes a delete
	// take the data with it (CloudFormation's EmptyOnDelete of an ECR
	// repository); "" when a delete always does.
	EmptyOnDelete string
}

// Discovery is how a provider finds the live resources gantry owns of a
// type.
type Discovery int

const (
	// DiscoverByTags: the Resource Groups Tagging API lists the type, so
	// one query by gantry's ownership tags finds every owned resource.
	DiscoverByTags Discovery = iota
	// DiscoverByListing: the Tagging API does not list the type (IAM,
	// Auto Scaling groups): the type's own List or Describe calls find
	// candidates, and their tags are checked one by one.
	DiscoverByListing
	// DiscoverThroughParent: the type takes no tags; its resources are
	// found through the owned resource they belong to (Ownership.Parent).
	DiscoverThroughParent
)

// Ownership says how a resource of a type is known to be gantry's.
type Ownership struct {
	Discovery Discovery
	// Parent, with DiscoverThroughParent, is the type of the resource
	// that owns one of this type (a scaling policy's scalable target).
	Parent string
}

// TagAPI is the shape a type's own AWS API gives its tags.
type TagAPI int

const (
	// TagAPINone: the type takes no tags.
	TagAPINone TagAPI = iota
	// TagAPIKeyValue: a list of {Key, Value} (IAM, EC2, ELBv2, ECR,
	// CloudWatch).
	TagAPIKeyValue
	// TagAPILowerKeyValue: a list of {key, value} (ECS).
	TagAPILowerKeyValue
	// TagAPIMap: a map of key to value (CloudWatch Logs, Application
	// Auto Scaling).
	TagAPIMap
	// TagAPIAutoScaling: a list of {Key, Value, PropagateAtLaunch,
	// ResourceId, ResourceType} (Auto Scaling groups).
	TagAPIAutoScaling
)

// CloudFormation is how a type is written in a CloudFormation template.
type CloudFormation struct {
	// Ref lists the attributes CloudFormation returns through Ref rather
	// than Fn::GetAtt.
	Ref []string
	// Tags is the shape of the type's tag property.
	Tags TagShape
	// TagResourceType is the ResourceType of a TagsSpecifications entry
	// ("launch-template").
	TagResourceType string
}

// TagShape is how a type carries tags in CloudFormation.
type TagShape int

const (
	// TagsNone: no tag property (listeners, listener rules, instance
	// profiles, scalable targets are tagged through their service's
	// tagging API instead).
	TagsNone TagShape = iota
	// TagsList: Tags: [{Key, Value}].
	TagsList
	// TagsPropagate: Tags: [{Key, Value, PropagateAtLaunch}].
	TagsPropagate
	// TagsSpecifications: TagSpecifications: [{ResourceType, Tags}].
	TagsSpecifications
)

var listing struct {
	once sync.Once
	rank map[string]int
	n    int
}

// Rank returns a type's position in listing order (unknown types last):
// by stage, then so that a type comes after the types it references in
// the same stage (a listener after its load balancer, an instance
// profile after its role), then by name. It follows from the entries'
// Stage and References alone; plans list and delete by it.
func Rank(name string) int {
	listing.once.Do(rankTypes)
	if r, ok := listing.rank[name]; ok {
		return r
	}
	return listing.n
}

// rankTypes orders every type: Kahn's algorithm over the references
// between types of one stage (a type referencing itself, as security
// groups do, is no edge), picking the lowest stage and then the lowest
// name among the types whose references are all placed.
func rankTypes() {
	all := All()
	waits := map[string]map[string]bool{}
	for _, t := range all {
		waits[t.Name] = map[string]bool{}
		for _, r := range t.References {
			if u, ok := types[r.Type]; ok && u.Stage == t.Stage && u.Name != t.Name {
				waits[t.Name][u.Name] = true
			}
		}
	}
	listing.rank = make(map[string]int, len(all))
	for len(listing.rank) < len(all) {
		next := pickReady(all, waits)
		listing.rank[next.Name] = len(listing.rank)
		for _, w := range waits {
			delete(w, next.Name)
		}
	}
	listing.n = len(all)
}

// pickReady returns, among the unplaced types of the lowest stage, the
// first by name with nothing left to wait for; in a cycle of references
// (none today) the first by name.
func pickReady(all []*Type, waits map[string]map[string]bool) *Type {
	var stage []*Type
	for _, t := range all {
		if _, placed := listing.rank[t.Name]; placed {
			continue
		}
		if len(stage) > 0 && t.Stage > stage[0].Stage {
			continue
		}
		if len(stage) > 0 && t.Stage < stage[0].Stage {
			stage = stage[:0]
		}
		stage = append(stage, t)
	}
	for _, t := range stage {
		if len(waits[t.Name]) == 0 {
			return t
		}
	}
	return stage[0]
}

// Names returns the names of every registered type, sorted.
func Names() []string {
	out := make([]string, 0, len(types))
	for n := range types {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
