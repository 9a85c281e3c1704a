package compiler

import (
	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
)

// merge returns the unification of t (a top-level definition) and v (an
// environment's refinement of it, or the constraints the environment's
// patterns put on it); either may be nil.
//
// Structs are merged field by field, and pattern constraints of either
// side apply to the other side's fields, so only the leaves both sides
// write are unified in CUE. That is CUE's unification for values that do
// not refer to other fields; a definition with references is unified whole
// (see mergeWhole), so a reference sees the environment's values.
//
// Conflicts are reported (in environment env, at path) and yield a failed
// node.
func (c *checker) merge(t, v *gnode, env string, path []string) *gnode {
	switch {
	case t == nil:
		return v
	case v == nil:
		return t
	case t.failed:
		return t
	case v.failed:
		return v
	}
	if t.kind == cue.StructKind && v.kind == cue.StructKind {
		return c.mergeStructs(t, v, env, path)
	}
	if t.concrete && v.concrete && t.kind == v.kind && t.lit != nil && t.lit == v.lit && t.kind != cue.ListKind {
		return v
	}
	if t.accept != nil && v.concrete && !v.byDefault && v.lit != nil && t.accept(v.lit) {
		// A default or constraint refined to a value it allows: the value
		// (what CUE's unification gives, without a unification).
		return v
	}
	return c.unifyNodes(t, v, env, path)
}

// unifyNodes unifies two values in CUE and reads the result.
func (c *checker) unifyNodes(t, v *gnode, env string, path []string) *gnode {
	u := t.value().Unify(v.value())
	var err error
	if u.IncompleteKind() == cue.ListKind || u.IncompleteKind() == cue.StructKind {
		err = u.Validate()
	} else {
		err = u.Err()
	}
	if err != nil {
		c.l.addCUEErrorsAt(cueerrors.Errors(err), env, path)
		return c.fail(env, path, u)
	}
	n := readNode(u)
	return n
}

func (c *checker) mergeStructs(t, v *gnode, env string, path []string) *gnode {
	out := &gnode{link: v, alt: t, kind: cue.StructKind, concrete: true, private: true}
	out.fields = make([]gfield, 0, len(t.fields)+len(v.fields))
	vPattern, vHasPattern := v.patternValue()
	var vp *gnode
	for _, f := range t.fields {
		vc := v.field(f.name)
		if vc == nil && vHasPattern {
			if vp == nil {
				vp = readNode(vPattern)
			}
			vc = vp
		}
		out.fields = append(out.fields, gfield{f.name, c.merge(f.node, vc, env, childPath(path, f.name))})
	}
	var tp *gnode
	for _, f := range v.fields {
		if t.field(f.name) != nil {
			continue
		}
		var tc *gnode
		if tPattern, ok := t.patternValue(); ok {
			if tp == nil {
				tp = readNode(tPattern)
			}
			tc = tp
		}
		out.fields = append(out.fields, gfield{f.name, c.merge(tc, f.node, env, childPath(path, f.name))})
	}
	out.index()
	return out
}

// mergeWhole unifies two definitions in CUE as a whole and reads the
// result: used when either refers to other fields, so that references
// resolve in the effective value.
func (c *checker) mergeWhole(t, v *gnode, env string, path []string) *gnode {
	switch {
	case t == nil:
		return v
	case v == nil:
		return t
	}
	return c.unifyNodes(t, v, env, path)
}
