package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// CloudFormation property names are, with few exceptions, the SDK's field
// names: the request's properties become SDK input structs, and SDK output
// structs become properties, through JSON (encoding/json matches field
// names case-insensitively). Each handler renames the exceptions and
// converts the values whose types differ (CloudFormation's "256" where
// the API has an integer, a list where it has a comma-separated string).

// toSDK fills the SDK struct out from props. Keys listed in drop are left
// out (Tags, and properties the handler sends with another call).
func toSDK(props map[string]any, out any, drop ...string) error {
	m := maps.Clone(props)
	delete(m, "Tags")
	for _, k := range drop {
		delete(m, k)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// fromSDK turns an SDK struct into a property tree: field names as they
// are (CloudFormation's, mostly), nil and empty values dropped.
func fromSDK(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return map[string]any{}
	}
	out, _ := catalog.Prune(m).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// valueOf converts one SDK value (a struct or a list of them) to a tree.
func valueOf(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return catalog.Prune(out)
}

// keep returns m with only the given keys.
func keep(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}

// rename moves m[from] to m[to].
func rename(m map[string]any, from, to string) {
	if v, ok := m[from]; ok {
		delete(m, from)
		m[to] = v
	}
}

// str returns m[key] as a string ("" when absent); numbers are formatted.
func str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case float64, int, int32, int64, bool:
		s, _ := catalog.Scalar(v)
		return s
	case graph.Sensitive:
		s, _ := v.Value.(string)
		return s
	}
	return ""
}

// num returns a number given as a number or a numeric string.
func num(v any) (float64, bool) {
	switch x := catalog.Copy(v).(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// i32 returns m[key] as an *int32 (nil when absent or not a number).
func i32(m map[string]any, key string) *int32 {
	f, ok := num(m[key])
	if !ok {
		return nil
	}
	n := int32(f)
	return &n
}

// numbersIn rewrites numeric strings at the given keys of m to numbers,
// for SDK integer fields CloudFormation types as strings.
func numbersIn(m map[string]any, keys ...string) {
	for _, k := range keys {
		if f, ok := num(m[k]); ok {
			m[k] = f
		}
	}
}

// strings converts a list property to []string.
func stringList(v any) []string {
	l, _ := catalog.Copy(v).([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := catalog.Scalar(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// plain removes graph.Sensitive wrappers (a request should hold none; a
// test may pass them) and turns Go numbers into float64.
func plain(props map[string]any) map[string]any {
	out, _ := graph.Unwrap(catalog.Copy(props)).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// observed builds an Observed: its address from the gantry:address tag
// (or addr for untaggable types), tags without gantry's bookkeeping.
func observed(typ, id, addr string, props map[string]any, attrs map[string]string, tags map[string]string) *provider.Observed {
	o := &provider.Observed{Type: typ, ID: id, Address: addr, Properties: props, Attributes: attrs}
	if len(tags) > 0 {
		o.Tags = map[string]string{}
		for k, v := range tags {
			if !tagKeyIsOurs(k) {
				o.Tags[k] = v
			}
		}
		if a := tags[graph.TagAddress]; a != "" {
			o.Address = a
		}
	}
	return o
}

// ownedBy reports whether tags name scope's project and environment.
func ownedBy(tags map[string]string, scope provider.Scope) bool {
	return tags[graph.TagProject] == scope.Project && tags[graph.TagEnvironment] == scope.Environment &&
		tags[graph.TagAddress] != ""
}

// adoptable reports whether an existing resource with a request's
// identity is the one an earlier, interrupted create made: it carries the
// scope's ownership tags and the same address.
func adoptable(tags map[string]string, scope provider.Scope, address string) bool {
	return ownedBy(tags, scope) && (address == "" || tags[graph.TagAddress] == address)
}

// tagDiff returns the tags to set and the keys to remove to turn have into
// want. AWS's own tags ("aws:") and gantry's bookkeeping are never removed.
func tagDiff(have, want map[string]string) (set map[string]string, remove []string) {
	set = map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			set[k] = v
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok && !strings.HasPrefix(k, "aws:") && !tagKeyIsOurs(k) {
			remove = append(remove, k)
		}
	}
	return set, remove
}

// childTagPrefix starts the parent's tags that record an untaggable
// child's address (see childTag).
const childTagPrefix = "gantry:child:"

// childTag is the key of the tag on a parent that records the address of
// its untaggable child (a scaling policy on its scalable target, the
// capacity provider associations on their cluster): the child's type and
// identity hashed, so the key fits AWS's 128 characters whatever the name.
func childTag(typ, identity string) string {
	h := sha256.Sum256([]byte(typ + "\x00" + identity))
	return childTagPrefix + hex.EncodeToString(h[:8])
}

// chunks splits ids into batches of at most n.
func chunks(ids []string, n int) [][]string {
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// lastPart returns what follows the last sep in s.
func lastPart(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// equal compares two canonical values (see catalog.Type.Canonical).
func equal(a, b any) bool { return catalog.Equal(a, b) }

// canonical is props in the catalog's canonical form for typ: what the
// planner compares, and so what an update compares to decide which calls
// to make.
func canonical(typ string, props map[string]any) map[string]any {
	return catalog.MustLookup(typ).Canonical(props)
}

// jsonText returns a JSON document given as a string as it is, and one
// given as a tree (or a catalog.Document) marshalled.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case catalog.Document:
		v = x.Value
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// canonicalPair is desired and live in canonical form with the type's
// Reconcile applied: exactly what the planner compares, so an update
// changes what the plan said differs and nothing else.
func canonicalPair(typ string, desired, live map[string]any) (want, have map[string]any) {
	t := catalog.MustLookup(typ)
	want, have = t.Canonical(desired), t.Canonical(live)
	if t.Reconcile != nil {
		t.Reconcile(want, have)
	}
	return want, have
}

// differs reports whether any of keys differs between two canonical trees.
func differs(want, have map[string]any, keys ...string) bool {
	for _, k := range keys {
		if !equal(want[k], have[k]) {
			return true
		}
	}
	return false
}

// stringsIn rewrites numbers at the given keys of m to strings, for SDK
// string fields CloudFormation may give as numbers (ports, status codes).
func stringsIn(m map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			if s, ok := catalog.Scalar(v); ok {
				m[k] = s
			}
		}
	}
}

// keyValues turns a canonical [{Key, Value}] list into a map.
func keyValues(l any) map[string]string {
	out := map[string]string{}
	list, _ := l.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		k, _ := catalog.Scalar(m["Key"])
		v, _ := catalog.Scalar(m["Value"])
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// sortedKeys returns m's keys in order, for requests that do not depend on
// map iteration order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
