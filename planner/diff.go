package planner

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
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

// differ compares two canonical property trees (catalog.Type.Canonical)
// and collects the differences.
type differ struct {
	maybeSensitive map[string]bool
	out            []PropertyDiff
}

// diffProps returns the differences between live (before) and desired
// (after), sorted by path.
func diffProps(t *catalog.Type, live, desired map[string]any) []PropertyDiff {
	d := &differ{maybeSensitive: map[string]bool{}}
	for _, s := range t.MaybeSensitive {
		d.maybeSensitive[s] = true
	}
	d.diffMaps("", "", live, desired)
	return d.out
}

func (d *differ) diff(path, shape string, before, after any) {
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

func (d *differ) diffMaps(path, shape string, before, after map[string]any) {
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
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

func (d *differ) diffKeyed(path, shape, field string, before, after []any) {
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

func (d *differ) leaf(path, shape string, before, after any) {
	pd := PropertyDiff{Path: path}
	afterSensitive := hasSensitive(after)
	switch {
	case before == nil:
	case afterSensitive && isScalar(graph.Unwrap(after)):
		pd.Before = Masked
	case after == nil || afterSensitive:
		pd.Before = plain(d.maskLive(before, shape))
	default:
		pd.Before = plain(before)
	}
	if after != nil {
		pd.After = plain(after)
	}
	d.out = append(d.out, pd)
}

// maskLive masks, in a live value, whatever sits at a MaybeSensitive path.
func (d *differ) maskLive(v any, shape string) any {
	if d.maybeSensitive[shape] && v != nil {
		return Masked
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = d.maskLive(e, join(shape, k))
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = d.maskLive(e, shape)
		}
		return l
	}
	return v
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
func plain(v any) any {
	switch x := v.(type) {
	case graph.Sensitive:
		return Masked
	case catalog.Document:
		return plain(x.Value)
	case unknown:
		return x.text
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = plain(e)
		}
		return l
	case graph.Ref, graph.Join:
		return KnownAfterApply
	}
	return v
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
