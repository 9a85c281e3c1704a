package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// effective checks n against the schema spec s and returns the effective
// value: n with the schema's defaults filled in where the configuration
// gives no concrete value (not even a default of its own). n may be nil
// (nothing was written); a required field without a default is then
// reported as not set in environment env.
//
// Shared nodes (top-level definitions read once for every environment)
// are never modified; structs are copied when defaults are added.
func (c *checker) effective(n *gnode, s *spec, env string, path []string, required bool) *gnode {
	if s == nil {
		return n
	}
	if n == nil {
		return c.missing(s, env, path, required)
	}
	if n.failed {
		if n.incomplete {
			c.notConcrete(n, env, path)
		}
		c.markFailed(env, path)
		return n
	}
	if n.memo == nil {
		// Built for this environment, or a concrete leaf (its own
		// effective value; checkLeaf memoises its check).
		return c.effectiveOf(n, s, env, path)
	}
	// A node read from the package is the input of every environment
	// that does not refine it: its effective value is the same in each,
	// unless checking it reported something (which names the
	// environment, and must be reported in each).
	if m := n.memo.p.Load(); m != nil && m.s == s {
		return m.e
	}
	before, counted := c.reported(env)
	e := c.effectiveOf(n, s, env, path)
	if after, _ := c.reported(env); counted && after == before {
		n.memo.p.Store(&effMemo{s, e})
	}
	return e
}

// effMemo is the effective value of a node read from the package, checked
// against a schema spec.
type effMemo struct {
	s *spec
	e *gnode
}

// reported returns how many diagnostics and failure marks environment env
// has had so far, and whether they are counted for env.
func (c *checker) reported(env string) (int64, bool) {
	n, ok := c.reports[env]
	if !ok {
		return 0, false
	}
	return n.Load(), true
}

// countReport counts a diagnostic or failure mark in environment env.
func (c *checker) countReport(env string) {
	if n, ok := c.reports[env]; ok {
		n.Add(1)
	}
}

// effectiveOf is effective for a node that exists and is not failed.
func (c *checker) effectiveOf(n *gnode, s *spec, env string, path []string) *gnode {
	switch s.kind {
	case specStruct:
		return c.effectiveStruct(n, s, env, path)
	case specMap, specList:
		want, wantName := cue.StructKind, "a struct"
		if s.kind == specList {
			want, wantName = cue.ListKind, "a list"
		}
		if n.kind != want {
			return c.wrongShape(n, s, env, path, wantName)
		}
		// Copied only if an entry's effective value differs from it.
		var out *gnode
		for i, f := range n.fields {
			name := f.name
			if s.kind == specList {
				name = strconv.Itoa(i)
			}
			e := c.effective(f.node, s.elem, env, childPath(path, name), true)
			if e != f.node && out == nil {
				out = n.shallowCopy()
			}
			if out != nil {
				out.fields[i].node = e
			}
		}
		if out == nil {
			return n
		}
		out.index()
		return out
	}
	return c.effectiveLeaf(n, s, env, path)
}

// missing is the effective value of a field nobody wrote.
func (c *checker) missing(s *spec, env string, path []string, required bool) *gnode {
	if !required {
		return nil
	}
	if s.hasDefault {
		return s.defNode
	}
	switch s.kind {
	case specStruct:
		// A required struct (scale, deploy, logs): its fields' defaults.
		e := c.effectiveStruct(&gnode{kind: cue.StructKind, concrete: true}, s, env, path)
		c.mu.Lock()
		incomplete := c.failedBelow[failedKey(env, path)]
		c.mu.Unlock()
		if incomplete {
			// A field without a default was reported as not set (network
			// needs its vpc): the whole struct is absent, and so is
			// anything a check would read in it (its subnets).
			c.markFailed(env, path)
		}
		return e
	case specMap:
		return &gnode{kind: cue.StructKind, concrete: true}
	case specList:
		return &gnode{kind: cue.ListKind, concrete: true}
	}
	c.notSetAt(env, path, token.NoPos, "")
	return nil
}

func (c *checker) effectiveStruct(n *gnode, s *spec, env string, path []string) *gnode {
	if n.kind != cue.StructKind {
		return c.wrongShape(n, s, env, path, "a struct")
	}
	in := n.fields
	var misspelt map[string]bool // fields an unknown field probably meant
	for _, f := range in {
		if s.fields[f.name] == nil {
			if sug := suggest(f.name, s.names); sug != "" {
				if misspelt == nil {
					misspelt = map[string]bool{}
				}
				misspelt[sug] = true
			}
		}
	}
	var buf [32]gfield
	res := buf[:0] // the effective fields
	changed := false
	for _, f := range in {
		sf := s.fields[f.name]
		if sf == nil {
			c.unknownField(f.node, s, env, childPath(path, f.name))
			c.markStructural(env, path)
			changed = true
			continue
		}
		if misspelt[f.name] && !f.node.concrete {
			// Only constraints (a policy) where the misspelt field meant
			// to give the value: the misspelling is the error.
			c.markFailed(env, childPath(path, f.name))
			changed = true
			continue
		}
		e := c.effective(f.node, sf.spec, env, childPath(path, f.name), true)
		changed = changed || e != f.node
		res = append(res, gfield{f.name, e})
	}
	for _, name := range s.names {
		if n.field(name) != nil {
			continue
		}
		sf := s.fields[name]
		if misspelt[name] {
			// "imgae" was reported; "image is not set" would say it
			// again, and so would any check of the value it meant
			// ("privateSubnet" leaves privateSubnets empty). The default,
			// if any, still fills the effective value.
			c.markFailed(env, childPath(path, name))
			if !sf.spec.hasDefault {
				continue
			}
		}
		if e := c.effective(nil, sf.spec, env, childPath(path, name), !sf.optional); e != nil {
			res = append(res, gfield{name, e})
			changed = true
		}
	}
	if !changed {
		return n // its own effective value: shared, not copied
	}
	// A struct merged for this environment is filled in place when its
	// fields fit; others may be shared, and are copied.
	out := n
	if !n.private {
		cp := *n
		cp.memo = nil // a copy belongs to one environment
		out = &cp
	}
	if n.private && cap(in) >= len(res) {
		out.fields = append(in[:0], res...)
	} else {
		out.fields = append(make([]gfield, 0, len(res)), res...)
	}
	out.byName = nil
	out.index()
	return out
}

func (c *checker) effectiveLeaf(n *gnode, s *spec, env string, path []string) *gnode {
	if n.kind == cue.StructKind || n.kind == cue.ListKind {
		return c.wrongShape(n, s, env, path, "a single value")
	}
	if !n.concrete {
		// Only constraints were written: the schema's default may satisfy
		// them.
		u := s.v.Unify(n.value())
		if err := u.Err(); err != nil {
			c.errorAtNode(n, env, path, c.l.simplifiedMessages(err))
			return c.fail(env, path, u)
		}
		d, _ := u.Default()
		if !d.IsConcrete() {
			if c.isMisdirected(env, path) {
				return c.fail(env, path, u)
			}
			if s.hasDefault {
				c.errorAt(c.l.index.nearest(env, path), env, path,
					fmt.Sprintf("is not set, and the default %s does not satisfy %s", c.l.format(s.def), c.l.format(n.value())))
				return c.fail(env, path, u)
			}
			c.notSetAt(env, path, token.NoPos, c.l.format(n.value()))
			return c.fail(env, path, u)
		}
		e := readNode(d)
		e.v = keep(n.value())
		return e
	}
	if msgs := c.l.checkLeaf(s, n); len(msgs) > 0 {
		c.errorAtNode(n, env, path, msgs)
		return c.fail(env, path, n.value())
	}
	return n
}

// wrongShape reports a value of the wrong kind (a number where the schema
// has a struct, ...).
func (c *checker) wrongShape(n *gnode, s *spec, env string, path []string, want string) *gnode {
	got := n.kind.String()
	if n.concrete && n.kind != cue.StructKind && n.kind != cue.ListKind {
		got = c.l.format(n.dflt())
	}
	pos := c.nodePos(n, env, path)
	if n.kind == cue.StructKind || n.kind == cue.ListKind {
		// The finding is about the struct or list written where another
		// shape belongs: shown at that value, as CUE shows it, not at its
		// label (they differ when the value starts on another line).
		if p, ok := c.firstValueWritten(env, path); ok {
			pos = p
		}
	}
	c.errorAt(pos, env, path, fmt.Sprintf("want %s, got %s", want, got))
	c.markStructural(env, path)
	return c.fail(env, path, n.value())
}

// firstValueWritten is the position of the first value written statically
// at path: at the top level, else in env's refinement.
func (c *checker) firstValueWritten(env string, path []string) (token.Pos, bool) {
	if vs := c.l.index.valuesAt(path); len(vs) > 0 {
		return vs[0], true
	}
	if env != "" && len(path) > 0 && entityKinds[path[0]] {
		if vs := c.l.index.valuesAt(append([]string{"environments", env}, path...)); len(vs) > 0 {
			return vs[0], true
		}
	}
	return token.NoPos, false
}

// unknownField reports a field the schema does not have, suggesting the
// closest one.
func (c *checker) unknownField(n *gnode, s *spec, env string, path []string) {
	name := path[len(path)-1]
	msg := fmt.Sprintf("unknown field %q", name)
	if sug := suggest(name, s.names); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	} else if len(s.names) <= 24 {
		names := slices.Clone(s.names)
		slices.Sort(names)
		msg += " (allowed: " + strings.Join(names, ", ") + ")"
	}
	pos, ok := c.l.index.first(path)
	if !ok {
		if env != "" && len(path) > 0 && entityKinds[path[0]] {
			pos, ok = c.l.index.first(append([]string{"environments", env}, path...))
		}
	}
	if !ok {
		pos = c.nodePosAt(n, env, path, false)
	}
	c.errorAt(pos, env, path, msg)
}

// errorAtNode reports messages about a node's value at its position.
func (c *checker) errorAtNode(n *gnode, env string, path []string, msgs []string) {
	pos := c.nodePos(n, env, path)
	for _, m := range msgs {
		c.errorAt(pos, env, path, m)
	}
}

// nodePos is the user's position of a node's value: the literal written
// rather than a constraint or a default, else the nearest written
// ancestor.
func (c *checker) nodePos(n *gnode, env string, path []string) token.Pos {
	return c.nodePosAt(n, env, path, n != nil && n.kind != cue.StructKind && n.kind != cue.ListKind)
}

// nodePosAt is nodePos; atValue shows a value CUE only knows from one
// declaration (written under a pattern, say) at the value rather than at
// its label: a scalar's finding is about its value, an unknown field's
// about its name.
func (c *checker) nodePosAt(n *gnode, env string, path []string, atValue bool) token.Pos {
	if n != nil && (n.kind == cue.StructKind || n.kind == cue.ListKind) {
		// A struct or list is best shown where its label is written: the
		// top-level definition, else the environment's refinement.
		if pos, ok := c.l.index.first(path); ok {
			return pos
		}
		if env != "" && len(path) > 0 && entityKinds[path[0]] {
			if pos, ok := c.l.index.first(append([]string{"environments", env}, path...)); ok {
				return pos
			}
		}
	}
	if n != nil && !n.isDefault {
		// The values the user wrote at this very path, statically: the
		// environment's and the top level's; a literal beats a default
		// beats a constraint, and on a tie the environment's wins.
		var written []token.Pos
		written = append(written, c.l.index.valuesAt(path)...)
		if env != "" && len(path) > 0 && entityKinds[path[0]] {
			written = append(written, c.l.index.valuesAt(append([]string{"environments", env}, path...))...)
		}
		if len(written) > 0 {
			return c.l.pickPrimary(written)
		}
		var user []token.Pos
		for _, v := range []cue.Value{n.value(), n.alt.valueOrZero()} {
			if !v.Exists() {
				continue
			}
			for _, p := range valuePositions(v, atValue) {
				if !isSchemaPos(p) {
					user = append(user, p)
				}
			}
		}
		if len(user) > 0 {
			return c.l.pickPrimary(user)
		}
	}
	return c.l.index.nearest(env, path)
}

// notSetAt reports a value that must reach AWS but is not concrete in an
// environment. have is the non-concrete value, if any.
func (c *checker) notSetAt(env string, path []string, pos token.Pos, have string) {
	c.markFailed(env, path)
	if c.isMisdirected(env, path) {
		// The refinement that would have set it went to another name,
		// which is the error.
		return
	}
	msg := "is not set"
	written := len(c.l.index.valuesAt(path)) > 0
	if env != "" && len(path) > 0 && entityKinds[path[0]] {
		written = written || len(c.l.index.valuesAt(append([]string{"environments", env}, path...))) > 0
	}
	if have != "" && !isBareType(have) && written {
		msg = "has no concrete value (only " + have + ")"
	}
	if !pos.IsValid() && env != "" && len(path) > 2 && entityKinds[path[0]] &&
		len(c.l.index.valuesAt(path)) == 0 && !c.writtenInSomeEnvironment(path) {
		// Written nowhere (cluster was left out): the mistake is in the
		// definition, one error for all environments.
		pos, _ = c.l.index.first(path[:2])
	}
	if !pos.IsValid() {
		pos = c.l.index.nearest(env, path)
	}
	if hint := topLevelHints[pathKey(path)]; hint != "" && !pos.IsValid() {
		// Nothing of it is written anywhere: say what to write.
		msg += ": add " + hint
	}
	c.errorAt(pos, env, path, msg)
}

// notConcrete reports a value that is an error only because it is not
// concrete, which CUE's validation leaves alone: an interpolation of a
// value that is not concrete ("repo:\(_v)" with _v: string, or with a
// tag left to @tag(), which gantry never injects). Without this report it would reach
// AWS as an empty string.
func (c *checker) notConcrete(n *gnode, env string, path []string) {
	if c.isMisdirected(env, path) {
		return
	}
	msg := "has no concrete value"
	if err := n.value().Err(); err != nil {
		m := firstLine(cueerrors.Errors(err)[0].Error())
		if _, after, ok := strings.Cut(m, "invalid interpolation: non-concrete value "); ok {
			what, _, _ := strings.Cut(after, " (type ")
			msg += fmt.Sprintf(": it interpolates a value that is not concrete (%s)", what)
		} else if _, after, ok := strings.Cut(m, ": "); ok {
			msg += ": " + after
		}
	}
	c.errorAt(c.nodePos(n, env, path), env, path, msg)
}

// writtenInSomeEnvironment reports whether some environment's refinement
// writes a value at the logical path of an entity's field.
func (c *checker) writtenInSomeEnvironment(path []string) bool {
	for _, e := range c.envNames {
		if len(c.l.index.valuesAt(append([]string{"environments", e}, path...))) > 0 {
			return true
		}
	}
	return false
}

// topLevelHints say what to write for a required top-level field that is
// missing altogether.
var topLevelHints = map[string]string{
	"project": `project: "name" (a lowercase name of 2-20 characters: letters, digits and '-', starting with a letter; it prefixes the name of every AWS resource gantry creates)`,
}

func isBareType(s string) bool {
	switch s {
	case "string", "int", "number", "bool", "float", "bytes", "_":
		return true
	}
	return false
}

// shallowCopy copies a node's own slices so the copy can be changed.
func (n *gnode) shallowCopy() *gnode {
	out := *n
	out.memo = nil // a copy belongs to one environment
	out.fields = slices.Clone(n.fields)
	out.byName = nil
	return &out
}

// fail records that the value at a logical path is in error and returns a
// failed node for it.
func (c *checker) fail(env string, path []string, v cue.Value) *gnode {
	c.markFailed(env, path)
	return &gnode{v: keep(v), failed: true, kind: cue.BottomKind}
}

func failedKey(env string, path []string) string { return env + pathSep + pathKey(path) }

// markFailed records an error in a value: Go checks that read it, or read
// a struct or list it is part of, are skipped, since they would only
// repeat the error.
func (c *checker) markFailed(env string, path []string) {
	c.countReport(env)
	c.mu.Lock()
	c.failed[failedKey(env, path)] = true
	for i := 1; i < len(path); i++ {
		c.failedBelow[failedKey(env, path[:i])] = true
	}
	c.mu.Unlock()
}

// markStructural records an error in the shape of an entity (an unknown
// field, a value of the wrong kind): a misspelt field leaves another one
// missing, so no Go check runs on the entity.
func (c *checker) markStructural(env string, path []string) {
	c.countReport(env)
	if len(path) >= 2 {
		c.mu.Lock()
		c.broken[brokenKey(env, path[0], path[1])] = true
		c.mu.Unlock()
	}
}

// inputsOK reports whether none of the values at the given logical paths
// (or their ancestors) is in error in an environment.
func (c *checker) inputsOK(env string, paths ...[]string) bool {
	if len(c.failed) == 0 {
		return true
	}
	for _, p := range paths {
		for i := 1; i <= len(p); i++ {
			if c.failed[failedKey(env, p[:i])] {
				return false
			}
		}
	}
	return true
}

// findingOK reports whether a finding about the value at a logical path
// may be reported: the value is not in error, nor a struct or list it is
// part of, nor any part of it. A finding about a struct is derived from
// its parts (scale's min and max, a secret's sources); with one of them in
// error (or not concrete) it would only repeat that error in other words.
// A whole entity (services.web) is the exception: a finding about it as a
// whole (it has no health check, nothing routes to it) does not follow
// from an error in one of its fields; entities whose shape is broken are
// skipped by isBroken instead.
func (c *checker) findingOK(env string, path []string) bool {
	if !c.inputsOK(env, path) {
		return false
	}
	return isEntityPath(path) || len(c.failedBelow) == 0 || !c.failedBelow[failedKey(env, path)]
}

func isEntityPath(p []string) bool { return len(p) <= 2 }
