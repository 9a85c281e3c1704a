package compiler

import (
	"math"
	"strconv"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
)

// specKind is the shape a schema value expects.
type specKind int

const (
	specLeaf   specKind = iota // a scalar with constraints
	specStruct                 // a closed struct with named fields
	specMap                    // a struct of [string]: elem
	specList                   // a list of elem
)

// spec is gantry's schema compiled for checking: the shape of each
// definition, with the CUE value of every leaf. Leaf constraints and
// defaults stay CUE's (the schema is the single source of truth); spec
// only knows which fields exist, which are optional, and where maps and
// lists are.
//
// Checking a concrete value against a leaf unifies the two in CUE; results
// are memoised per leaf and value, so a repository with thousands of
// services checks each distinct value once.
type spec struct {
	kind       specKind
	v          cue.Value // the schema value (leaves: constraint and default)
	def        cue.Value // the default, when hasDefault
	defNode    *gnode    // the default, read (shared, never modified)
	hasDefault bool

	fields map[string]*specField // specStruct
	names  []string              // specStruct, schema order
	elem   *spec                 // specMap, specList
	memo   map[string][]string   // leaf: value → error messages
	pred   pred                  // leaf: fast acceptance, may be nil
}

type specField struct {
	optional bool
	spec     *spec
}

// specs are the compiled definitions of one load.
type specs struct {
	config, environment, cluster, loadBalancer, service, repository *spec
}

// compileSpecs compiles the schema's definitions from the evaluated
// package (so that a user's additions to a definition apply too).
func compileSpecs(root cue.Value, schemaFile *ast.File) *specs {
	b := newPredBuilder(schemaFile)
	c := func(name string) *spec {
		return b.compileSpec(root.LookupPath(cue.MakePath(cue.Def(name))), 0)
	}
	return &specs{
		config:       c("#Config"),
		environment:  c("#Environment"),
		cluster:      c("#Cluster"),
		loadBalancer: c("#LoadBalancer"),
		service:      c("#Service"),
		repository:   c("#Repository"),
	}
}

func (b *predBuilder) compileSpec(v cue.Value, depth int) *spec {
	s := &spec{v: v}
	if d, ok := v.Default(); ok && d.IsConcrete() {
		s.def, s.hasDefault = d, true
		s.defNode = readNode(d)
		s.defNode.isDefault = true
	}
	if depth > 12 {
		return s
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		if p := v.LookupPath(cue.MakePath(cue.AnyString)); p.Exists() {
			s.kind = specMap
			s.elem = b.compileSpec(p, depth+1)
			return s
		}
		s.kind = specStruct
		s.fields = map[string]*specField{}
		it, err := v.Fields(cue.Optional(true))
		if err != nil {
			return s
		}
		for it.Next() {
			sel := it.Selector()
			if !sel.IsString() {
				continue
			}
			name := sel.Unquoted()
			s.fields[name] = &specField{
				optional: sel.ConstraintType() == cue.OptionalConstraint,
				spec:     b.compileSpec(it.Value(), depth+1),
			}
			s.names = append(s.names, name)
		}
	case cue.ListKind:
		s.kind = specList
		s.elem = &spec{kind: specLeaf, v: v}
		if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			s.elem = b.compileSpec(e, depth+1)
			break
		}
		// `*["/*"] | [...string]`: the element type is a branch's.
		_, args := v.Expr()
		for i := len(args) - 1; i >= 0; i-- {
			if e := args[i].LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
				s.elem = b.compileSpec(e, depth+1)
				break
			}
		}
	default:
		s.kind = specLeaf
		switch x := v.Source().(type) {
		case *ast.Field:
			s.pred = b.build(x.Value, 0)
		case ast.Expr:
			s.pred = b.build(x, 0)
		}
	}
	return s
}

// checkLeaf checks a concrete value against a leaf of the schema and
// returns CUE's messages (simplified), or nil when it is valid.
func (l *loader) checkLeaf(s *spec, n *gnode) []string {
	if s.pred != nil && s.pred(n.lit) {
		return nil
	}
	key := leafKey(n)
	l.mu.Lock()
	msgs, ok := s.memo[key]
	l.mu.Unlock()
	if ok {
		return msgs
	}
	u := checkedUnify(s, n)
	if err := u.Validate(cue.Concrete(true)); err != nil {
		msgs = l.simplifiedMessages(err)
	}
	l.mu.Lock()
	if s.memo == nil {
		s.memo = map[string][]string{}
	}
	s.memo[key] = msgs
	l.mu.Unlock()
	return msgs
}

// checkedUnify unifies the schema leaf with the value checkLeaf checks:
// the concrete value the node has, as a plain CUE value when Go holds it
// exactly (strings, bools, ints within 64 bits), so that the check
// (memoised by that value) is of the value and not of the unification
// that produced it, whose failed disjuncts — a default an environment
// replaced — CUE would report too; else the node's own CUE value. The
// operands are in the order that makes CUE word a conflict as it does for
// the user's value ("conflicting values 42 and string").
func checkedUnify(s *spec, n *gnode) cue.Value {
	var plain cue.Value
	switch x := n.lit.(type) {
	case string, bool:
		plain = s.v.Context().Encode(x)
	case int64:
		if x != math.MaxInt64 && x != math.MinInt64 {
			plain = s.v.Context().Encode(x)
		}
	}
	if plain.Exists() {
		return plain.Unify(s.v)
	}
	return s.v.Unify(n.dflt())
}

// leafKey is the memo key of a concrete scalar.
func leafKey(n *gnode) string {
	switch x := n.lit.(type) {
	case string:
		return "s" + x
	case int64:
		return "i" + strconv.FormatInt(x, 10)
	case float64:
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "b" + strconv.FormatBool(x)
	case nil:
		return "n"
	}
	return ""
}
