package compiler

import (
	"strconv"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
)

// gnode is an evaluated CUE value read into Go once: the structure of the
// configuration (fields, list elements) and its concrete scalars, with the
// CUE value kept for positions, defaults and unification.
//
// Reading CUE through its Go API is costly; gantry reads each top-level
// definition once and reuses it for every environment.
type gnode struct {
	// v is the value as written (defaults not applied), for unification
	// and positions; d is its default (scalars only).
	v cue.Value
	d cue.Value
	// alt is a second source of a merged struct (the top-level definition
	// when v is the environment's refinement), for positions.
	alt    cue.Value
	hasAlt bool
	// kind is the concrete kind (after defaults) or, when the value is not
	// concrete, its incomplete kind.
	kind     cue.Kind
	concrete bool
	failed   bool // the value is an error (reported by validation)
	// isDefault marks a schema default filled in by gantry: it has no
	// user position.
	isDefault bool
	// memo is set on structs, lists and constraints read from the package
	// (readRoot): the same node is the input of every environment that
	// does not refine it, so its effective value is memoised.
	memo *memoCell
	lit  any // string, int64, float64, bool or nil for concrete scalars

	fields []gfield // structs, in CUE order
	byName map[string]*gnode
	list   []*gnode

	// pat is the struct's [string] constraint, looked up on first use;
	// nil for structs gantry builds (merged, copied with defaults).
	pat *patternCache
}

type gfield struct {
	name string
	node *gnode
}

// readNode reads v (and everything below it) into a gnode.
func readNode(v cue.Value) *gnode { return readNodeAs(v, false) }

// readNodeAs is readNode; shared nodes (read from the package) get a memo
// cell.
func readNodeAs(v cue.Value, shared bool) *gnode {
	n := &gnode{v: v}
	d, k := v, v.Kind()
	if k == cue.BottomKind {
		// Not concrete: a default may make it so.
		d, _ = v.Default()
		k = d.Kind()
	}
	if k == cue.BottomKind {
		// Not concrete, or an error.
		n.kind = d.IncompleteKind()
		if n.kind == cue.BottomKind {
			n.failed = true
			return n
		}
		if n.kind != cue.StructKind && n.kind != cue.ListKind {
			n.d = d
			if shared {
				n.memo = &memoCell{}
			}
			return n
		}
		k = n.kind
	}
	n.kind = k
	if shared && (k == cue.StructKind || k == cue.ListKind) {
		n.memo = &memoCell{}
	}
	switch k {
	case cue.StructKind:
		n.concrete = true
		n.pat = &patternCache{}
		it, err := d.Fields()
		if err != nil {
			n.failed = true
			return n
		}
		for it.Next() {
			n.fields = append(n.fields, gfield{it.Selector().Unquoted(), readNodeAs(it.Value(), shared)})
		}
		n.index()
	case cue.ListKind:
		n.concrete = true
		it, err := d.List()
		if err != nil {
			n.failed = true
			return n
		}
		for it.Next() {
			n.list = append(n.list, readNodeAs(it.Value(), shared))
		}
	default:
		n.d = d
		n.concrete = true
		switch k {
		case cue.StringKind:
			n.lit, _ = d.String()
		case cue.IntKind:
			n.lit, _ = d.Int64()
		case cue.FloatKind:
			n.lit, _ = d.Float64()
		case cue.BoolKind:
			n.lit, _ = d.Bool()
		}
	}
	return n
}

func (n *gnode) index() {
	// Below that, a linear search is as fast as a map and allocates
	// nothing (an effective service has about 20 fields).
	if len(n.fields) > 32 {
		n.byName = make(map[string]*gnode, len(n.fields))
		for _, f := range n.fields {
			n.byName[f.name] = f.node
		}
	}
}

// field returns the named field of a struct node, or nil.
func (n *gnode) field(name string) *gnode {
	if n == nil {
		return nil
	}
	if n.byName != nil {
		return n.byName[name]
	}
	for _, f := range n.fields {
		if f.name == name {
			return f.node
		}
	}
	return nil
}

// path returns the node at a path below n, or nil.
func (n *gnode) path(p ...string) *gnode {
	for _, s := range p {
		if n != nil && n.kind == cue.ListKind {
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(n.list) {
				return nil
			}
			n = n.list[i]
			continue
		}
		n = n.field(s)
		if n == nil {
			return nil
		}
	}
	return n
}

// patternValue returns the struct's pattern constraint ([string]: X), if
// it has one.
func (n *gnode) patternValue() (cue.Value, bool) {
	if n.pat == nil {
		return cue.Value{}, false
	}
	// Looked up on first use (most structs are never asked), once: nodes
	// read from the package are shared by environments merged in parallel.
	n.pat.once.Do(func() {
		n.pat.v = n.v.LookupPath(cue.MakePath(cue.AnyString))
		n.pat.ok = n.pat.v.Exists()
	})
	return n.pat.v, n.pat.ok
}

// memoCell holds the memoised effective value of a shared node; it is set
// by whichever environment computes it first.
type memoCell struct {
	p atomic.Pointer[effMemo]
}

// patternCache holds a struct's pattern constraint, looked up once.
type patternCache struct {
	once sync.Once
	v    cue.Value
	ok   bool
}

func (n *gnode) str() string {
	if s, ok := n.lit.(string); ok {
		return s
	}
	return ""
}

func (n *gnode) int() int {
	switch x := n.lit.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}

func (n *gnode) float() float64 {
	switch x := n.lit.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func (n *gnode) bool() bool {
	b, _ := n.lit.(bool)
	return b
}

// appendPath returns p with s appended, never sharing p's array.
func appendPath(p []string, s string) []string {
	return append(p[:len(p):len(p)], s)
}

// rootPath starts a logical path for the recursive walks, with room for
// childPath to append to without allocating.
func rootPath(elems ...string) []string {
	p := make([]string, len(elems), len(elems)+14)
	copy(p, elems)
	return p
}

// childPath returns p with s appended, reusing p's spare capacity: for the
// recursive walks, where a child's path is only used until the walk
// returns (anything kept is copied: pathKey, formatPath). Siblings share
// the slot; that is what makes it cheap.
func childPath(p []string, s string) []string {
	return append(p, s)
}
