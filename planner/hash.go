package planner

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/gantry-gitops/gantry/catalog"
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
// canonical properties, attributes and tags. Canonical, so reading the
// same state twice (in whatever order AWS lists sets) gives the same
// fingerprint; properties another controller may own (catalog OwnedBy:
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
		tags[k] = v
	}
	return hashString(catalog.Key(map[string]any{
		"type": o.Type, "id": o.ID, "properties": props, "attributes": attrs, "tags": tags,
	}))
}
