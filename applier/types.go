package applier

import (
	"maps"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// What the applier does specially for a type is in the type's catalog
// entry (Deploys, DrainsOnDelete, Data, Handover.Drain); these read it,
// with the zero answer for types that have none of it.

// ImageCountAttribute is the Observed attribute in which a provider may
// report how many images an ECR repository holds. Without it, destroy
// tries the delete, which AWS refuses for a repository that still holds
// images (RepositoryNotEmptyException): the repository is then kept.
const ImageCountAttribute = catalog.ImageCountAttribute

// entry returns the catalog entry of typ, an empty one for an unknown type.
func entry(typ string) *catalog.Type {
	if t, ok := catalog.Lookup(typ); ok {
		return t
	}
	return &catalog.Type{Name: typ}
}

// deployed returns what a health-gated resource's deployment must end up
// running, from its properties ("" = anything).
func deployed(typ string, props map[string]any) string {
	t := entry(typ)
	if t.Deploys == "" {
		return ""
	}
	s, _ := props[t.Deploys].(string)
	return s
}

// drainsOnDelete reports whether a delete of typ returns before the
// resource is gone (an ECS service drains).
func drainsOnDelete(typ string) bool { return entry(typ).DrainsOnDelete }

// drainAfterMove is how long a replaced resource must be left in place
// after traffic moved to its replacement; ok is false for types that
// receive no traffic.
func drainAfterMove(old *provider.Observed) (d time.Duration, ok bool) {
	h := entry(old.Type).Handover
	if h == nil || h.Drain == nil {
		return 0, false
	}
	return h.Drain(old.Properties), true
}

// keepsData reports whether destroy keeps o unless asked to delete data
// too, and why; known is false when only a delete attempt can tell.
func keepsData(o *provider.Observed) (keep, known bool, why string) {
	d := entry(o.Type).Data
	if d == nil {
		return false, true, ""
	}
	return d.Keep(o.Properties, o.Attributes)
}

// refusedForData reports whether err is AWS refusing to delete a
// resource of typ because it still holds data.
func refusedForData(typ string, err error) bool {
	d := entry(typ).Data
	return d != nil && d.RefusedCode != "" && isCode(err, d.RefusedCode)
}

// keptWhy is what the summary says of a resource whose delete AWS refused
// because it holds data.
func keptWhy(o *provider.Observed) string {
	if d := entry(o.Type).Data; d != nil && d.RefusedWhy != "" {
		return d.RefusedWhy
	}
	return "holds data"
}

// emptyOnDelete returns the properties that make a delete of live take
// its data with it (CloudFormation's EmptyOnDelete), nil when the type has
// no such switch.
func emptyOnDelete(live *provider.Observed) map[string]any {
	d := entry(live.Type).Data
	if d == nil || d.EmptyOnDelete == "" {
		return nil
	}
	props := maps.Clone(live.Properties)
	props[d.EmptyOnDelete] = true
	return props
}
