package cuedit

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// valueKind says what a written value gives a field.
type valueKind int

const (
	// kindConstraint: no value, only a constraint (string, !~":latest$").
	kindConstraint valueKind = iota
	// kindLiteral: a concrete string literal ("repo:1.0", or "repo:1.0" & a
	// constraint).
	kindLiteral
	// kindDefaultLiteral: a string literal marked as the default
	// (*"repo:1.0" | string).
	kindDefaultLiteral
	// kindExpression: anything else that gives a value, which gantry does
	// not rewrite: an interpolation, a reference, a call.
	kindExpression
	// kindDefaultExpression: an expression marked as the default.
	kindDefaultExpression
)

// isDefault reports whether a value of this kind can be overridden.
func (k valueKind) isDefault() bool { return k == kindDefaultLiteral || k == kindDefaultExpression }

// classified is a value's kind and, for literals, the literal to replace.
type classified struct {
	kind valueKind
	lit  *ast.BasicLit
}

// classify reads what a field's value gives: a literal (and which), a
// default, an expression or only a constraint. It goes by the syntax, as
// the user reads it; the caller validates the edit's result with CUE.
func classify(e ast.Expr) classified {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING && isDoubleQuoted(x.Value) {
			return classified{kind: kindLiteral, lit: x}
		}
		return classified{kind: kindExpression}
	case *ast.ParenExpr:
		return classify(x.X)
	case *ast.Ident:
		if x.Name == "string" || x.Name == "_" {
			return classified{kind: kindConstraint}
		}
		return classified{kind: kindExpression} // a reference
	case *ast.UnaryExpr:
		if x.Op == token.MUL {
			return asDefault(classify(x.X))
		}
		// !~"x", =~"x", != "x", < "x": constraints on the value.
		return classified{kind: kindConstraint}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.AND:
			return conjunction(classify(x.X), classify(x.Y))
		case token.OR:
			return disjunction(classify(x.X), classify(x.Y))
		}
	}
	return classified{kind: kindExpression}
}

// isDoubleQuoted reports whether a string literal is a plain "..." one
// (not '...' bytes, a multi-line """ string or a #"..."# raw string,
// whose replacement would change more than the value).
func isDoubleQuoted(v string) bool {
	return len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && !(len(v) >= 6 && v[:3] == `"""`)
}

func asDefault(c classified) classified {
	switch c.kind {
	case kindLiteral:
		c.kind = kindDefaultLiteral
	case kindExpression:
		c.kind = kindDefaultExpression
	}
	return c
}

// conjunction: a value and constraints is the value; two values are an
// expression gantry does not rewrite.
func conjunction(a, b classified) classified {
	switch {
	case a.kind == kindConstraint:
		return b
	case b.kind == kindConstraint:
		return a
	}
	return classified{kind: kindExpression}
}

// disjunction: the marked default decides; without one the value is no
// concrete value (a constraint) unless an operand is an expression.
func disjunction(a, b classified) classified {
	for _, c := range []classified{a, b} {
		if c.kind.isDefault() {
			return c
		}
	}
	if a.kind == kindExpression || b.kind == kindExpression {
		return classified{kind: kindExpression}
	}
	return classified{kind: kindConstraint}
}
