package cuedit

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
)

// ImageRequest asks for a service's image in one environment.
type ImageRequest struct {
	Service, Env, Image string
	// OthersRunning are the other environments that run the service: a
	// value in the service's definition is theirs too.
	OthersRunning []string
}

// How says how a change is made.
type How string

const (
	// Replaced: literals were replaced in place.
	Replaced How = "replaced"
	// Added: the field was added to the environment's refinement.
	Added How = "added"
)

// Change is one value set in the source: the edits that make it.
type Change struct {
	Service, Env, Image string
	How                 How
	// Path is the CUE path of the field written: the environment's
	// (environments.ENV.services.NAME.image) or the definition's
	// (services.NAME.image).
	Path  string
	Edits []Edit
	// At is where the new value is written in the edited files
	// (file:line:col), once Apply has made the edits.
	At string
}

// Error is a change refused, at the file:line:col of the value that
// stands in the way.
type Error struct {
	Pos string // file:line:col
	Msg string
}

func (e *Error) Error() string { return e.Pos + ": " + e.Msg }

// SetImage works out the edits that set a service's image in one
// environment, by the rules in the package documentation. It changes
// nothing; Apply makes the edits.
func (s *Source) SetImage(r ImageRequest) (*Change, error) {
	quoted := literal.String.Quote(r.Image)
	envPath := []string{"environments", r.Env, "services", r.Service, "image"}
	basePath := []string{"services", r.Service, "image"}
	ch := &Change{Service: r.Service, Env: r.Env, Image: r.Image, Path: cuePath(envPath)}

	var envLits []hit
	for _, h := range s.find(envPath) {
		switch c := classify(h.field.Value); c.kind {
		case kindLiteral, kindDefaultLiteral:
			envLits = append(envLits, h)
		case kindExpression, kindDefaultExpression:
			return nil, &Error{h.pos(), fmt.Sprintf("%s is an expression (%s), not a string literal: gantry replaces only literals. "+
				"Write the image there as a literal, or change the values it is built from", ch.Path, excerpt(h))}
		}
	}
	var baseLits, baseConcrete []hit
	var baseDefaultLits int
	for _, h := range s.find(basePath) {
		switch c := classify(h.field.Value); c.kind {
		case kindLiteral:
			baseLits = append(baseLits, h)
			baseConcrete = append(baseConcrete, h)
		case kindExpression:
			baseConcrete = append(baseConcrete, h)
		case kindDefaultLiteral:
			baseLits = append(baseLits, h)
			baseDefaultLits++
		}
	}

	switch {
	case len(baseConcrete) > 0:
		// CUE cannot override a concrete value: it can be replaced only
		// where it is this environment's alone, and only a literal.
		if len(r.OthersRunning) > 0 {
			return nil, &Error{baseConcrete[0].pos(), sharedMessage(r, baseConcrete[0])}
		}
		if h, ok := firstExpression(baseConcrete); ok {
			return nil, &Error{h.pos(), fmt.Sprintf("%s is an expression (%s), not a string literal: gantry replaces only literals. "+
				"Write the image there as a literal, or make it a default (image: *%s | string) that environments may override", cuePath(basePath), excerpt(h), operand(h))}
		}
		ch.How, ch.Path = Replaced, cuePath(basePath)
		ch.Edits = replaceAll(append(envLits, baseLits...), quoted)
	case len(envLits) > 0:
		ch.How = Replaced
		ch.Edits = replaceAll(envLits, quoted)
	case baseDefaultLits > 0 && len(r.OthersRunning) == 0:
		// The definition's default is this environment's alone.
		ch.How, ch.Path = Replaced, cuePath(basePath)
		ch.Edits = replaceAll(baseLits, quoted)
	default:
		e, err := s.addField(r, quoted)
		if err != nil {
			return nil, err
		}
		e.Mark = strings.LastIndex(e.Text, "image: ")
		ch.How = Added
		ch.Edits = []Edit{e}
	}
	return ch, nil
}

// firstExpression returns the first hit whose value is an expression.
func firstExpression(hits []hit) (hit, bool) {
	for _, h := range hits {
		if classify(h.field.Value).kind == kindExpression {
			return h, true
		}
	}
	return hit{}, false
}

// cuePath writes a path as CUE does, quoting labels that are not
// identifiers (services."my-web".image).
func cuePath(p []string) string {
	out := make([]string, len(p))
	for i, l := range p {
		out[i] = label(l)
	}
	return strings.Join(out, ".")
}

// sharedMessage explains why a concrete value in the service's
// definition cannot change for one environment, and what to write
// instead.
func sharedMessage(r ImageRequest, h hit) string {
	what := "the literal " + excerpt(h)
	if classify(h.field.Value).kind == kindExpression {
		what = "the expression " + excerpt(h)
	}
	return fmt.Sprintf("%[7]s is %[2]s for every environment (%[1]s also runs in %[3]s): "+
		"CUE cannot give %[4]s another concrete value. Make it a default (image: *%[5]s | string), "+
		"or move the image into each environment's refinement (environments: ENV: services: %[6]s: image: \"...\"), then run this again",
		r.Service, what, strings.Join(r.OthersRunning, ", "), r.Env, operand(h), label(r.Service), cuePath([]string{"services", r.Service, "image"}))
}

// excerpt is a field value's source text, shortened for a message.
func excerpt(h hit) string {
	start, end := h.field.Value.Pos().Offset(), h.field.Value.End().Offset()
	if start < 0 || end > len(h.file.Src) || end < start {
		return "?"
	}
	s := string(h.file.Src[start:end])
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

// operand is a field value's source text as the operand of a default
// marker: in parentheses unless it is a single term.
func operand(h hit) string {
	if _, ok := h.field.Value.(*ast.BinaryExpr); ok {
		return "(" + excerpt(h) + ")"
	}
	return excerpt(h)
}

// replaceAll replaces the literal of every hit with quoted.
func replaceAll(hits []hit, quoted string) []Edit {
	var out []Edit
	for _, h := range hits {
		lit := classify(h.field.Value).lit
		start := lit.Pos().Offset()
		out = append(out, Edit{Path: h.file.Path, Start: start, End: start + len(lit.Value), Text: quoted})
	}
	return out
}

// addField adds image to the environment's refinement of the service:
// in the block that holds it (environments: ENV: services: NAME: {...}),
// else in the block of the environment's services, else in a new block
// after the service's refinements in other environments, else at the end
// of the file that defines the service.
func (s *Source) addField(r ImageRequest, quoted string) (Edit, error) {
	svc := []string{"environments", r.Env, "services", r.Service}
	if st, f := s.firstStruct(svc); st != nil {
		return insertField(f, st, "image: "+quoted), nil
	}
	if st, f := s.firstStruct(svc[:3]); st != nil {
		return insertField(f, st, label(r.Service)+": image: "+quoted), nil
	}
	block := fmt.Sprintf("environments: %s: services: %s: {\n%simage: %s\n}", label(r.Env), label(r.Service), "%s", quoted)
	refinements := s.find([]string{"environments", "*", "services", r.Service})
	defs := s.find([]string{"services", r.Service})
	if len(refinements) > 0 {
		// After the last refinement in the file of the first one (the
		// service's definition's file, when it holds some).
		f := refinements[0].file
		for _, h := range refinements {
			if len(defs) > 0 && h.file == defs[0].file {
				f = h.file
				break
			}
		}
		var last hit
		for _, h := range refinements {
			if h.file == f {
				last = h
			}
		}
		return insertAfter(f, last.top, fmt.Sprintf(block, indentUnit(f.Src))), nil
	}
	if len(defs) > 0 {
		f := defs[0].file
		return appendToFile(f, fmt.Sprintf(block, indentUnit(f.Src))), nil
	}
	return Edit{}, fmt.Errorf("%s: no definition written in the configuration's files to add the image next to", cuePath([]string{"services", r.Service}))
}

// firstStruct returns the first struct literal written with braces at
// path p, and its file.
func (s *Source) firstStruct(p []string) (*ast.StructLit, *File) {
	for _, h := range s.find(p) {
		for _, st := range structsOf(h.field.Value) {
			if st.Lbrace.IsValid() {
				return st, h.file
			}
		}
	}
	return nil, nil
}
