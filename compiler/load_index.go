package compiler

import (
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/internal/cuelabel"
)

// declIndex records where the user wrote each field with a static path
// (plain labels, possibly nested: `services: web: route: host: ...`).
// Fields under pattern constraints ([_]: ...), dynamic labels and
// comprehensions are not static and are left out.
//
// The index answers "which line did the user write for this path or its
// nearest ancestor", the fallback position when CUE only knows a schema
// position (a required field that was never set, a check on a default).
//
// Positions are only asked for when there is something to report, so the
// position maps (an entry for every static path of the tree: tens of
// megabytes for a large repository) are built on the first question; the
// load itself only needs to know which declarations refer to others.
type declIndex struct {
	files []*ast.File
	// attrs are the attributes gantry does not accept (checkAttributes),
	// found while the index is built.
	attrs []attrFinding

	posOnce sync.Once              // builds labels and values
	labels  map[string][]token.Pos // path key → label positions, in file order
	values  map[string][]token.Pos // path key → value positions, same order
	// refs marks static paths whose value refers to other fields (or to
	// lets, aliases, definitions): such definitions are unified whole, so
	// that references see the environment's values.
	refs        map[string]bool
	refPrefixes map[string]bool // every proper prefix of a refs path
	// dynamic is set when a declaration that is not static (under a
	// pattern, a dynamic label or a comprehension) refers to anything, or
	// when a comprehension builds fields: then every definition is unified
	// whole.
	dynamic bool

	imports map[string]bool // names of imported packages, in any file

	// shapes are the fields of the structs, where the syntax tells them.
	shapes *shapes
}

const pathSep = "\x00"

func pathKey(p []string) string { return strings.Join(p, pathSep) }

// buildDeclIndex records which declarations refer to other fields; the
// positions are indexed on first use (positions).
func buildDeclIndex(files []*ast.File) *declIndex {
	ix := &declIndex{files: files, refs: map[string]bool{}, refPrefixes: map[string]bool{}, imports: map[string]bool{}}
	for _, f := range files {
		for spec := range f.ImportSpecs() {
			name := ""
			if spec.Name != nil {
				name = spec.Name.Name
			} else if p, err := strconv.Unquote(spec.Path.Value); err == nil {
				name = ast.ParseImportPath(p).Qualifier
			}
			ix.imports[name] = true
		}
	}
	buf := make([]string, 0, 16)
	for _, f := range files {
		ix.walkDecls(buf, f.Decls)
	}
	if shadowsBuiltin(files) {
		ix.dynamic = true // every identifier may be a reference
	}
	ix.shapes = buildShapes(files)
	return ix
}

// positions builds the position maps, once.
func (ix *declIndex) positions() {
	ix.posOnce.Do(func() {
		ix.labels, ix.values = map[string][]token.Pos{}, map[string][]token.Pos{}
		for _, f := range ix.files {
			ix.indexPositions(nil, f.Decls)
		}
	})
}

// indexPositions records the label and value positions of the static
// fields under prefix (the same fields walkDecls visits).
func (ix *declIndex) indexPositions(prefix []string, decls []ast.Decl) {
	for _, d := range decls {
		if e, ok := d.(*ast.EmbedDecl); ok {
			ix.indexExprPositions(prefix, e.Expr)
			continue
		}
		x, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, ok := staticLabel(x.Label)
		if !ok {
			continue
		}
		p := append(prefix[:len(prefix):len(prefix)], name)
		k := pathKey(p)
		ix.labels[k] = append(ix.labels[k], x.Label.Pos())
		ix.values[k] = append(ix.values[k], x.Value.Pos())
		ix.indexExprPositions(p, x.Value)
	}
}

func (ix *declIndex) indexExprPositions(p []string, e ast.Expr) {
	switch x := e.(type) {
	case *ast.StructLit:
		ix.indexPositions(p, x.Elts)
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			ix.indexExprPositions(p, x.X)
			ix.indexExprPositions(p, x.Y)
		}
	case *ast.ParenExpr:
		ix.indexExprPositions(p, x.X)
	}
}

// walkDecls records the declarations under prefix that refer to something
// (see hasRefs) and reports whether any does.
func (ix *declIndex) walkDecls(prefix []string, decls []ast.Decl) bool {
	any := false
	for _, d := range decls {
		switch x := d.(type) {
		case *ast.Field:
			name, ok := staticLabel(x.Label)
			if !ok {
				refs := ix.hasRefs(x.Value)
				if _, isAlias := x.Label.(*ast.Alias); isAlias {
					refs = true
				}
				if refs && !isHiddenOrDef(x.Label) {
					ix.dynamic = true
				}
				any = any || refs
				continue
			}
			// prefix has spare capacity shared by siblings: only the keys
			// of paths with references are kept.
			p := append(prefix, name)
			if ix.walkExpr(p, x.Value) {
				any = true
				ix.refs[pathKey(p)] = true
				for i := 1; i < len(p); i++ {
					ix.refPrefixes[pathKey(p[:i])] = true
				}
			}
		case *ast.EmbedDecl:
			if ix.walkExpr(prefix, x.Expr) {
				ix.dynamic = true
				any = true
			}
		case *ast.Comprehension:
			ix.dynamic = true
			any = true
		case *ast.LetClause:
			any = any || ix.hasRefs(x.Expr)
		}
	}
	return any
}

// walkExpr records the references in the static fields of a value and
// reports whether it refers to something.
func (ix *declIndex) walkExpr(p []string, e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.StructLit:
		return ix.walkDecls(p, x.Elts)
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			l := ix.walkExpr(p, x.X)
			r := ix.walkExpr(p, x.Y)
			return l || r
		}
	case *ast.ParenExpr:
		return ix.walkExpr(p, x.X)
	}
	return ix.hasRefs(e)
}

// staticLabel is the name of a regular field's label, read as gantry image
// set reads it (internal/cuelabel), so that a diagnostic and an edit agree
// on which field a label names.
var staticLabel = cuelabel.Static

// first returns the first position recorded for path p.
func (ix *declIndex) first(p []string) (token.Pos, bool) {
	if ix == nil {
		return token.NoPos, false
	}
	ix.positions()
	ps := ix.labels[pathKey(p)]
	if len(ps) == 0 {
		return token.NoPos, false
	}
	return ps[0], true
}

// deepest returns the position of the longest prefix of p (at least min
// elements long) that the user wrote, and that prefix's length.
func (ix *declIndex) deepest(p []string, min int) (token.Pos, int) {
	for i := len(p); i >= min && i > 0; i-- {
		if pos, ok := ix.first(p[:i]); ok {
			return pos, i
		}
	}
	return token.NoPos, 0
}

// entityKinds are the top-level maps an environment refines.
var entityKinds = map[string]bool{"services": true, "clusters": true, "loadBalancers": true}

// nearest returns the position the user wrote for path p (a logical path
// such as services.web.scale.min) in environment env, or for its nearest
// written ancestor. For an entity that an environment refines, the deeper
// of the environment-level and the top-level declaration wins; on a tie
// the environment-level one, which is more specific.
func (ix *declIndex) nearest(env string, p []string) token.Pos {
	if len(p) >= 2 && entityKinds[p[0]] && env != "" {
		envPath := append([]string{"environments", env}, p...)
		ePos, eLen := ix.deepest(envPath, 4)
		tPos, tLen := ix.deepest(p, 2)
		switch {
		case ePos.IsValid() && (!tPos.IsValid() || eLen-2 >= tLen):
			return ePos
		case tPos.IsValid():
			return tPos
		}
		if pos, n := ix.deepest(envPath, 1); n > 0 {
			return pos
		}
	}
	if env != "" && (len(p) == 0 || p[0] != "environments") {
		if pos, n := ix.deepest(append([]string{"environments", env}, p...), 1); n > 2 {
			return pos
		}
	}
	pos, _ := ix.deepest(p, 1)
	return pos
}

// builtinIdents are identifiers that name types or constants, not fields.
// close is not among them: a value that calls it is unified whole, so that
// an environment's refinement cannot add fields to a closed struct.
var builtinIdents = map[string]bool{
	"_": true, "string": true, "bytes": true, "bool": true, "int": true,
	"float": true, "number": true, "null": true, "true": true, "false": true,
	"uint": true, "rune": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "int128": true, "uint8": true, "uint16": true,
	"uint32": true, "uint64": true, "uint128": true, "float32": true,
	"float64": true, "len": true, "and": true, "or": true,
	"div": true, "mod": true, "quo": true, "rem": true,
}

// hasRefs reports whether an expression refers to anything but builtin
// types, constants and imported packages: a field, a let, an alias or a
// definition. Interpolations count only through the identifiers they use.
func (ix *declIndex) hasRefs(e ast.Node) bool {
	found := false
	ast.Walk(e, func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.Field:
			// Labels are not references; only walk the value.
			if x.Value != nil && ix.hasRefs(x.Value) {
				found = true
			}
			if _, ok := x.Label.(*ast.Alias); ok {
				found = true // the alias is referred to
			}
			return false
		case *ast.Ident:
			if _, isImport := x.Node.(*ast.ImportSpec); isImport {
				break
			}
			// A builtin's name refers to a let or field of that name when
			// the parser resolved it so.
			if x.Node != nil || !builtinIdents[x.Name] && !ix.imports[x.Name] {
				found = true
			}
		case *ast.Comprehension:
			found = true
		case *ast.SelectorExpr:
			// pkg.Func: only the receiver may refer to something.
			if id, ok := x.X.(*ast.Ident); ok && ix.imports[id.Name] {
				return false
			}
		}
		return !found
	}, nil)
	return found
}

func isHiddenOrDef(l ast.Label) bool {
	if id, ok := l.(*ast.Ident); ok {
		return strings.HasPrefix(id.Name, "_") || strings.HasPrefix(id.Name, "#")
	}
	return false
}

// anyRefs reports whether some static declaration refers to other fields.
func (ix *declIndex) anyRefs() bool { return ix != nil && len(ix.refs) > 0 }

// refsUnder reports whether the static declaration at p, or any static
// declaration below it, refers to other fields.
func (ix *declIndex) refsUnder(p []string) bool {
	if ix == nil || len(ix.refs) == 0 {
		return false
	}
	if ix.refPrefixes[pathKey(p)] {
		return true
	}
	for i := 1; i <= len(p); i++ {
		if ix.refs[pathKey(p[:i])] {
			return true
		}
	}
	return false
}

// valuesAt returns the positions of the values written at path p.
func (ix *declIndex) valuesAt(p []string) []token.Pos {
	if ix == nil {
		return nil
	}
	ix.positions()
	return ix.values[pathKey(p)]
}
