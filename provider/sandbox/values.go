package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/graph"
)

// Property trees in the sandbox are plain JSON values: map[string]any,
// []any, string, float64, bool and nil. These helpers read and build them.

// plainProps turns request properties into a plain JSON tree, unwrapping
// graph.Sensitive values and refusing unresolved references (a Request
// must arrive fully resolved).
func plainProps(p map[string]any) (map[string]any, error) {
	if p == nil {
		return map[string]any{}, nil
	}
	if refs := graph.Refs(p); len(refs) > 0 {
		return nil, fmt.Errorf("unresolved reference %s", refs[0])
	}
	b, err := json.Marshal(graph.Unwrap(p))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// deepCopy copies a plain JSON tree.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return deepCopy(m).(map[string]any)
}

// editableTags returns a copy of tags to add to (never nil).
func editableTags(tags map[string]string) map[string]string {
	if tags == nil {
		return map[string]string{}
	}
	return maps.Clone(tags)
}

// obj returns p[key] as an object, or nil.
func obj(p map[string]any, key string) map[string]any {
	if p == nil {
		return nil
	}
	m, _ := p[key].(map[string]any)
	return m
}

// objDefault returns p[key] as an object, creating it when absent.
func objDefault(p map[string]any, key string) map[string]any {
	if m, ok := p[key].(map[string]any); ok {
		return m
	}
	m := map[string]any{}
	p[key] = m
	return m
}

// list returns p[key] as a list, or nil.
func list(p map[string]any, key string) []any {
	if p == nil {
		return nil
	}
	l, _ := p[key].([]any)
	return l
}

// objs calls f for each object in the list p[key].
func objs(p map[string]any, key string, f func(map[string]any)) {
	for _, e := range list(p, key) {
		if m, ok := e.(map[string]any); ok {
			f(m)
		}
	}
}

// str returns p[key] as a string ("" when absent or not a scalar).
func str(p map[string]any, key string) string {
	if p == nil {
		return ""
	}
	s, _ := scalarString(p[key])
	return s
}

// strList returns the strings of the list p[key].
func strList(p map[string]any, key string) []string {
	var out []string
	for _, e := range list(p, key) {
		if s, ok := scalarString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// num returns p[key] as a number; strings holding numbers count.
func num(p map[string]any, key string) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return toNumber(p[key])
}

func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// boolean returns p[key] as a bool; "true"/"false" strings count.
func boolean(p map[string]any, key string) (bool, bool) {
	if p == nil {
		return false, false
	}
	switch x := p[key].(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(x)
		return b, err == nil
	}
	return false, false
}

// scalarString formats a scalar as AWS would print it.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return formatNumber(x), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// setDefault sets p[key] when it is absent (or null).
func setDefault(p map[string]any, key string, v any) {
	if p == nil {
		return
	}
	if cur, ok := p[key]; !ok || cur == nil {
		p[key] = v
	}
}

// setDefaults applies setDefault for every entry of defs.
func setDefaults(p map[string]any, defs map[string]any) {
	for k, v := range defs {
		setDefault(p, k, deepCopy(v))
	}
}

// asString rewrites p[key] as a string when it is a number or bool, as
// AWS does for properties CloudFormation types as strings.
func asString(p map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := p[k]; ok && v != nil {
			if s, ok := scalarString(v); ok {
				p[k] = s
			}
		}
	}
}

// asNumber rewrites p[key] as a number when it is a numeric string.
func asNumber(p map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := p[k]; ok && v != nil {
			if f, ok := toNumber(v); ok {
				p[k] = f
			}
		}
	}
}

// keyValues reads a [{Key, Value}] list as a map, values as strings.
func keyValues(p map[string]any, key string) map[string]string {
	out := map[string]string{}
	objs(p, key, func(o map[string]any) {
		k := str(o, "Key")
		if k != "" {
			out[k] = str(o, "Value")
		}
	})
	return out
}

// keyValueList writes a map as a [{Key, Value}] list, sorted by key.
func keyValueList(m map[string]string) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"Key": k, "Value": m[k]})
	}
	return out
}

// jsonEqual compares two plain trees by their JSON encoding.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// policyText renders a JSON document (given as a string or a tree) the way
// a round trip through AWS returns it: IAM and ECR store the policy as
// text and return it as text (IAM API Reference: GetRole, GetRolePolicy;
// ECR API Reference: GetLifecyclePolicy, GetRepositoryPolicy), the same
// document, not the same bytes — here object keys in reverse order, a
// space after every colon and comma. Anything that does not parse is
// returned unchanged.
func policyText(v any) any {
	var doc any
	switch x := v.(type) {
	case string:
		if err := json.Unmarshal([]byte(x), &doc); err != nil {
			return v
		}
	case map[string]any, []any:
		doc = x
	default:
		return v
	}
	var b strings.Builder
	writeReordered(&b, doc)
	return b.String()
}

func writeReordered(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteString(": ")
			writeReordered(b, x[k])
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeReordered(b, e)
		}
		b.WriteString("]")
	default:
		eb, _ := json.Marshal(x)
		b.Write(eb)
	}
}

// Paths address values inside a property tree for out-of-band edits:
// dot-separated object keys and list indexes, e.g.
// "ContainerDefinitions.0.Image". A key containing a dot is written
// in brackets: "Options[awslogs-group]" or "Tags[a.b]".

// splitPath splits a path into its segments.
func splitPath(path string) ([]string, error) {
	var segs []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			j := strings.IndexByte(path[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", path)
			}
			segs = append(segs, path[i+1:i+j])
			i += j
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	if len(segs) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	return segs, nil
}

// SetPath sets the value at path in the property tree p (see splitPath
// for the path syntax: "ContainerDefinitions.0.Image", "Options[a.b]"),
// creating objects on the way. A list index equal to the list's length
// appends.
func SetPath(p map[string]any, path string, v any) error {
	segs, err := splitPath(path)
	if err != nil {
		return err
	}
	var cur any = p
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[seg] = v
				return nil
			}
			next, ok := c[seg]
			if !ok || next == nil {
				if _, isIdx := strconv.Atoi(segs[i+1]); isIdx == nil {
					next = []any{}
				} else {
					next = map[string]any{}
				}
				c[seg] = next
			}
			if l, ok := next.([]any); ok {
				// Lists are values in maps: write back after growing.
				idx, err := strconv.Atoi(segs[i+1])
				if err == nil && idx == len(l) {
					l = append(l, nil)
					c[seg] = l
					next = l
				}
			}
			cur = next
		case []any:
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx >= len(c) {
				return fmt.Errorf("path %q: no index %s", path, seg)
			}
			if last {
				c[idx] = v
				return nil
			}
			if c[idx] == nil {
				c[idx] = map[string]any{}
			}
			cur = c[idx]
		default:
			return fmt.Errorf("path %q: %s is not an object or list", path, strings.Join(segs[:i], "."))
		}
	}
	return nil
}

// DeletePath removes the value at path in the property tree p (an object
// key or a list element).
func DeletePath(p map[string]any, path string) error {
	segs, err := splitPath(path)
	if err != nil {
		return err
	}
	parent, err := lookupPath(p, segs[:len(segs)-1])
	if err != nil {
		return fmt.Errorf("path %q: %w", path, err)
	}
	last := segs[len(segs)-1]
	switch c := parent.(type) {
	case map[string]any:
		if _, ok := c[last]; !ok {
			return fmt.Errorf("path %q: no such key", path)
		}
		delete(c, last)
		return nil
	case []any:
		idx, err := strconv.Atoi(last)
		if err != nil || idx < 0 || idx >= len(c) {
			return fmt.Errorf("path %q: no index %s", path, last)
		}
		// A list parent is never the top level (p is an object), so
		// there is a grandparent to write the shorter list back to.
		nl := append(append([]any{}, c[:idx]...), c[idx+1:]...)
		gp, _ := lookupPath(p, segs[:len(segs)-2])
		switch g := gp.(type) {
		case map[string]any:
			g[segs[len(segs)-2]] = nl
		case []any:
			i, _ := strconv.Atoi(segs[len(segs)-2])
			g[i] = nl
		}
		return nil
	}
	return fmt.Errorf("path %q: parent is not an object or list", path)
}

func lookupPath(p map[string]any, segs []string) (any, error) {
	var cur any = p
	for _, seg := range segs {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[seg]
			if !ok {
				return nil, fmt.Errorf("no key %s", seg)
			}
			cur = next
		case []any:
			idx, err := strconv.Atoi(seg)
			if err != nil || idx < 0 || idx >= len(c) {
				return nil, fmt.Errorf("no index %s", seg)
			}
			cur = c[idx]
		default:
			return nil, fmt.Errorf("%s is inside a scalar", seg)
		}
	}
	return cur, nil
}

// MergePatch applies an RFC 7386 JSON merge patch to the property tree
// target in place: objects merge recursively, null deletes, anything else
// replaces.
func MergePatch(target, patch map[string]any) {
	for k, v := range patch {
		if v == nil {
			delete(target, k)
			continue
		}
		if pm, ok := v.(map[string]any); ok {
			tm, ok := target[k].(map[string]any)
			if !ok {
				tm = map[string]any{}
				target[k] = tm
			}
			MergePatch(tm, pm)
			continue
		}
		target[k] = deepCopy(v)
	}
}
