package compiler

import (
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// Shapes: which regular fields a struct of the evaluated configuration has,
// and which values, known from the syntax alone, so that reading the
// configuration needs few calls into CUE's Go API: cue.Value.Fields orders
// a struct's fields topologically on every call, and every lookup
// allocates an evaluation context (docs/benchmarks.md, validate).
//
// A struct's fields are known when every declaration that can give it
// fields is a struct literal with static labels at a static path, or under
// a pattern constraint that matches every label ([_] or [string]). Anything
// else that could contribute fields — a reference, an embedding of one, a
// disjunction or call whose value could be a struct, an optional or
// required field, a value besides the struct literal — makes that struct
// and everything below it unknown; a dynamic label, a comprehension, a
// pattern with a narrower label or a builtin's name declared at the file
// level makes every struct unknown. A field's value is known when the
// values written for it prove it (literal, defaultLiteral, list). What is
// unknown is read from CUE, which stays the authority: when a proof fails,
// CUE decides, and writes any message.

// shapeNode is what the syntax declares at one path: a trie over labels,
// where "*" is a match-all pattern's label.
type shapeNode struct {
	kids   []shapeKid            // the fields declared under this path, "*" for a pattern's
	byName map[string]*shapeNode // kids, indexed once there are many
	// exprs are the other values written at this path (scalars, bounds,
	// disjunctions, list literals).
	exprs []ast.Expr
	// elems are the shapes of the elements of the list literal written
	// at this path.
	elems *[]*shapeNode
	// accept is built from exprs on first use (see shapeSet.accept); nil
	// until then.
	accept atomic.Pointer[pred]
	isLit  bool // written as a struct literal somewhere
	opaque bool // some declaration could give it unknown fields
	attrs  bool // some declaration has attributes (@sensitive())
	// listBad is set when more than one list literal, or an open one
	// ([...]), is written at this path.
	listBad bool
}

type shapeKid struct {
	name string
	node *shapeNode
}

const anyLabel = "*"

// shapes is the trie of a configuration; off is set when some declaration
// makes every shape unknowable.
type shapes struct {
	root shapeNode
	off  bool
}

func buildShapes(files []*ast.File) *shapes {
	s := &shapes{}
	s.root.isLit = true // the file level is a struct
	if shadowsBuiltin(files) {
		s.off = true
		return s
	}
	for _, f := range files {
		s.decls(&s.root, f.Decls)
		if s.off {
			break
		}
	}
	return s
}

// shadowsBuiltin reports whether a file declares a field or let named like
// a builtin type at the file level: it would stand for that type in every
// file of the package, where the parser cannot tell (the identifier is
// only resolved within its own file).
func shadowsBuiltin(files []*ast.File) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			var name string
			switch x := d.(type) {
			case *ast.Field:
				if id, ok := x.Label.(*ast.Ident); ok {
					name = id.Name
				}
			case *ast.LetClause:
				name = x.Ident.Name
			}
			if scalarIdents[name] || name == "len" || name == "close" {
				return true
			}
		}
	}
	return false
}

// kid returns the child node for a label, creating it.
func (n *shapeNode) kid(name string) *shapeNode {
	if k := n.lookup(name); k != nil {
		return k
	}
	k := &shapeNode{}
	n.kids = append(n.kids, shapeKid{name, k})
	switch {
	case n.byName != nil:
		n.byName[name] = k
	case len(n.kids) > 16:
		n.byName = make(map[string]*shapeNode, 2*len(n.kids))
		for _, c := range n.kids {
			n.byName[c.name] = c.node
		}
	}
	return k
}

func (n *shapeNode) lookup(name string) *shapeNode {
	if n.byName != nil {
		return n.byName[name]
	}
	for _, c := range n.kids {
		if c.name == name {
			return c.node
		}
	}
	return nil
}

// decls records the fields declared by decls in the struct at n.
func (s *shapes) decls(n *shapeNode, decls []ast.Decl) {
	for _, d := range decls {
		switch x := d.(type) {
		case *ast.Field:
			s.field(n, x)
		case *ast.EmbedDecl:
			s.expr(n, x.Expr)
		case *ast.Comprehension:
			s.off = true
		}
	}
}

func (s *shapes) field(n *shapeNode, x *ast.Field) {
	if isHiddenOrDef(x.Label) {
		// Neither is a regular field; what refers to one is opaque where
		// it is used.
		return
	}
	if l, ok := x.Label.(*ast.ListLit); ok {
		if !matchesAll(l) {
			s.off = true
			return
		}
		k := n.kid(anyLabel)
		if len(x.Attrs) > 0 {
			k.attrs = true
		}
		s.expr(k, x.Value)
		return
	}
	name, ok := staticLabel(x.Label)
	if !ok || name == anyLabel {
		s.off = true // a dynamic label: which field it is is unknown
		return
	}
	if x.Constraint != token.ILLEGAL {
		// name? and name! are not regular fields unless some other
		// declaration makes them so.
		n.opaque = true
	}
	k := n.kid(name)
	if len(x.Attrs) > 0 {
		k.attrs = true
	}
	s.expr(k, x.Value)
}

// matchesAll reports whether a pattern label ([_], [string], [X=_])
// matches every field.
func matchesAll(l *ast.ListLit) bool {
	if len(l.Elts) != 1 {
		return false
	}
	e := l.Elts[0]
	if a, ok := e.(*ast.Alias); ok {
		e = a.Expr
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Node == nil && (id.Name == "_" || id.Name == "string")
}

// expr records the value written at n.
func (s *shapes) expr(n *shapeNode, e ast.Expr) {
	switch x := e.(type) {
	case *ast.StructLit:
		n.isLit = true
		s.decls(n, x.Elts)
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			s.expr(n, x.X)
			s.expr(n, x.Y)
			return
		}
		if !scalarExpr(x) {
			n.opaque = true
		}
		n.exprs = append(n.exprs, e)
	case *ast.ParenExpr:
		s.expr(n, x.X)
	case *ast.ListLit:
		n.exprs = append(n.exprs, e)
		s.listElems(n, x)
	default:
		if !scalarExpr(x) {
			// A reference, a call, a struct in a disjunction: if its value
			// is a struct, its fields are unknown.
			n.opaque = true
		}
		n.exprs = append(n.exprs, e)
	}
}

// scalarExprs are the builtin identifiers that cannot give a struct
// fields.
var scalarIdents = map[string]bool{
	"_": true, "string": true, "bytes": true, "bool": true, "int": true,
	"float": true, "number": true, "null": true, "true": true, "false": true,
	"uint": true, "rune": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"float32": true, "float64": true,
}

// scalarExpr reports whether an expression is built only from literals,
// lists, builtin types and operators: whatever it evaluates to, it gives
// no struct any field.
func scalarExpr(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit, *ast.ListLit, *ast.Interpolation:
		return true
	case *ast.Ident:
		return scalarIdents[x.Name] && x.Node == nil // not a let or field of that name
	case *ast.UnaryExpr:
		return scalarExpr(x.X)
	case *ast.BinaryExpr:
		return scalarExpr(x.X) && scalarExpr(x.Y)
	case *ast.ParenExpr:
		return scalarExpr(x.X)
	}
	return false
}

// shapeSet is the set of trie nodes that apply to one path: the static
// node and those of the patterns that match it. nil means unknown.
type shapeSet []*shapeNode

// rootShapes is the set for the file level; nil when shapes are off.
func (s *shapes) rootShapes() shapeSet {
	if s == nil || s.off {
		return nil
	}
	return shapeSet{&s.root}
}

// fields returns the labels of the struct's regular fields and whether
// they are known.
func (ss shapeSet) fields() ([]string, bool) {
	if len(ss) == 0 {
		return nil, false
	}
	known := false
	for _, n := range ss {
		if n.opaque || !onlyTop(n.exprs) {
			// A value written besides the struct literal ({5} embeds a
			// scalar; a list or a number conflicts): CUE says what it is.
			return nil, false
		}
		known = known || n.isLit
	}
	if !known {
		return nil, false
	}
	var names []string
	for i, n := range ss {
		for _, k := range n.kids {
			if k.name != anyLabel && !declaredIn(ss[:i], k.name) {
				names = append(names, k.name)
			}
		}
	}
	return names, true
}

// onlyTop reports whether exprs are at most _ (top), which changes no
// struct.
func onlyTop(exprs []ast.Expr) bool {
	for _, e := range exprs {
		if id, ok := e.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

// declaredIn reports whether one of the nodes declares field name.
func declaredIn(ss shapeSet, name string) bool {
	for _, n := range ss {
		if n.lookup(name) != nil {
			return true
		}
	}
	return false
}

// child returns the set for field name of the struct; nil when unknown.
func (ss shapeSet) child(name string) shapeSet {
	var out shapeSet
	for _, n := range ss {
		if n.opaque {
			return nil
		}
		if k := n.lookup(name); k != nil {
			out = append(out, k)
		}
		if k := n.lookup(anyLabel); k != nil {
			out = append(out, k)
		}
	}
	return out
}

// hasPattern reports whether a pattern constraint ([_]: ...) applies to
// the fields of the struct.
func (ss shapeSet) hasPattern() bool {
	for _, n := range ss {
		if n.lookup(anyLabel) != nil {
			return true
		}
	}
	return false
}

// accept returns a test that a concrete value unifies with every value
// written at the path (a default, a bound, a type), when the syntax has
// them all and each has a Go equivalent (see pred); nil otherwise.
func (ss shapeSet) accept() pred {
	if len(ss) == 0 {
		return nil
	}
	var ps []pred
	for _, n := range ss {
		if n.opaque || n.isLit {
			return nil
		}
		p := n.accept.Load()
		if p == nil {
			// Environments read in parallel may build it twice; either
			// result is the same.
			built := buildAccept(n.exprs)
			p = &built
			n.accept.Store(p)
		}
		if *p == nil {
			return nil
		}
		ps = append(ps, *p)
	}
	if len(ps) == 1 {
		return ps[0]
	}
	return func(v any) bool {
		for _, p := range ps {
			if !p(v) {
				return false
			}
		}
		return true
	}
}

// userPreds builds preds from user expressions: no definitions to follow.
var userPreds = &predBuilder{}

func buildAccept(exprs []ast.Expr) pred {
	if len(exprs) == 0 {
		return func(any) bool { return true }
	}
	var ps []pred
	for _, e := range exprs {
		p := userPreds.build(e, 0)
		if p == nil {
			return nil
		}
		ps = append(ps, p)
	}
	return func(v any) bool {
		for _, p := range ps {
			if !p(v) {
				return false
			}
		}
		return true
	}
}

// literal returns the value of a field when the syntax alone proves it:
// exactly one literal is written for it (perhaps more than once), every
// other value written for it is a constraint with a Go equivalent that
// allows the literal, and no declaration carries an attribute. Then CUE's
// value is that literal, and reading it needs no call into CUE.
func (ss shapeSet) literal() (any, bool) {
	var lit any
	found, constrained := false, false
	for _, n := range ss {
		if n.opaque || n.isLit || n.attrs {
			return nil, false
		}
		for _, e := range n.exprs {
			b, ok := e.(*ast.BasicLit)
			if !ok {
				constrained = true
				continue
			}
			v, ok := plainLiteral(b)
			if !ok || (found && v != lit) {
				return nil, false
			}
			lit, found = v, true
		}
	}
	if !found {
		return nil, false
	}
	if constrained {
		if acc := ss.accept(); acc == nil || !acc(lit) {
			return nil, false
		}
	}
	return lit, true
}

// plainLiteral is literalValue for the literals whose CUE kind is that of
// the Go value: decimal ints, floats, bools and double-quoted strings (not
// bytes, nor numbers with multipliers or other bases, which it leaves to
// CUE).
func plainLiteral(b *ast.BasicLit) (any, bool) {
	switch b.Kind {
	case token.INT:
		if len(b.Value) > 1 && b.Value[0] == '0' {
			return nil, false
		}
	}
	return literalValue(b)
}

// listElems records the shapes of a list literal's elements.
func (s *shapes) listElems(n *shapeNode, l *ast.ListLit) {
	if n.elems != nil || n.listBad {
		n.listBad = true
		return
	}
	elems := make([]*shapeNode, 0, len(l.Elts))
	n.elems = &elems
	for _, e := range l.Elts {
		if _, ok := e.(*ast.Ellipsis); ok {
			n.listBad = true
			return
		}
		k := &shapeNode{}
		s.expr(k, e)
		elems = append(elems, k)
	}
}

// list returns the shapes of a list's elements when the only value
// written for it is one closed list literal.
func (ss shapeSet) list() ([]shapeSet, bool) {
	var ln *shapeNode
	for _, n := range ss {
		if n.opaque || n.isLit || n.attrs || n.listBad {
			return nil, false
		}
		for _, e := range n.exprs {
			if _, ok := e.(*ast.ListLit); !ok {
				return nil, false
			}
		}
		if n.elems != nil {
			if ln != nil {
				return nil, false
			}
			ln = n
		}
	}
	if ln == nil {
		return nil, false
	}
	out := make([]shapeSet, len(*ln.elems))
	for i, e := range *ln.elems {
		out[i] = shapeSet{e}
	}
	return out, true
}

// defaultLiteral returns the value of a field when the syntax proves it is
// a default: no literal is written for it, exactly one value written for
// it is a disjunction with one default literal (*30 | int), and every value
// written for it (a bound, a type) has a Go equivalent that allows that
// literal. It also returns that test, for unifying the field with an
// environment's value (see gnode.accept).
func (ss shapeSet) defaultLiteral() (any, pred, bool) {
	var def any
	found := false
	for _, n := range ss {
		if n.opaque || n.isLit || n.attrs || n.elems != nil || n.listBad {
			return nil, nil, false
		}
		for _, e := range n.exprs {
			if _, ok := e.(*ast.BasicLit); ok {
				return nil, nil, false
			}
			d, ok, bad := defaultOf(e)
			if bad || (ok && found) {
				return nil, nil, false
			}
			if ok {
				def, found = d, true
			}
		}
	}
	if !found {
		return nil, nil, false
	}
	acc := ss.accept()
	if acc == nil || !acc(def) {
		return nil, nil, false
	}
	return def, acc, true
}

// defaultOf returns the default of a disjunction *lit | ...; bad reports a
// default marker anywhere else (nested, or more than one).
func defaultOf(e ast.Expr) (def any, ok, bad bool) {
	var arms []ast.Expr
	var flatten func(ast.Expr)
	flatten = func(e ast.Expr) {
		switch x := e.(type) {
		case *ast.ParenExpr:
			flatten(x.X)
		case *ast.BinaryExpr:
			if x.Op == token.OR {
				flatten(x.X)
				flatten(x.Y)
				return
			}
			arms = append(arms, e)
		default:
			arms = append(arms, e)
		}
	}
	flatten(e)
	for _, a := range arms {
		if u, isMark := a.(*ast.UnaryExpr); isMark && u.Op == token.MUL && len(arms) > 1 {
			b, isLit := u.X.(*ast.BasicLit)
			v, plain := plainLiteralOf(b, isLit)
			if !plain || ok {
				return nil, false, true
			}
			def, ok = v, true
			continue
		}
		if hasDefaultMark(a) {
			return nil, false, true
		}
	}
	return def, ok, false
}

func plainLiteralOf(b *ast.BasicLit, ok bool) (any, bool) {
	if !ok {
		return nil, false
	}
	return plainLiteral(b)
}

// hasDefaultMark reports whether an expression has a default marker.
func hasDefaultMark(e ast.Expr) bool {
	found := false
	ast.Walk(e, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			found = true
		}
		return !found
	}, nil)
	return found
}
