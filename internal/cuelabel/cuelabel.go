package cuelabel

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// Static returns the name of a regular field's label: an identifier or a
// string literal, also behind an alias (X=name). A definition (#D), a
// hidden field (_h), a pattern ([string]) or a dynamic label ((expr)) has
// no static name: false.
func Static(l ast.Label) (string, bool) {
	switch x := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(x.Name, "#") || strings.HasPrefix(x.Name, "_") {
			return "", false
		}
		return x.Name, true
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		if err != nil {
			return "", false
		}
		return s, true
	case *ast.Alias:
		if e, ok := x.Expr.(ast.Label); ok {
			return Static(e)
		}
	}
	return "", false
}
