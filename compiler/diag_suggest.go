package compiler

import (
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	sg "github.com/gantry-gitops/gantry/internal/suggest"
)

// suggest returns the candidate closest to name when it is close enough to
// be a likely misspelling (see suggest.Closest), else "".
func suggest(name string, candidates []string) string { return sg.Closest(name, candidates) }

// unknownFieldMessage explains a "field not allowed" error: which field,
// and the closest allowed one when it looks like a misspelling.
func (l *loader) unknownFieldMessage(path []string) string {
	p := unquoteAll(path)
	if len(p) == 0 {
		return "field not allowed"
	}
	name := p[len(p)-1]
	msg := fmt.Sprintf("unknown field %q", name)
	if l.root.Exists() {
		parent := l.root.LookupPath(cuePath(p[:len(p)-1]...))
		var allowed []string
		if it, err := parent.Fields(cue.Optional(true)); err == nil {
			for it.Next() {
				s := it.Selector()
				if s.IsString() {
					if u := s.Unquoted(); u != name {
						allowed = append(allowed, u)
					}
				}
			}
		}
		slices.Sort(allowed)
		if s := suggest(name, allowed); s != "" {
			return msg + fmt.Sprintf("; did you mean %q?", s)
		}
		if len(allowed) > 0 && len(allowed) <= 20 {
			return msg + " (allowed: " + strings.Join(allowed, ", ") + ")"
		}
	}
	return msg
}
