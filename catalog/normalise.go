package catalog

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/graph"
)

// This file holds the canonicalisation machinery every type's Normalise is
// built from. A canonical tree is plain JSON-like data (map[string]any,
// []any, string, float64, bool) in which:
//   - every number is a float64, whatever Go type or JSON string it came as
//     where CloudFormation uses numbers;
//   - empty values (nil, "", empty lists and maps) are absent, because AWS
//     treats "not given" and "given empty" alike and reads back either;
//   - set-like lists are sorted and deduplicated;
//   - JSON documents (IAM policies, lifecycle policies) are parsed into a
//     Document so they compare by meaning, not by formatting.
// Two opaque kinds of value pass through untouched: graph.Sensitive (the
// diff compares the value inside, renderers mask it) and whatever the
// planner uses for values not known before apply.

// Canonical returns the canonical copy of props for a resource of type t:
// numbers as float64, the type's Ignore properties and Tags removed (tags
// are compared apart), Normalise applied and empty values pruned. props is
// not modified.
func (t *Type) Canonical(props map[string]any) map[string]any {
	m, _ := Copy(props).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	delete(m, "Tags")
	for _, k := range t.Ignore {
		delete(m, k)
	}
	if t.Normalise != nil {
		t.Normalise(m)
	}
	out, _ := Prune(m).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// Copy deep-copies a JSON-like tree, turning every Go number into float64.
// Values of other types (graph.Sensitive, Document, planner placeholders)
// are kept as they are; a Sensitive's inner value is copied too.
func Copy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = Copy(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = Copy(e)
		}
		return l
	case []string:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = e
		}
		return l
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = e
		}
		return m
	case graph.Sensitive:
		return graph.Sensitive{Value: Copy(v.Value)}
	case int:
		return float64(v)
	case int8:
		return float64(v)
	case int16:
		return float64(v)
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	case uint:
		return float64(v)
	case uint8:
		return float64(v)
	case uint16:
		return float64(v)
	case uint32:
		return float64(v)
	case uint64:
		return float64(v)
	case float32:
		return float64(v)
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	}
	return v
}

// Prune removes nil values, empty strings, and lists and maps that are
// empty (or become empty once pruned), recursively.
func Prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := Prune(e)
			if isEmpty(p) {
				delete(v, k)
				continue
			}
			v[k] = p
		}
		return v
	case []any:
		out := v[:0]
		for _, e := range v {
			p := Prune(e)
			if isEmpty(p) {
				continue
			}
			out = append(out, p)
		}
		return out
	case graph.Sensitive:
		return graph.Sensitive{Value: Prune(v.Value)}
	case Document:
		return Document{Value: Prune(v.Value)}
	}
	return v
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// Document is a parsed JSON document (an IAM policy, an ECR lifecycle
// policy) inside a property tree. Documents compare by their canonical
// value and are shown whole, as indented JSON, when they differ.
type Document struct {
	Value any
}

// MarshalJSON writes the document's value, so hashes and plan files see
// plain JSON.
func (d Document) MarshalJSON() ([]byte, error) { return json.Marshal(d.Value) }

// Key returns a canonical string for v: its JSON with sorted object keys
// and sensitive wrappers removed. Sets are sorted by it.
func Key(v any) string {
	b, err := json.Marshal(unwrapAll(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// unwrapAll returns a copy of v with documents and sensitive wrappers
// replaced by the value inside, in one walk (Key runs for every element of
// every set on each normalisation). The value inside either wrapper is
// unwrapped of sensitive wrappers only, as unwrapping documents first and
// then sensitive values would.
func unwrapAll(v any) any {
	switch v := v.(type) {
	case Document:
		return graph.Unwrap(v.Value)
	case graph.Sensitive:
		return graph.Unwrap(v.Value)
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = unwrapAll(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = unwrapAll(e)
		}
		return l
	}
	return v
}

// Equal reports whether two canonical values mean the same: sensitive
// wrappers and documents compare by the value inside.
func Equal(a, b any) bool { return Key(a) == Key(b) }

// --- accessors -----------------------------------------------------------

// Obj returns m[key] as an object, or nil.
func Obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// List returns m[key] as a list, or nil.
func List(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// Objs calls f for every object in the list m[key].
func Objs(m map[string]any, key string, f func(map[string]any)) {
	for _, e := range List(m, key) {
		if o, ok := e.(map[string]any); ok {
			f(o)
		}
	}
}

// Default sets m[key] to v when it is absent or empty.
func Default(m map[string]any, key string, v any) {
	if m == nil {
		return
	}
	if isEmpty(m[key]) {
		m[key] = Copy(v)
	}
}

// Defaults applies Default for every entry of defs.
func Defaults(m map[string]any, defs map[string]any) {
	for k, v := range defs {
		Default(m, k, v)
	}
}

// DefaultObj makes sure m[key] is an object (creating it) and returns it.
func DefaultObj(m map[string]any, key string) map[string]any {
	if o := Obj(m, key); o != nil {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}

// --- scalars -------------------------------------------------------------

// Number turns m[key] into a float64 when it is a numeric string ("256").
func Number(m map[string]any, key string) {
	if m == nil {
		return
	}
	if s, ok := m[key].(string); ok {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			m[key] = f
		}
	}
}

// Numbers applies Number to each key.
func Numbers(m map[string]any, keys ...string) {
	for _, k := range keys {
		Number(m, k)
	}
}

// StringNumber turns m[key] into the decimal string CloudFormation uses
// where it types a number as a string (task definition Cpu, Auto Scaling
// group MinSize).
func StringNumber(m map[string]any, key string) {
	if m == nil {
		return
	}
	if f, ok := m[key].(float64); ok {
		m[key] = FormatNumber(f)
	}
}

// StringNumbers applies StringNumber to each key.
func StringNumbers(m map[string]any, keys ...string) {
	for _, k := range keys {
		StringNumber(m, k)
	}
}

// FormatNumber formats f without exponent or trailing zeros.
func FormatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// Scalar returns v's string form when it is a string, number or bool, for
// APIs that take every value as a string (attribute lists).
func Scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return FormatNumber(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// Bool turns "true"/"false" strings at m[key] into booleans.
func Bool(m map[string]any, key string) {
	if m == nil {
		return
	}
	if s, ok := m[key].(string); ok {
		if b, err := strconv.ParseBool(s); err == nil {
			m[key] = b
		}
	}
}

// Upper upper-cases the string at m[key] (enumerations AWS reads back in
// upper case whatever case they were given in).
func Upper(m map[string]any, key string) {
	if s, ok := m[key].(string); ok {
		m[key] = strings.ToUpper(s)
	}
}

// ARNName reduces an ARN at m[key] of the form
// arn:partition:service:region:account:<kind>/<name> to <name>, so a
// property given as a name and read back as an ARN (an ECS cluster) or
// the other way round compares equal.
func ARNName(m map[string]any, key, kind string) {
	s, ok := m[key].(string)
	if !ok || !strings.HasPrefix(s, "arn:") {
		return
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && strings.HasPrefix(parts[5], kind+"/") {
		m[key] = strings.TrimPrefix(parts[5], kind+"/")
	}
}

// --- lists ---------------------------------------------------------------

// StringList turns a single string at m[key] into a one-element list, the
// way AWS APIs accept either.
func StringList(m map[string]any, key string) {
	if s, ok := m[key].(string); ok {
		m[key] = []any{s}
	}
}

// Set sorts and deduplicates the list at m[key]: order carries no meaning.
func Set(m map[string]any, key string) {
	if l, ok := m[key].([]any); ok {
		m[key] = SortSet(l)
	}
}

// Sets applies Set to each key.
func Sets(m map[string]any, keys ...string) {
	for _, k := range keys {
		Set(m, k)
	}
}

// SortSet sorts l by canonical key and drops duplicates.
func SortSet(l []any) []any {
	type kv struct {
		k string
		v any
	}
	items := make([]kv, 0, len(l))
	for _, v := range l {
		items = append(items, kv{Key(v), v})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].k < items[j].k })
	out := make([]any, 0, len(items))
	for i, it := range items {
		if i > 0 && it.k == items[i-1].k {
			continue
		}
		out = append(out, it.v)
	}
	return out
}

// SetBy sorts the list of objects at m[key] by the string (or number)
// field, then by the whole element, dropping exact duplicates: a set of
// objects identified by field (environment variables by Name).
func SetBy(m map[string]any, key, field string) {
	l, ok := m[key].([]any)
	if !ok {
		return
	}
	l = SortSet(l)
	sort.SliceStable(l, func(i, j int) bool {
		return fieldKey(l[i], field) < fieldKey(l[j], field)
	})
	m[key] = l
}

func fieldKey(v any, field string) string {
	o, _ := v.(map[string]any)
	switch f := graph.Unwrap(o[field]).(type) {
	case string:
		return f
	case float64:
		// Zero-padded so numbers sort numerically as strings.
		return fmt.Sprintf("%020.6f", f)
	}
	return Key(o[field])
}

// KeyValues canonicalises a CloudFormation attribute list ([{Key, Value}],
// values always strings) at m[listKey]: values as strings, defaults filled
// for absent keys, sorted by key.
func KeyValues(m map[string]any, listKey string, defaults map[string]string) {
	l := List(m, listKey)
	seen := map[string]bool{}
	for _, e := range l {
		o, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if s, ok := Scalar(o["Value"]); ok {
			o["Value"] = s
		}
		if k, ok := o["Key"].(string); ok {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !seen[k] {
			l = append(l, map[string]any{"Key": k, "Value": defaults[k]})
		}
	}
	if l == nil {
		return
	}
	m[listKey] = l
	SetBy(m, listKey, "Key")
}

// DropUnlisted removes from live's list at listKey the entries whose
// identifying field value the desired list does not have: for lists that
// AWS returns in full, where keys gantry neither sets nor knows a default
// for are not gantry's business.
func DropUnlisted(desired, live map[string]any, listKey, field string) {
	want := map[string]bool{}
	Objs(desired, listKey, func(o map[string]any) {
		if k, ok := o[field].(string); ok {
			want[k] = true
		}
	})
	l := List(live, listKey)
	if l == nil {
		return
	}
	out := l[:0]
	for _, e := range l {
		o, _ := e.(map[string]any)
		if k, ok := o[field].(string); ok && !want[k] {
			continue
		}
		out = append(out, e)
	}
	live[listKey] = out
}
