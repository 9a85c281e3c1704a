package compiler

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
)

// gnode is an evaluated CUE value read into Go once: the structure of the
// configuration (fields, list elements) and its concrete scalars, with the
// CUE value kept for positions, defaults and unification.
//
// Reading CUE through its Go API is costly; gantry reads each top-level
// definition once and reuses it for every environment, and reads from the
// syntax what the syntax proves (see shapeSet), looking the CUE value up
// only when something asks for it (value).
type gnode struct {
	// v is the value as written (defaults not applied), for unification
	// and positions; nil on a lazy node and on nodes gantry builds (see
	// value).
	v *cue.Value
	// link is, on a lazy node, the struct or list whose field (or
	// element) idx it is; on other nodes, the node whose CUE value this
	// one has (a merged struct has the environment's refinement's), if
	// any. alt is a second source of a merged struct (the top-level
	// definition), for positions.
	link *gnode
	alt  *gnode
	idx  int32
	lazy bool
	// noAttrs marks a scalar read from the syntax: no declaration of it
	// has an attribute.
	noAttrs bool
	// kind is the concrete kind (after defaults) or, when the value is not
	// concrete, its incomplete kind.
	kind     cue.Kind
	concrete bool
	failed   bool // the value is an error (reported by validation)
	// incomplete marks a failed value whose error is only that it is not
	// concrete (an interpolation of a non-concrete value, "r:\(_v)"):
	// validation does not report those; effective does.
	incomplete bool
	// isDefault marks a schema default filled in by gantry: it has no
	// user position.
	isDefault bool
	// private marks a struct built for one environment (merged), which
	// computing its effective value may change in place.
	private bool
	// byDefault marks a value that is concrete only by its own default
	// (*2 | int).
	byDefault bool
	// memo is set on structs, lists and constraints read from the package
	// (readRoot): the same node is the input of every environment that
	// does not refine it, so its effective value is memoised.
	memo *memoCell
	lit  any // string, int64, float64, bool or nil for concrete scalars

	// fields are a struct's fields, in CUE order, or a list's elements
	// (with no names); byName indexes a large struct's.
	fields []gfield
	byName map[string]*gnode

	// pat is the struct's [string] constraint, looked up on first use;
	// nil for structs gantry builds (merged, copied with defaults) and for
	// those the syntax shows have none.
	pat *patternCache

	// accept, for a value that is not concrete (even if it has a
	// default), tests in Go whether a concrete value unifies with it (nil
	// when only CUE can tell).
	accept pred
}

type gfield struct {
	name string
	node *gnode
}

// value is the CUE value of the node as written.
func (n *gnode) value() cue.Value {
	switch {
	case !n.lazy && n.link != nil:
		return n.link.value()
	case !n.lazy && n.v != nil:
		return *n.v
	case !n.lazy:
		return cue.Value{}
	}
	p := n.link.value()
	if p.Kind() == cue.BottomKind {
		p, _ = p.Default()
	}
	if n.link.kind == cue.ListKind {
		return p.LookupPath(cue.MakePath(cue.Index(int(n.idx))))
	}
	return p.LookupPath(cue.MakePath(cue.Str(n.link.fields[n.idx].name)))
}

// keep keeps a CUE value for a node.
func keep(v cue.Value) *cue.Value { return &v }

// valueOrZero is value, or no value for a nil node.
func (n *gnode) valueOrZero() cue.Value {
	if n == nil {
		return cue.Value{}
	}
	return n.value()
}

// dflt is the node's CUE value with its default applied (scalars).
func (n *gnode) dflt() cue.Value {
	d, _ := n.value().Default()
	return d
}

// resolve sets a lazy node's CUE value, while the node is being read (by
// one goroutine; nodes are not changed once read).
func (n *gnode) resolve() cue.Value {
	if n.lazy {
		n.v = keep(n.value())
		n.lazy, n.link = false, nil
	}
	return *n.v
}

// readNode reads v (and everything below it) into a gnode.
func readNode(v cue.Value) *gnode { return readNodeAs(v, false, nil) }

// readNodeAs is readNode; shared nodes (read from the package) get a memo
// cell. ss are the syntax's shapes for the value, nil when they do not
// know it (see shapeSet).
func readNodeAs(v cue.Value, shared bool, ss shapeSet) *gnode {
	n := &gnode{v: keep(v)}
	d, k := v, v.Kind()
	if k == cue.BottomKind {
		// Not concrete: a default may make it so.
		d, _ = v.Default()
		k = d.Kind()
		if k != cue.StructKind && k != cue.ListKind {
			n.accept = ss.accept()
			n.byDefault = k != cue.BottomKind
		}
	}
	if k == cue.BottomKind {
		// Not concrete, or an error.
		n.kind = d.IncompleteKind()
		if n.kind == cue.BottomKind {
			n.failed = true
			n.incomplete = v.Validate() == nil
			return n
		}
		if n.kind != cue.StructKind && n.kind != cue.ListKind {
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
		if names, ok := ss.fields(); ok && readShaped(n, names, shared, ss) {
			if ss.hasPattern() {
				n.pat = &patternCache{}
			}
			n.index()
			return n
		}
		n.pat = &patternCache{}
		it, err := d.Fields()
		if err != nil {
			// An error CUE reports, or a value not concrete yet (a
			// disjunction of structs without a default): that one no
			// one else reports (found by FuzzDifferential).
			n.failed = true
			n.incomplete = v.Validate() == nil
			return n
		}
		for it.Next() {
			n.fields = append(n.fields, gfield{it.Selector().Unquoted(), readNodeAs(it.Value(), shared, nil)})
		}
		n.index()
	case cue.ListKind:
		n.concrete = true
		it, err := d.List()
		if err != nil {
			n.failed = true
			n.incomplete = v.Validate() == nil // as for Fields above
			return n
		}
		for it.Next() {
			n.fields = append(n.fields, gfield{"", readNodeAs(it.Value(), shared, nil)})
		}
	default:
		n.concrete = true
		switch k {
		case cue.StringKind:
			n.lit, _ = d.String()
		case cue.IntKind:
			i, err := d.Int64()
			n.lit = i
			if err != nil {
				// Beyond 64 bits (an alarm threshold of 1e23 written
				// as an integer): the double AWS receives, not the
				// clamped int64 (found by FuzzDifferential's seeds).
				n.lit, _ = d.Float64()
			}
		case cue.FloatKind:
			n.lit, _ = d.Float64()
		case cue.BoolKind:
			n.lit, _ = d.Bool()
		}
	}
	return n
}

// readShaped reads the fields of struct n, whose names the shapes know:
// from the syntax what it proves, the rest from CUE. It reports false (and
// leaves n's fields as they were) if one of them does not exist after all,
// so that the caller lists them with Fields.
func readShaped(n *gnode, names []string, shared bool, ss shapeSet) bool {
	// The names are in place before the values are read: a lazy field's
	// CUE value is found by its name (see value). names is the caller's.
	n.fields = make([]gfield, len(names))
	for i, name := range names {
		n.fields[i].name = name
	}
	slices.SortFunc(n.fields, func(a, b gfield) int { return strings.Compare(a.name, b.name) })
	for i := range n.fields {
		name := n.fields[i].name
		css := ss.child(name)
		if c := syntaxNode(css, n, i, shared); c != nil {
			n.fields[i].node = c
			continue
		}
		p := n.resolve()
		if d, ok := p.Default(); ok && p.Kind() == cue.BottomKind {
			p = d
		}
		v := p.LookupPath(cue.MakePath(cue.Str(name)))
		if !v.Exists() {
			n.fields = nil
			return false
		}
		n.fields[i].node = readNodeAs(v, shared, css)
	}
	return true
}

// syntaxNode builds the node of field (or list element) idx of up from the
// syntax alone, when the shapes prove its value: a literal, a default, a
// list of such, a struct whose fields are known and have no pattern
// constraint. Parts of it the syntax does not prove are read from CUE. It
// returns nil when the syntax does not prove even the node's kind.
func syntaxNode(ss shapeSet, up *gnode, idx int, shared bool) *gnode {
	if lit, ok := ss.literal(); ok {
		return &gnode{concrete: true, kind: litKind(lit), lit: lit, link: up, idx: int32(idx), lazy: true, noAttrs: true}
	}
	if lit, accept, ok := ss.defaultLiteral(); ok {
		return &gnode{concrete: true, kind: litKind(lit), lit: lit, accept: accept, byDefault: true,
			link: up, idx: int32(idx), lazy: true, noAttrs: true}
	}
	if elems, ok := ss.list(); ok {
		n := &gnode{concrete: true, kind: cue.ListKind, link: up, idx: int32(idx), lazy: true}
		if shared {
			n.memo = &memoCell{}
		}
		n.fields = make([]gfield, len(elems))
		for i, es := range elems {
			if n.fields[i].node = syntaxNode(es, n, i, shared); n.fields[i].node == nil {
				return nil
			}
		}
		return n
	}
	if names, ok := ss.fields(); ok && !ss.hasPattern() {
		n := &gnode{concrete: true, kind: cue.StructKind, link: up, idx: int32(idx), lazy: true}
		if shared {
			n.memo = &memoCell{}
		}
		if !readShaped(n, names, shared, ss) {
			return nil
		}
		n.index()
		return n
	}
	return nil
}

func litKind(lit any) cue.Kind {
	switch lit.(type) {
	case string:
		return cue.StringKind
	case int64:
		return cue.IntKind
	case float64:
		return cue.FloatKind
	case bool:
		return cue.BoolKind
	}
	return cue.BottomKind
}

// lookupFields looks the named fields of struct d up, in name order (the
// order Fields lists them in, with CUE's sortfields option); it reports
// false if one of them does not exist after all.
func lookupFields(d cue.Value, names []string) ([]string, []cue.Value, bool) {
	names = slices.Clone(names)
	slices.Sort(names)
	vals := make([]cue.Value, len(names))
	for i, name := range names {
		vals[i] = d.LookupPath(cue.MakePath(cue.Str(name)))
		if !vals[i].Exists() {
			return nil, nil, false
		}
	}
	return names, vals, true
}

// elems are a list's elements.
func (n *gnode) elems() []gfield {
	if n == nil || n.kind != cue.ListKind {
		return nil
	}
	return n.fields
}

// structFields are a struct's fields; none for other values.
func (n *gnode) structFields() []gfield {
	if n == nil || n.kind != cue.StructKind {
		return nil
	}
	return n.fields
}

func (n *gnode) index() {
	// Below that, a linear search is as fast as a map and allocates
	// nothing (an effective service has about 20 fields).
	if n.kind == cue.StructKind && len(n.fields) > 32 {
		n.byName = make(map[string]*gnode, len(n.fields))
		for _, f := range n.fields {
			n.byName[f.name] = f.node
		}
	}
}

// field returns the named field of a struct node, or nil.
func (n *gnode) field(name string) *gnode {
	if n == nil || n.kind != cue.StructKind {
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
			if err != nil || i < 0 || i >= len(n.fields) {
				return nil
			}
			n = n.fields[i].node
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
		n.pat.v = n.value().LookupPath(cue.MakePath(cue.AnyString))
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
