package compiler

import (
	"bytes"
	"regexp"
	"strings"

	"cuelang.org/go/cue/ast"

	"github.com/gantry-gitops/gantry/config"
)

// Sensitivity belongs to an environment variable, not to one of the values
// written for it: a variable marked @sensitive() wherever the user wrote it
// (top level, an environment's refinement, a service or one of its
// sidecars) is sensitive in every environment, whichever value wins. The
// attribute is found in the syntax, so it is never lost when CUE unifies a
// marked value with an unmarked one.

// sensitiveKey names an environment variable of a service's main container
// (sidecar "") or of one of its sidecars; "*" stands for every service,
// sidecar or variable, where the attribute is written under a pattern
// constraint (services: [_]: env: TOKEN: string @sensitive()).
type sensitiveKey struct{ service, sidecar, name string }

// sensitiveMarks are the variables marked @sensitive().
type sensitiveMarks map[sensitiveKey]bool

// has reports whether a variable is marked, by name or by a pattern.
func (m sensitiveMarks) has(k sensitiveKey) bool {
	for _, service := range []string{k.service, anyLabel} {
		for _, name := range []string{k.name, anyLabel} {
			if k.sidecar == "" {
				if m[sensitiveKey{service, "", name}] {
					return true
				}
				continue
			}
			for _, sidecar := range []string{k.sidecar, anyLabel} {
				if m[sensitiveKey{service, sidecar, name}] {
					return true
				}
			}
		}
	}
	return false
}

// sensitiveVars lists the variables marked @sensitive() in files. sources
// (by file name) let it skip the files that have no attribute at all.
func sensitiveVars(files []*ast.File, sources map[string][]byte) sensitiveMarks {
	marks := sensitiveMarks{}
	for _, f := range files {
		if src, ok := sources[f.Filename]; ok && !bytes.Contains(src, []byte("@")) {
			continue
		}
		walkFields(make([]string, 0, 8), f.Decls, func(path []string, fd *ast.Field) {
			if !hasAttr(fd, "sensitive") {
				return
			}
			if k, ok := envVarKey(path); ok {
				marks[k] = true
			}
		})
	}
	return marks
}

// mayBeSensitive reports whether some value of the configuration may
// carry @sensitive(): a file has the word, or the configuration imports
// a package (whose definitions may have it). Without, nothing is looked
// for.
func (l *loader) mayBeSensitive() bool {
	if len(l.marks) > 0 {
		return true
	}
	for _, f := range l.files {
		for spec := range f.ImportSpecs() {
			if p := spec.Path.Value; strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				return true
			}
		}
		if src, ok := l.sources[f.Filename]; !ok || bytes.Contains(src, []byte("@sensitive")) {
			return true
		}
	}
	return false
}

// walkFields calls f for every field with a static path (nested labels,
// "a: b: c: v" included), where a pattern constraint's label ([_], or any
// other: marking too much is the safe side) is "*"; fields under dynamic
// labels or comprehensions are skipped. The path passed to f is only
// valid during the call (siblings share its array).
func walkFields(path []string, decls []ast.Decl, f func([]string, *ast.Field)) {
	for _, d := range decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(fd.Label)
		if _, pattern := fd.Label.(*ast.ListLit); pattern {
			name, err = anyLabel, nil
		}
		if err != nil {
			continue
		}
		p := append(path, name)
		f(p, fd)
		if st, ok := fd.Value.(*ast.StructLit); ok {
			walkFields(p, st.Elts, f)
		}
	}
}

func hasAttr(fd *ast.Field, key string) bool {
	for _, a := range fd.Attrs {
		if k, _ := a.Split(); k == key {
			return true
		}
	}
	return false
}

// envVarKey recognises services.S.env.K and services.S.sidecars.X.env.K,
// at the top level or under environments.E.
func envVarKey(p []string) (sensitiveKey, bool) {
	if len(p) > 2 && p[0] == "environments" {
		p = p[2:]
	}
	switch {
	case len(p) == 4 && p[0] == "services" && p[2] == "env":
		return sensitiveKey{service: p[1], name: p[3]}, true
	case len(p) == 6 && p[0] == "services" && p[2] == "sidecars" && p[4] == "env":
		return sensitiveKey{service: p[1], sidecar: p[3], name: p[5]}, true
	}
	return sensitiveKey{}, false
}

// markSensitive flags the marked variables in every environment.
func markSensitive(p *config.Project, marks sensitiveMarks) {
	if p == nil || len(marks) == 0 {
		return
	}
	mark := func(env map[string]config.EnvVar, service, sidecar string) {
		for name, v := range env {
			if marks.has(sensitiveKey{service, sidecar, name}) {
				v.Sensitive = true
				env[name] = v
			}
		}
	}
	for _, e := range p.Environments {
		for _, s := range e.Services {
			mark(s.Env, s.Name, "")
			for _, sc := range s.Sidecars {
				mark(sc.Env, s.Name, sc.Name)
			}
		}
	}
}

var quotedString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// maskSensitiveDiagnostics hides the values quoted in messages about a
// marked variable ("conflicting values "a" and "b""): diagnostics end up
// in CI logs.
func maskSensitiveDiagnostics(ds Diagnostics, marks sensitiveMarks) {
	if len(marks) == 0 {
		return
	}
	for i := range ds {
		k, ok := envVarKey(strings.Split(ds[i].Path, "."))
		if ok && marks.has(k) {
			ds[i].Message = quotedString.ReplaceAllString(ds[i].Message, "(sensitive)")
		}
	}
}
