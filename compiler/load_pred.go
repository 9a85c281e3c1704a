package compiler

import (
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// pred is a fast Go test that a concrete value satisfies a schema leaf,
// built from the leaf's CUE expression when it only uses kinds, bounds,
// regular expressions, literals, defaults, & and |. It may only accept:
// a value it rejects (or a leaf it does not understand) is checked by CUE,
// which stays the authority and writes the message.
type pred func(v any) bool

// predBuilder turns schema expressions into preds, following references to
// the schema's own top-level definitions (#Name, #CIDR, ...).
type predBuilder struct {
	defs map[string]ast.Expr
}

func newPredBuilder(schemaFile *ast.File) *predBuilder {
	b := &predBuilder{defs: map[string]ast.Expr{}}
	if schemaFile == nil {
		return b
	}
	for _, d := range schemaFile.Decls {
		if f, ok := d.(*ast.Field); ok {
			if id, ok := f.Label.(*ast.Ident); ok {
				b.defs[id.Name] = f.Value
			}
		}
	}
	return b
}

func (b *predBuilder) build(e ast.Expr, depth int) pred {
	if depth > 8 || e == nil {
		return nil
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return b.build(x.X, depth+1)
	case *ast.Ident:
		if x.Node != nil {
			// A let or field of that name (let string = ...), not the
			// builtin type.
			if d, ok := b.defs[x.Name]; ok {
				return b.build(d, depth+1)
			}
			return nil
		}
		switch x.Name {
		case "string":
			return func(v any) bool { _, ok := v.(string); return ok }
		case "int":
			return func(v any) bool { _, ok := v.(int64); return ok }
		case "number":
			return func(v any) bool {
				switch v.(type) {
				case int64, float64:
					return true
				}
				return false
			}
		case "bool":
			return func(v any) bool { _, ok := v.(bool); return ok }
		}
		if d, ok := b.defs[x.Name]; ok {
			return b.build(d, depth+1)
		}
		return nil
	case *ast.BasicLit:
		lit, ok := literalValue(x)
		if !ok {
			return nil
		}
		return func(v any) bool { return v == lit }
	case *ast.UnaryExpr:
		switch x.Op {
		case token.MUL: // a default: the value is still one of the branches
			return b.build(x.X, depth+1)
		case token.GEQ, token.LEQ, token.GTR, token.LSS:
			lit, ok := x.X.(*ast.BasicLit)
			if !ok {
				return nil
			}
			bound, err := strconv.ParseFloat(lit.Value, 64)
			if err != nil {
				return nil
			}
			op := x.Op
			return func(v any) bool {
				var f float64
				switch n := v.(type) {
				case int64:
					f = float64(n)
				case float64:
					f = n
				default:
					return false
				}
				switch op {
				case token.GEQ:
					return f >= bound
				case token.LEQ:
					return f <= bound
				case token.GTR:
					return f > bound
				}
				return f < bound
			}
		case token.MAT, token.NMAT:
			lit, ok := x.X.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return nil
			}
			s, err := literal.Unquote(lit.Value)
			if err != nil {
				return nil
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return nil
			}
			want := x.Op == token.MAT
			return func(v any) bool {
				str, ok := v.(string)
				return ok && re.MatchString(str) == want
			}
		}
		return nil
	case *ast.BinaryExpr:
		l, r := b.build(x.X, depth+1), b.build(x.Y, depth+1)
		switch x.Op {
		case token.AND:
			if l == nil || r == nil {
				return nil
			}
			return func(v any) bool { return l(v) && r(v) }
		case token.OR:
			if l == nil || r == nil {
				return nil
			}
			return func(v any) bool { return l(v) || r(v) }
		}
	}
	return nil
}

// literalValue is a literal as the Go value readNode produces.
func literalValue(x *ast.BasicLit) (any, bool) {
	switch x.Kind {
	case token.STRING:
		if !strings.HasPrefix(strings.TrimLeft(x.Value, "#"), `"`) {
			return nil, false // bytes ('...'), which no Go value here is
		}
		s, err := literal.Unquote(x.Value)
		return s, err == nil
	case token.INT:
		i, err := strconv.ParseInt(x.Value, 10, 64)
		return i, err == nil
	case token.FLOAT:
		f, err := strconv.ParseFloat(x.Value, 64)
		return f, err == nil
	case token.TRUE:
		return true, true
	case token.FALSE:
		return false, true
	}
	return nil, false
}
