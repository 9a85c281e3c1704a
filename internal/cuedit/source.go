package cuedit

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/internal/cuelabel"
)

// File is one source file of the configuration.
type File struct {
	// Path is the file's absolute path: the key of edits and overlays.
	Path string
	// Name is how messages show it (relative to the working directory).
	Name string
	// Src is the file's contents as read.
	Src []byte
	ast *ast.File
}

// Source is the configuration's files, parsed.
type Source struct {
	Files []*File
}

// Read reads and parses the files at paths (absolute, in load order);
// name gives each one's name for messages.
func Read(paths []string, name func(path string) string) (*Source, error) {
	s := &Source{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(p, name(p), src)
		if err != nil {
			return nil, err
		}
		s.Files = append(s.Files, f)
	}
	return s, nil
}

// Parse parses one file's contents.
func Parse(path, name string, src []byte) (*File, error) {
	f, err := parser.ParseFile(name, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &File{Path: path, Name: name, Src: src, ast: f}, nil
}

// hit is a field written at a static path.
type hit struct {
	file *File
	// top is the top-level declaration the field is part of.
	top   ast.Decl
	path  []string
	field *ast.Field
}

// pos is where the hit's value starts, for messages.
func (h hit) pos() string {
	p := h.field.Value.Pos()
	return fmt.Sprintf("%s:%d:%d", h.file.Name, p.Line(), p.Column())
}

// find returns the fields written at a static path matching pattern (a
// "*" element matches any label), in file order. Static paths are chains
// of plain labels through struct literals, conjunctions of them and
// embedded structs; fields under patterns ([_]: ...), dynamic labels,
// comprehensions, definitions and hidden fields are not static.
func (s *Source) find(pattern []string) []hit {
	var out []hit
	for _, f := range s.Files {
		for _, d := range f.ast.Decls {
			walkDecl(f, d, d, nil, pattern, &out)
		}
	}
	return out
}

func walkDecl(f *File, top, d ast.Decl, prefix, pattern []string, out *[]hit) {
	switch x := d.(type) {
	case *ast.EmbedDecl:
		for _, st := range structsOf(x.Expr) {
			for _, e := range st.Elts {
				walkDecl(f, top, e, prefix, pattern, out)
			}
		}
	case *ast.Field:
		name, ok := cuelabel.Static(x.Label)
		if !ok || !matches(pattern[len(prefix)], name) {
			return
		}
		p := append(prefix[:len(prefix):len(prefix)], name)
		if len(p) == len(pattern) {
			*out = append(*out, hit{file: f, top: top, path: p, field: x})
			return
		}
		for _, st := range structsOf(x.Value) {
			for _, e := range st.Elts {
				walkDecl(f, top, e, p, pattern, out)
			}
		}
	}
}

func matches(pattern, name string) bool { return pattern == "*" || pattern == name }

// structsOf returns the struct literals a value is made of: itself, or
// the operands of a conjunction, through parentheses.
func structsOf(e ast.Expr) []*ast.StructLit {
	switch x := e.(type) {
	case *ast.StructLit:
		return []*ast.StructLit{x}
	case *ast.ParenExpr:
		return structsOf(x.X)
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			return append(structsOf(x.X), structsOf(x.Y)...)
		}
	}
	return nil
}

// label writes a name as a CUE label: an identifier when it is one, else
// a quoted string ("my-service").
func label(name string) string {
	if ast.IsValidIdent(name) && !strings.HasPrefix(name, "#") && !strings.HasPrefix(name, "_") {
		return name
	}
	return strconv.Quote(name)
}
