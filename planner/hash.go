package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// TagApplied is the tag the applier writes on every resource it creates or
// updates: AppliedHash of what it sent. At plan time, a live resource that
// no longer hashes to it was changed outside gantry (drift); desired
// properties that no longer hash to it are a configuration change. The tag
// itself is never diffed.
const TagApplied = "gantry:applied"

// AppliedHash is the value of the gantry:applied tag for a resource of
// type typ created or updated with props (references resolved, sensitive
// values unwrapped: provider.Request's Properties) and tags: a short hash
// of their canonical form (catalog.Type.Canonical), leaving out the
// properties in exclude (Change.Owned) and the tags that are never diffed.
// The planner hashes the desired and the live side the same way.
func AppliedHash(typ string, props map[string]any, tags map[string]string, exclude []string) string {
	t, ok := catalog.Lookup(typ)
	if !ok {
		return ""
	}
	c := t.Canonical(props)
	for _, k := range exclude {
		delete(c, k)
	}
	var ft map[string]string
	if t.Tagged || tags != nil {
		ft = filterTags(t, tags)
	}
	return hashString(hashForm(c, ft))
}

// AppliedHash is AppliedHash for this change's type and owned properties:
// what the applier writes as the gantry:applied tag.
func (c *Change) AppliedHash(props map[string]any, tags map[string]string) string {
	return AppliedHash(c.Type, props, tags, c.Owned)
}

// causeOf is cause for a resource that differs: want is the desired
// side's hash form; have the live side's canonical properties without the
// properties owned now (owned) and haveTags its filtered tags.
//
// The gantry:applied tag was written under the ownership that held when
// the resource was last created or updated, which may not be today's: a
// service applied while autoscaling owned its DesiredCount, whose scaling
// was removed since without the service itself changing. Hashing live
// under today's ownership would call that drift. So the live side matches
// the tag when it hashes to it under any ownership the type allows
// (catalog.Type.OwnedBy: each combination of owned properties left out):
// what the last apply left, looked at as it looked at it. The desired
// side is hashed under today's ownership only, so a change of ownership
// that changes what gantry sends is a config change.
func causeOf(t *catalog.Type, o *provider.Observed, owned []string, desiredKnown bool, want string,
	have map[string]any, haveTags map[string]string) Cause {
	applied := o.Tags[TagApplied]
	current := hashForm(have, haveTags)
	if applied == "" || hashString(current) == applied {
		return cause(applied, desiredKnown, want, current)
	}
	for _, alt := range ownershipStates(t, o, owned, have) {
		if f := hashForm(alt, haveTags); hashString(f) == applied {
			return cause(applied, desiredKnown, want, f)
		}
	}
	return cause(applied, desiredKnown, want, current)
}

// ownershipStates returns have as it would be under every other
// combination of the type's owned properties: those owned left out,
// the others taken from the live resource.
func ownershipStates(t *catalog.Type, o *provider.Observed, owned []string, have map[string]any) []map[string]any {
	var props []string
	for _, ow := range t.OwnedBy {
		if !slices.Contains(props, ow.Property) {
			props = append(props, ow.Property)
		}
	}
	if len(props) == 0 || len(props) > 8 {
		return nil
	}
	full := t.Canonical(o.Properties)
	var out []map[string]any
	for mask := 0; mask < 1<<len(props); mask++ {
		alt := make(map[string]any, len(have))
		for k, v := range have {
			alt[k] = v
		}
		same := true
		for i, p := range props {
			out := mask&(1<<i) != 0
			if out != slices.Contains(owned, p) {
				same = false
			}
			if out {
				delete(alt, p)
			} else if v, ok := full[p]; ok {
				alt[p] = v
			}
		}
		if !same {
			out = append(out, alt)
		}
	}
	return out
}

func hashForm(props map[string]any, tags map[string]string) string {
	tm := make(map[string]any, len(tags))
	for k, v := range tags {
		tm[k] = v
	}
	return catalog.Key(map[string]any{"properties": props, "tags": tm})
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// Fingerprint is the hash of a live resource as a plan saw it: type, id,
// canonical properties, attributes and tags (the provenance tags left
// out: which commit deployed a resource is not its state). Canonical, so
// reading the same state twice (in whatever order AWS lists sets) gives
// the same fingerprint; properties another controller may own (catalog OwnedBy:
// an autoscaled DesiredCount) are left out, so a scaling event between plan
// and apply does not make a saved plan stale. The applier compares it with
// the fingerprint of what it reads before applying.
func Fingerprint(o *provider.Observed) string {
	props := o.Properties
	if t, ok := catalog.Lookup(o.Type); ok {
		props = t.Canonical(o.Properties)
		for _, ow := range t.OwnedBy {
			delete(props, ow.Property)
		}
	}
	attrs := make(map[string]any, len(o.Attributes))
	for k, v := range o.Attributes {
		attrs[k] = v
	}
	tags := make(map[string]any, len(o.Tags))
	for k, v := range o.Tags {
		if !provenance(k) {
			tags[k] = v
		}
	}
	return hashString(catalog.Key(map[string]any{
		"type": o.Type, "id": o.ID, "properties": props, "attributes": attrs, "tags": tags,
	}))
}

// provenance reports whether a tag key is one of the provenance tags apply
// stamps on what it creates or changes (graph.TagCommit,
// graph.TagRepository): they say which commit deployed a resource, not
// what it should be, so a plan never diffs them, never hashes them into
// gantry:applied, and a saved plan's fingerprints ignore them.
func provenance(key string) bool {
	return key == graph.TagCommit || key == graph.TagRepository
}
