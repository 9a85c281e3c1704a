package compiler

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic fails validation.
type Severity string

const (
	// SeverityError makes validation fail.
	SeverityError Severity = "error"
	// SeverityWarning is printed but fails validation only with --strict.
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a configuration, at the user's own
// file and line.
type Diagnostic struct {
	// File is relative to the current directory where possible.
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	// Path is the CUE path of the value, written as the user thinks of it:
	// an environment's effective service is services.NAME..., with the
	// environment in Environment.
	Path string `json:"path"`
	// Environment names the environment(s) the problem occurs in, comma
	// separated and sorted; empty when it does not depend on one.
	Environment string   `json:"environment"`
	Message     string   `json:"message"`
	Severity    Severity `json:"severity"`
}

// Pos is the diagnostic's position as file:line:col.
func (d Diagnostic) Pos() string {
	if d.Line == 0 {
		return d.File
	}
	return fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
}

// String is the human format: file:line:col: [warning: ]path: message
// (environment E).
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos())
	b.WriteString(": ")
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.Environment != "" {
		if strings.Contains(d.Environment, ",") {
			fmt.Fprintf(&b, " (environments %s)", strings.ReplaceAll(d.Environment, ",", ", "))
		} else {
			fmt.Fprintf(&b, " (environment %s)", d.Environment)
		}
	}
	return b.String()
}

// Diagnostics is every problem of one run, sorted by file, line and column.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	return ds.filter(SeverityError)
}

// Warnings returns the warning diagnostics.
func (ds Diagnostics) Warnings() Diagnostics {
	return ds.filter(SeverityWarning)
}

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// String prints one diagnostic per line in the human format.
func (ds Diagnostics) String() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// compareDiag orders diagnostics by file, line, column, then the rest, so
// output is stable.
func compareDiag(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Severity, b.Severity),
		cmp.Compare(a.Environment, b.Environment),
	)
}

// normalize merges duplicates and sorts. The same problem at the same user
// line in several environments becomes one diagnostic naming all of them;
// a problem also reported without an environment (it holds everywhere)
// absorbs the per-environment copies. The same problem at the same line
// for several values (a shared default such as services: [_]: logs: ...,
// checked once per service) is one diagnostic whose path has a * where
// the values' paths differ.
func normalize(ds Diagnostics) Diagnostics {
	type key struct {
		file      string
		line, col int
		msg       string
		severity  Severity
	}
	envs := map[key]map[string]bool{}
	paths := map[key]string{}
	var order []key
	for _, d := range ds {
		k := key{d.File, d.Line, d.Column, d.Message, d.Severity}
		set, seen := envs[k]
		if !seen {
			set = map[string]bool{}
			envs[k] = set
			order = append(order, k)
			paths[k] = d.Path
		} else {
			paths[k] = mergePaths(paths[k], d.Path)
		}
		if d.Environment == "" {
			set[""] = true
			continue
		}
		for _, e := range strings.Split(d.Environment, ",") {
			set[e] = true
		}
	}
	out := make(Diagnostics, 0, len(order))
	for _, k := range order {
		set := envs[k]
		env := ""
		if !set[""] {
			names := make([]string, 0, len(set))
			for e := range set {
				names = append(names, e)
			}
			slices.Sort(names)
			env = strings.Join(names, ",")
		}
		out = append(out, Diagnostic{
			File: k.file, Line: k.line, Column: k.col,
			Path: paths[k], Message: k.msg, Severity: k.severity,
			Environment: env,
		})
	}
	slices.SortFunc(out, compareDiag)
	return out
}

// mergePaths generalises two paths of the same problem: segments that
// differ become *; paths of different lengths keep the first.
func mergePaths(a, b string) string {
	if a == b {
		return a
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	if len(as) != len(bs) {
		return a
	}
	for i := range as {
		if as[i] != bs[i] {
			as[i] = "*"
		}
	}
	return strings.Join(as, ".")
}
