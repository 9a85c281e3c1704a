package compiler

import (
	"bytes"
	"fmt"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// knownAttributes are the attributes a configuration may carry: gantry's
// own, and those CUE defines whose meaning gantry keeps. Any other
// attribute is an error: CUE ignores attributes it does not know, so a
// misspelt @sensitve() would silently leave a secret unmasked.
var knownAttributes = []string{
	"sensitive", // gantry: the environment variable's value is masked
	// CUE's: @tag (gantry never injects tags, so a tagged value needs a
	// default or a value of its own), and the encodings' field options,
	// which do not change the value.
	"tag", "json", "yaml", "protobuf", "go",
}

// unsupportedAttributes are CUE attributes gantry knows but does not
// implement: they would change what is loaded, so they are errors with
// a reason.
var unsupportedAttributes = map[string]string{
	"if":     "gantry loads every file of the package; build attributes (@if) are not evaluated",
	"embed":  "gantry does not support embedding files (@embed)",
	"extern": "gantry does not support @extern",
}

// attrFinding is an attribute gantry does not accept.
type attrFinding struct {
	pos  token.Pos
	path string
	msg  string
}

// checkAttributes finds attributes gantry does not know, at the
// attribute, with the closest known one. src holds the files' sources
// (by file name): a file without an '@' has no attribute. It runs beside
// CUE's evaluation; the findings are reported once the evaluation is
// over (waitIndex), so that they do not stop it.
func checkAttributes(files []*ast.File, src map[string][]byte) []attrFinding {
	var out []attrFinding
	for _, f := range files {
		if s, ok := src[f.Filename]; ok && !bytes.Contains(s, []byte("@")) {
			continue
		}
		var path []string
		ast.Walk(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Field:
				path = append(path, attrPathLabel(x.Label))
			case *ast.Attribute:
				if f, ok := checkAttribute(x, path); ok {
					out = append(out, f)
				}
			}
			return true
		}, func(n ast.Node) {
			if _, ok := n.(*ast.Field); ok {
				path = path[:len(path)-1]
			}
		})
	}
	return out
}

func checkAttribute(a *ast.Attribute, path []string) (attrFinding, bool) {
	key, _ := a.Split()
	if key == "" || containsString(knownAttributes, key) {
		return attrFinding{}, false
	}
	var msg string
	if why, ok := unsupportedAttributes[key]; ok {
		msg = fmt.Sprintf("unsupported attribute @%s(): %s", key, why)
	} else {
		msg = fmt.Sprintf("unknown attribute @%s()", key)
		if s := suggest(key, knownAttributes); s != "" {
			msg += fmt.Sprintf("; did you mean @%s()?", s)
		} else {
			msg += " (gantry knows @sensitive(), and CUE's @tag(), @json(), @yaml(), @protobuf() and @go())"
		}
	}
	return attrFinding{a.Pos(), strings.Join(path, "."), msg}, true
}

// attrPathLabel writes a field's label for a diagnostic's path: a static
// name as formatPath does, anything else (a pattern, a dynamic label) as
// "*".
func attrPathLabel(label ast.Label) string {
	if _, pattern := label.(*ast.ListLit); pattern {
		return anyLabel
	}
	name, _, err := ast.LabelName(label)
	if err != nil {
		return anyLabel
	}
	return formatPath([]string{name})
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
