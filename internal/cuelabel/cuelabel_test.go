package cuelabel

import (
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
)

// TestStatic parses one field per case and reads its label: regular names
// (identifiers, quoted, aliased) have one; definitions, hidden fields,
// patterns and dynamic labels do not.
func TestStatic(t *testing.T) {
	cases := []struct {
		src  string
		name string
		ok   bool
	}{
		{`web: 1`, "web", true},
		{`"my-service": 1`, "my-service", true},
		{`"a\tb": 1`, "a\tb", true},
		{`X="quoted": 1`, "quoted", true},
		{`X=plain: 1`, "plain", true},
		{`#Def: 1`, "", false},
		{`_hidden: 1`, "", false},
		{`[string]: 1`, "", false},
		{`("dyn"): 1`, "", false},
	}
	for _, c := range cases {
		f, err := parser.ParseFile("x.cue", c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		field, ok := f.Decls[0].(*ast.Field)
		if !ok {
			t.Fatalf("%s: %T is not a field", c.src, f.Decls[0])
		}
		name, ok := Static(field.Label)
		if name != c.name || ok != c.ok {
			t.Errorf("Static(%s) = %q, %v; want %q, %v", c.src, name, ok, c.name, c.ok)
		}
	}
}
