package planner

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// unknown is a desired value that only apply will know: an attribute of a
// resource being created or replaced, or a new task definition revision.
// It never equals a live value, so whatever holds it shows as a change.
type unknown struct{ text string }

func (u unknown) MarshalJSON() ([]byte, error) { return json.Marshal(u.text) }

// identityFields are the fields that identify an element of a list of
// objects (environment variables by Name, attributes by Key, ...), in the
// order they are tried. Such lists are compared element by element, so a
// diff names the element ("Environment[LOG_LEVEL].Value") instead of
// showing the whole list twice.
var identityFields = []string{"Name", "Key", "Field", "PolicyName", "CapacityProvider",
	"DeviceName", "ResourceType", "ScheduledActionName", "Namespace", "Hostname",
	"ContainerName", "Order"}

// propertyDiffer compares the properties of one resource, two canonical
// property trees (catalog.Type.Canonical), and collects the differences
// (diffProps). planBuilder uses it for each resource it plans.
type propertyDiffer struct {
	maybeSensitive map[string]bool
	// sensitiveNames are the names of the list elements (environment
	// variables) whose value at a MaybeSensitive path the desired side
	// marks sensitive, in any of the resource's containers.
	sensitiveNames map[string]bool
	out            []PropertyDiff
}

// diffProps returns the differences between live (before) and desired
// (after), sorted by path.
func diffProps(t *catalog.Type, live, desired map[string]any) []PropertyDiff {
	d := &propertyDiffer{maybeSensitive: map[string]bool{}, sensitiveNames: map[string]bool{}}
	for _, s := range t.MaybeSensitive {
		d.maybeSensitive[s] = true
	}
	if len(d.maybeSensitive) > 0 {
		d.collectSensitive(desired, "")
	}
	d.diffMaps("", "", live, desired)
	return d.out
}

func (d *propertyDiffer) diff(path, shape string, before, after any) {
	if catalog.Equal(before, after) {
		if _, ok := after.(unknown); !ok {
			return
		}
	}
	bm, bIsMap := before.(map[string]any)
	am, aIsMap := after.(map[string]any)
	if bIsMap && aIsMap {
		d.diffMaps(path, shape, bm, am)
		return
	}
	bl, bIsList := before.([]any)
	al, aIsList := after.([]any)
	if bIsList && aIsList {
		if field := listIdentity(bl, al); field != "" {
			d.diffKeyed(path, shape, field, bl, al)
			return
		}
	}
	d.leaf(path, shape, before, after)
}

// unionKeys returns the keys of a and b, once each, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (d *propertyDiffer) diffMaps(path, shape string, before, after map[string]any) {
	for _, k := range unionKeys(before, after) {
		d.diff(join(path, k), join(shape, k), before[k], after[k])
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// listIdentity returns the field that identifies every element of both
// lists uniquely, or "".
func listIdentity(a, b []any) string {
	for _, f := range identityFields {
		if identifiedBy(a, f) && identifiedBy(b, f) {
			return f
		}
	}
	return ""
}

func identifiedBy(l []any, field string) bool {
	seen := map[string]bool{}
	for _, e := range l {
		o, ok := e.(map[string]any)
		if !ok {
			return false
		}
		k, ok := elemKey(o, field)
		if !ok || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func elemKey(o map[string]any, field string) (string, bool) {
	switch v := graph.Unwrap(o[field]).(type) {
	case string:
		return v, true
	case float64:
		return catalog.FormatNumber(v), true
	}
	return "", false
}

func (d *propertyDiffer) diffKeyed(path, shape, field string, before, after []any) {
	bIdx := map[string]any{}
	var keys []string
	for _, e := range before {
		k, _ := elemKey(e.(map[string]any), field)
		bIdx[k] = e
		keys = append(keys, k)
	}
	aIdx := map[string]any{}
	for _, e := range after {
		k, _ := elemKey(e.(map[string]any), field)
		aIdx[k] = e
		if _, ok := bIdx[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := path + "[" + k + "]"
		b, a := bIdx[k], aIdx[k]
		if b != nil && a != nil {
			d.diff(p, shape, b, a)
			continue
		}
		d.leaf(p, shape, b, a)
	}
}

func (d *propertyDiffer) leaf(path, shape string, before, after any) {
	pd := PropertyDiff{Path: path}
	afterSensitive := hasSensitive(after)
	switch {
	case before == nil:
	case afterSensitive && isScalar(graph.Unwrap(after)):
		pd.Before = Masked
	case after == nil || afterSensitive:
		pd.Before = plain(d.maskLive(before, shape, lastKey(path)))
	default:
		pd.Before = plain(before)
	}
	if after != nil {
		pd.After = plain(after)
	}
	d.out = append(d.out, pd)
}

// maskLive masks, in a live value, what sits at a MaybeSensitive path and
// may have been marked sensitive: the live side carries no mark. name is
// the name of the element holding v ("" when unknown), for a value
// reached directly.
//
// A value is masked when the configuration marks a variable of that name
// sensitive (in any container of the resource), when its name says it
// holds a secret (secretLike), or when it has no name to go by. A
// variable removed from the configuration altogether has no mark left,
// so a plain one (FEATURE_X) is shown with its value, as every other
// removed setting is; see docs/plan.md, "Sensitive values and secrets".
func (d *propertyDiffer) maskLive(v any, shape, name string) any {
	if d.maybeSensitive[shape] && v != nil && d.mayBeSecret(name) {
		return Masked
	}
	switch x := v.(type) {
	case map[string]any:
		own, _ := elemKey(x, "Name")
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = d.maskLive(e, join(shape, k), own)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = d.maskLive(e, shape, "")
		}
		return l
	}
	return v
}

// mayBeSecret reports whether the live value of the element named name
// at a MaybeSensitive path is masked.
func (d *propertyDiffer) mayBeSecret(name string) bool {
	return name == "" || d.sensitiveNames[name] || secretLike(name)
}

// collectSensitive records the names of the elements whose value at a
// MaybeSensitive path is marked sensitive in the desired tree v.
func (d *propertyDiffer) collectSensitive(v any, shape string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if d.maybeSensitive[join(shape, k)] && hasSensitive(e) {
				if name, ok := elemKey(x, "Name"); ok {
					d.sensitiveNames[name] = true
				}
			}
			d.collectSensitive(e, join(shape, k))
		}
	case []any:
		for _, e := range x {
			d.collectSensitive(e, shape)
		}
	}
}

// secretWords are the words of a variable name that say it holds a
// secret (API_TOKEN, DB_PASSWORD, STRIPE_SECRET_KEY).
var secretWords = []string{"PASSWORD", "PASSWD", "PWD", "PASS", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN",
	"KEY", "APIKEY", "PRIVATE", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "CERT", "DSN", "SALT",
	"SIGNATURE", "COOKIE", "SESSION"}

// secretLike reports whether a variable name says it holds a secret: one
// of its words (split at anything but letters and digits) is a
// secretWord, or it contains PASSWORD, SECRET or TOKEN (APITOKEN).
func secretLike(name string) bool {
	up := strings.ToUpper(name)
	for _, s := range []string{"PASSWORD", "SECRET", "TOKEN"} {
		if strings.Contains(up, s) {
			return true
		}
	}
	words := strings.FieldsFunc(up, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') })
	for _, w := range words {
		for _, s := range secretWords {
			if w == s {
				return true
			}
		}
	}
	return false
}

// lastKey returns the key of the last keyed element in a diff path
// ("Environment[TOKEN].Value" → "TOKEN"), "" when there is none.
func lastKey(path string) string {
	i := strings.LastIndex(path, "[")
	j := strings.LastIndex(path, "]")
	if i < 0 || j < i {
		return ""
	}
	return path[i+1 : j]
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func hasSensitive(v any) bool {
	switch x := v.(type) {
	case graph.Sensitive:
		return true
	case map[string]any:
		for _, e := range x {
			if hasSensitive(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasSensitive(e) {
				return true
			}
		}
	}
	return false
}

// plain turns a canonical value into what a plan holds: plain JSON values,
// sensitive values replaced by Masked, documents by their value, unknowns
// by their placeholder text.
func plain(v any) any { return graph.Rewrite(v, plainNode) }

// plainNode is plain for the nodes that are not maps or lists.
func plainNode(v any) (any, bool) {
	switch x := v.(type) {
	case graph.Sensitive:
		return Masked, true
	case catalog.Document:
		return plain(x.Value), true
	case unknown:
		return x.text, true
	case graph.Ref, graph.Join:
		return KnownAfterApply, true
	}
	return nil, false
}

// lookup returns the value at a dotted path of object keys, or nil.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = o[k]
	}
	return cur
}

// under reports whether path is prop or something inside it.
func under(path, prop string) bool {
	return path == prop || strings.HasPrefix(path, prop+".") || strings.HasPrefix(path, prop+"[")
}

// topLevel returns the property name a diff path starts with.
func topLevel(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// tagsOnly reports whether every difference is a tag ("Tags[key]"): a
// change AWS makes with TagResource/UntagResource, in place, whatever the
// type (a task definition's tags are not part of its revision).
func tagsOnly(diffs []PropertyDiff) bool {
	for _, df := range diffs {
		if !strings.HasPrefix(df.Path, "Tags[") {
			return false
		}
	}
	return len(diffs) > 0
}

// RegistersRevision reports whether the change registers a new revision
// of a revisioned type (catalog.Type.Revisioned, task definitions): an
// update of anything but its tags. A tags-only update is made in place
// (TagResource, UntagResource); the revision keeps its ARN, and what
// references it is not redeployed.
func (c *Change) RegistersRevision() bool {
	if c.Action != Update {
		return false
	}
	t, ok := catalog.Lookup(c.Type)
	return ok && t.Revisioned && !tagsOnly(c.Diffs)
}

// supersededRevisions returns a deletion for each live revision that a
// change in changes supersedes (Change.RegistersRevision): apply
// deregisters it after the deployments that moved off it (the deletions
// phase), so the plan counts and shows it, at ADDRESS#REVISION like the
// older revisions it lists. A revision something outside the
// environment runs (provider.Observed.UsedBy) is left alone, as apply
// leaves it.
func (d *planBuilder) supersededRevisions(changes []*Change) []*Change {
	var out []*Change
	for _, c := range changes {
		if !c.RegistersRevision() {
			continue
		}
		o := d.live[c.Address]
		if o == nil || o.ID == "" || d.usedOutside(o) {
			continue
		}
		rev := o.ID
		if i := strings.LastIndex(rev, ":"); i >= 0 {
			rev = rev[i+1:]
		}
		out = append(out, &Change{
			Address: c.Address + "#" + rev, Type: o.Type, Action: Delete, Stage: c.Stage,
			Cause:  CauseRemoved,
			Reason: "revision superseded by the new one, deregistered after the services moved off it",
			Impact: ImpactDelete, LiveID: o.ID, Fingerprint: c.Fingerprint,
		})
	}
	return out
}

// usedOutside reports whether something that is not one of scope's live
// resources runs o.
func (d *planBuilder) usedOutside(o *provider.Observed) bool {
	for _, id := range o.UsedBy {
		if d.liveByID(id) == nil {
			return true
		}
	}
	return false
}
