package graph

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Ref is a reference to an attribute of another resource that is known only
// once that resource exists, such as its ARN. In JSON it is
// {"$ref": "<address>", "attribute": "<name>"}.
type Ref struct {
	Address   string `json:"$ref"`
	Attribute string `json:"attribute"`
}

func (r Ref) String() string { return r.Address + "." + r.Attribute }

// Join is a string built from literal parts and references, joined with no
// separator (CloudFormation's Fn::Join with ""). In JSON it is
// {"$join": [part, ...]} where each part is a string or a Ref.
type Join struct {
	Parts []any `json:"$join"`
}

// Sensitive wraps a value that must never be printed: renderers show it
// masked, the diff compares the value inside, and Unwrap removes the
// wrapper before the value is sent to AWS. In JSON it is
// {"$sensitive": value}.
type Sensitive struct {
	Value any `json:"$sensitive"`
}

// Unwrap returns a copy of v with every Sensitive replaced by its value.
func Unwrap(v any) any {
	return walkValue(v, func(x any) (any, bool) {
		if s, ok := x.(Sensitive); ok {
			return Unwrap(s.Value), true
		}
		return nil, false
	})
}

// Resolver returns the value of a reference, and false when it is not known
// yet (the resource is still to be created).
type Resolver func(Ref) (string, bool)

// Resolve returns a copy of v with every Ref and Join replaced by its value.
// Unknown references are left in place; ok is false if any was.
func Resolve(v any, resolve Resolver) (out any, ok bool) {
	ok = true
	out = walkValue(v, func(x any) (any, bool) {
		switch x := x.(type) {
		case Ref:
			if s, found := resolve(x); found {
				return s, true
			}
			ok = false
			return x, true
		case Join:
			var b strings.Builder
			parts := make([]any, len(x.Parts))
			known := true
			for i, p := range x.Parts {
				parts[i] = p
				switch p := p.(type) {
				case string:
					b.WriteString(p)
				case Ref:
					s, found := resolve(p)
					if !found {
						known = false
						continue
					}
					parts[i] = s
					b.WriteString(s)
				}
			}
			if !known {
				ok = false
				return Join{Parts: parts}, true
			}
			return b.String(), true
		}
		return nil, false
	})
	return out, ok
}

// Refs lists the references in v, sorted and without duplicates.
func Refs(v any) []Ref {
	seen := map[Ref]bool{}
	// Read-only walk: Refs runs for every resource in Sort and Check, so it
	// must not rebuild the tree as walkValue does.
	visitRefs(v, func(r Ref) { seen[r] = true })
	out := make([]Ref, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].Attribute < out[j].Attribute
	})
	return out
}

// visitRefs calls f for every Ref in v, those inside Join values included,
// without copying anything.
func visitRefs(v any, f func(Ref)) {
	switch x := v.(type) {
	case Ref:
		f(x)
	case Join:
		for _, p := range x.Parts {
			if r, ok := p.(Ref); ok {
				f(r)
			}
		}
	case map[string]any:
		for _, e := range x {
			visitRefs(e, f)
		}
	case []any:
		for _, e := range x {
			visitRefs(e, f)
		}
	}
}

// WalkStrings calls f for every string in a plain property tree (maps,
// lists, scalars: live properties as a provider reads them), maps in key
// order, so that what f collects comes out the same on every run.
func WalkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			WalkStrings(x[k], f)
		}
	case []any:
		for _, e := range x {
			WalkStrings(e, f)
		}
	}
}

// Rewrite returns a copy of the property tree v in which f has replaced
// the nodes it handles (f returns handled=true); maps and lists it does not
// handle are copied and descended into.
func Rewrite(v any, f func(any) (any, bool)) any { return walkValue(v, f) }

// walkValue rebuilds v, letting f replace any node (f returns handled=true).
func walkValue(v any, f func(any) (any, bool)) any {
	if r, handled := f(v); handled {
		return r
	}
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = walkValue(e, f)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = walkValue(e, f)
		}
		return l
	}
	return v
}

// DecodeValue turns a value decoded by encoding/json into graph form:
// objects of the Ref and Join shapes become Ref and Join values.
func DecodeValue(v any) (any, error) {
	var err error
	out := walkValue(v, func(x any) (any, bool) {
		m, isMap := x.(map[string]any)
		if !isMap {
			return nil, false
		}
		if addr, ok := m["$ref"]; ok {
			r, e := decodeRef(addr, m)
			if e != nil && err == nil {
				err = e
			}
			return r, true
		}
		if inner, ok := m["$sensitive"]; ok && len(m) == 1 {
			return Sensitive{Value: inner}, true
		}
		if parts, ok := m["$join"]; ok {
			list, isList := parts.([]any)
			if !isList || len(m) != 1 {
				if err == nil {
					err = fmt.Errorf("graph: malformed $join %v", m)
				}
				return x, true
			}
			j := Join{Parts: make([]any, len(list))}
			for i, p := range list {
				switch p := p.(type) {
				case string:
					j.Parts[i] = p
				case map[string]any:
					r, e := decodeRef(p["$ref"], p)
					if e != nil && err == nil {
						err = e
					}
					j.Parts[i] = r
				default:
					if err == nil {
						err = fmt.Errorf("graph: malformed $join part %v", p)
					}
				}
			}
			return j, true
		}
		return nil, false
	})
	return out, err
}

func decodeRef(addr any, m map[string]any) (Ref, error) {
	a, ok1 := addr.(string)
	attr, ok2 := m["attribute"].(string)
	if !ok1 || !ok2 || len(m) != 2 {
		return Ref{}, fmt.Errorf("graph: malformed $ref %v", m)
	}
	return Ref{Address: a, Attribute: attr}, nil
}

// UnmarshalJSON decodes a resource, turning reference objects into Ref and
// Join values and numbers into float64.
func (r *Resource) UnmarshalJSON(b []byte) error {
	type plain Resource
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	props, err := DecodeValue(map[string]any(p.Properties))
	if err != nil {
		return fmt.Errorf("%s: %w", p.Address, err)
	}
	if props != nil {
		p.Properties = props.(map[string]any)
	}
	*r = Resource(p)
	return nil
}
