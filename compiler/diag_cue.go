package compiler

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/schema"
)

// rawErr is one CUE error, taken apart.
type rawErr struct {
	path   []string
	format string
	args   []any
	pos    []token.Pos // all positions, schema ones included
}

func (r rawErr) message() string { return fmt.Sprintf(r.format, r.args...) }

// isSchemaPos reports whether pos is in gantry's schema rather than in a
// file the user wrote.
func isSchemaPos(pos token.Pos) bool {
	return pos.IsValid() && pos.Filename() == schema.Filename
}

// addCUEErrors converts CUE errors into diagnostics:
//
//   - the summary of a failed disjunction ("N errors in empty disjunction")
//     is dropped, its branches are what matter;
//   - a conflict with one of the schema's defaults (`*30 | int & >=1` given
//     0 reports both "conflicting values 30 and 0" and "out of bound >=1")
//     is dropped when the same path has another error; when it is the only
//     kind (an enumeration), the branches merge into one "want one of"
//     message;
//   - schema patterns are described in words;
//   - the position is the user's: the violating value where CUE knows it,
//     else the nearest ancestor the user wrote. Other user positions are
//     listed as "see also".
func (l *loader) addCUEErrors(errs []cueerrors.Error, env string) {
	l.addCUEErrorsAt(errs, env, nil)
}

// addCUEErrorsAt is addCUEErrors for errors of a value gantry computed
// (the unification of a definition and an environment's refinement): their
// path is the logical path given, when not nil.
func (l *loader) addCUEErrorsAt(errs []cueerrors.Error, env string, path []string) {
	for _, r := range l.groupErrors(errs) {
		// CUE names the path of one of the unified values (the top-level
		// definition's, say); keep it when it is inside the same entity, as
		// it is more precise than the path gantry asked about.
		if lp, _ := logicalPath(r.path); path != nil && (len(lp) < 2 || len(path) < 2 || lp[0] != path[0] || lp[1] != path[1] || len(lp) < len(path)) {
			r.path = path
		}
		l.emitRaw(r, env)
	}
}

// simplifiedMessages returns the messages of CUE errors after the rules of
// addCUEErrors, without positions: for checks whose position gantry knows.
func (l *loader) simplifiedMessages(err error) []string {
	var out []string
	for _, r := range l.groupErrors(cueerrors.Errors(err)) {
		out = append(out, describePatterns(r.message()))
	}
	return out
}

// groupErrors takes CUE errors apart, drops disjunction summaries and
// simplifies each path's group.
func (l *loader) groupErrors(errs []cueerrors.Error) []rawErr {
	var raws []rawErr
	for _, e := range errs {
		format, args := e.Msg()
		if strings.Contains(format, "errors in empty disjunction") {
			continue
		}
		raws = append(raws, rawErr{
			path:   e.Path(),
			format: format,
			args:   args,
			pos:    cueerrors.Positions(e),
		})
	}
	// Group by path, keeping the first-seen order.
	groups := map[string][]rawErr{}
	var order []string
	for _, r := range raws {
		k := pathKey(r.path)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []rawErr
	for _, k := range order {
		out = append(out, l.simplifyGroup(groups[k])...)
	}
	return out
}

// isDefaultConflict reports whether r is "conflicting values A and B"
// where one side is a default written in the schema.
func (l *loader) isDefaultConflict(r rawErr) bool {
	if !strings.HasPrefix(r.format, "conflicting values") {
		return false
	}
	for _, p := range r.pos {
		if isSchemaPos(p) && l.isDefaultAt(p) {
			return true
		}
	}
	return false
}

// isDefaultAt reports whether the source at pos is a value marked as a
// default (`*value`).
func (l *loader) isDefaultAt(pos token.Pos) bool {
	src := l.sourceOf(pos)
	off := pos.Offset()
	if src == nil || off <= 0 || off > len(src) {
		return false
	}
	return src[off-1] == '*'
}

func (l *loader) sourceOf(pos token.Pos) []byte {
	if !pos.IsValid() {
		return nil
	}
	if pos.Filename() == schema.Filename {
		return l.schemaSrc
	}
	return l.sources[pos.Filename()]
}

// simplifyGroup applies the rules of addCUEErrors to the errors of one path.
func (l *loader) simplifyGroup(g []rawErr) []rawErr {
	var conflicts, others []rawErr
	for _, r := range g {
		if l.isDefaultConflict(r) {
			conflicts = append(conflicts, r)
		} else {
			others = append(others, r)
		}
	}
	if len(others) > 0 || len(conflicts) == 0 {
		return dedupRaw(others)
	}
	if len(conflicts) == 1 {
		return conflicts
	}
	// An enumeration: every branch conflicts with the user's value. The
	// value the branches share is the user's; the rest are the choices.
	count := map[string]int{}
	for _, r := range conflicts {
		for _, a := range r.args[:min(2, len(r.args))] {
			count[fmt.Sprint(a)]++
		}
	}
	user := ""
	for v, n := range count {
		if n == len(conflicts) {
			user = v
		}
	}
	var choices []string
	for v := range count {
		if v != user {
			choices = append(choices, v)
		}
	}
	slices.Sort(choices)
	merged := conflicts[0]
	merged.format = "invalid value %s (want one of %s)"
	merged.args = []any{user, strings.Join(choices, ", ")}
	for _, r := range conflicts[1:] {
		merged.pos = append(merged.pos, r.pos...)
	}
	return []rawErr{merged}
}

func dedupRaw(rs []rawErr) []rawErr {
	seen := map[string]bool{}
	out := rs[:0:0]
	for _, r := range rs {
		k := r.message()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out
}

// emitRaw records one simplified CUE error at the user's position.
func (l *loader) emitRaw(r rawErr, env string) {
	l.waitIndex()
	if l.skipErr != nil && l.skipErr(r.path) {
		return
	}
	logical, e := logicalPath(r.path)
	if e != "" {
		env = e
	}
	msg := describePatterns(r.message())
	if strings.HasPrefix(r.format, "field not allowed") {
		msg = l.unknownFieldMessage(r.path)
	}

	var user []token.Pos
	seen := map[token.Pos]bool{}
	for _, p := range r.pos {
		if p.IsValid() && !isSchemaPos(p) && !seen[p] {
			seen[p] = true
			user = append(user, p)
		}
	}
	primary := token.NoPos
	if len(user) > 0 {
		primary = l.pickPrimary(user)
	} else {
		primary = l.index.nearest(env, logical)
	}
	var also []string
	for _, p := range user {
		if p != primary {
			also = append(also, l.posString(p))
		}
	}
	if len(also) > 0 {
		msg += " (see also " + strings.Join(also, ", ") + ")"
	}
	if !primary.IsValid() {
		l.addAtFileStart(formatPath(logical), env, msg, SeverityError)
		return
	}
	l.add(primary, "", formatPath(logical), env, msg, SeverityError)
}

// addAtFileStart records a diagnostic for which no user position is known
// at all (a required top-level field nobody wrote): at the package clause
// of the configuration's home file (see homeFile).
func (l *loader) addAtFileStart(path, env, msg string, sev Severity) {
	d := Diagnostic{File: l.displayName(l.dir), Path: path, Environment: env, Message: msg, Severity: sev}
	if f := l.homeFile(); f != nil {
		d.File, d.Line, d.Column = f.Filename, 1, 1
		if pos := packagePos(f); pos.IsValid() {
			d.Line, d.Column = pos.Line(), pos.Column()
		}
	}
	l.mu.Lock()
	l.diags = append(l.diags, d)
	l.mu.Unlock()
}

// homeFile is the file where the configuration's project-wide settings
// belong, for a problem that has no position (project is not set): the
// first file, shallowest directory first, that defines an environment
// (environments: E: account: ...); else the first that sets any top-level
// field; else the first file. It depends only on the files, so the
// answer is the same on every run.
func (l *loader) homeFile() *ast.File {
	if len(l.files) == 0 {
		return nil
	}
	var best *ast.File
	bestRank := 0
	for _, f := range l.files {
		rank := 1
		switch {
		case definesEnvironment(f):
			rank = 3
		case hasTopLevelField(f):
			rank = 2
		}
		if best == nil || rank > bestRank || (rank == bestRank && fileDepth(f) < fileDepth(best)) {
			best, bestRank = f, rank
		}
	}
	return best
}

func fileDepth(f *ast.File) int { return strings.Count(filepath.ToSlash(f.Filename), "/") }

// packagePos is the position of a file's package clause.
func packagePos(f *ast.File) token.Pos {
	for _, d := range f.Decls {
		if p, ok := d.(*ast.Package); ok {
			return p.PackagePos
		}
	}
	return token.NoPos
}

// hasTopLevelField reports whether a file sets a regular top-level field.
func hasTopLevelField(f *ast.File) bool {
	for _, d := range f.Decls {
		if x, ok := d.(*ast.Field); ok {
			if _, ok := staticLabel(x.Label); ok {
				return true
			}
		}
	}
	return false
}

// definesEnvironment reports whether a file writes an environment's own
// fields (account, region, network, ...) under a static name, rather
// than only refinements of services, clusters or load balancers.
func definesEnvironment(f *ast.File) bool {
	for _, d := range f.Decls {
		x, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if name, ok := staticLabel(x.Label); !ok || name != "environments" {
			continue
		}
		for _, env := range staticFields(x.Value) {
			for _, own := range staticFields(env.Value) {
				if name, _ := staticLabel(own.Label); !entityKinds[name] {
					return true
				}
			}
		}
	}
	return false
}

// staticFields lists the fields with static labels of a struct value
// (through & and parentheses).
func staticFields(e ast.Expr) []*ast.Field {
	switch x := e.(type) {
	case *ast.StructLit:
		var out []*ast.Field
		for _, d := range x.Elts {
			if f, ok := d.(*ast.Field); ok {
				if _, ok := staticLabel(f.Label); ok {
					out = append(out, f)
				}
			}
		}
		return out
	case *ast.BinaryExpr:
		if x.Op == token.AND {
			return append(staticFields(x.X), staticFields(x.Y)...)
		}
	case *ast.ParenExpr:
		return staticFields(x.X)
	}
	return nil
}

func (l *loader) posString(p token.Pos) string {
	if !p.IsValid() {
		return "?"
	}
	return fmt.Sprintf("%s:%d:%d", l.displayName(p.Filename()), p.Line(), p.Column())
}

// pickPrimary chooses the most specific user position of an error: a value
// the user wrote (a literal that is not a default) over a constraint or a
// default, the later one on a tie (CUE lists the more specific value last).
func (l *loader) pickPrimary(ps []token.Pos) token.Pos {
	best, bestScore := ps[0], -1
	for _, p := range ps {
		s := l.positionScore(p)
		if s >= bestScore {
			best, bestScore = p, s
		}
	}
	return best
}

// positionScore ranks a user position: 2 for a literal value, 1 for a
// default-marked value, 0 for anything else (constraints, references).
func (l *loader) positionScore(p token.Pos) int {
	src := l.sourceOf(p)
	off := p.Offset()
	if src == nil || off < 0 || off >= len(src) {
		return 0
	}
	if l.isDefaultAt(p) {
		return 1
	}
	c := src[off]
	switch {
	case c == '"' || c == '\'' || c == '[' || c == '-' || (c >= '0' && c <= '9'):
		return 2
	case strings.HasPrefix(string(src[off:min(off+5, len(src))]), "true") ||
		strings.HasPrefix(string(src[off:min(off+5, len(src))]), "false"):
		return 2
	}
	return 0
}

// logicalPath turns a CUE path into the path users think in: an
// environment's effective service environments.E.services.N.x becomes
// services.N.x with environment E.
func logicalPath(p []string) ([]string, string) {
	p = unquoteAll(p)
	if len(p) >= 2 && p[0] == "environments" {
		env := p[1]
		if len(p) >= 4 && entityKinds[p[2]] {
			return p[2:], env
		}
		return p, env
	}
	return p, ""
}

func unquoteAll(p []string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		if strings.HasPrefix(s, `"`) {
			if u, err := strconv.Unquote(s); err == nil {
				s = u
			}
		}
		out[i] = s
	}
	return out
}

// formatPath writes a path in CUE syntax, quoting labels that are not
// identifiers.
func formatPath(p []string) string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		if isIdent(s) || isIndex(s) {
			b.WriteString(s)
		} else {
			b.WriteString(strconv.Quote(s))
		}
	}
	return b.String()
}

var identRE = regexp.MustCompile(`^[#_]*[A-Za-z_$][A-Za-z0-9_$]*$`)

func isIdent(s string) bool { return identRE.MatchString(s) }

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// patternWords describes the schema's patterns in words, so that an error
// says what is wanted rather than quoting a regular expression.
var patternWords = map[string]string{
	`^[a-z][a-z0-9-]{1,19}$`:  "2-20 characters: lowercase letters, digits and '-', starting with a letter",
	`^[a-z][a-z0-9-]{0,11}$`:  "1-12 characters: lowercase letters, digits and '-', starting with a letter",
	`^[a-z][a-z0-9-]{0,27}$`:  "1-28 characters: lowercase letters, digits and '-', starting with a letter",
	`^[0-9]{12}$`:             "an AWS account id: 12 digits",
	`^vpc-[0-9a-f]{8,17}$`:    "a VPC id such as vpc-0123456789abcdef0",
	`^subnet-[0-9a-f]{8,17}$`: "a subnet id such as subnet-0123456789abcdef0",
	`^[^\s]+$`:                "an image reference without spaces",
	`^/`:                      "a path starting with /",
	`^ELBSecurityPolicy-`:     "an ELB security policy name (ELBSecurityPolicy-...)",
	`^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$`:                                                      "an IPv4 CIDR block such as 10.0.0.0/16",
	`^[1-5][0-9]{2}((,|-)[1-5][0-9]{2})*$`:                                                          `HTTP codes such as "200", "200,204" or "200-299"`,
	`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$`:                                                "an AWS region name such as eu-west-1",
	`^[a-z][a-z0-9-]*\.[a-z0-9]+$`:                                                                  `an EC2 instance type such as "c7g.large"`,
	`^(recommended|ami-[0-9a-f]{8,17})$`:                                                            `"recommended" or an AMI id such as "ami-0123456789abcdef0"`,
	`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`:                                "an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
	`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`:                           "an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
	`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`:                                "a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
	`^(/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*|arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+)$`: "an SSM parameter name (/path/name) or ARN",
	`^(Average|Sum|Minimum|Maximum|SampleCount|p([0-9]{1,2}(\.[0-9]{1,2})?|100))$`:                  "Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99",
}

var outOfBoundRE = regexp.MustCompile(`\(out of bound =~("(?:[^"\\]|\\.)*")\)`)
var enumRE = regexp.MustCompile(`^\^\(([A-Za-z0-9/_.-]+(?:\|[A-Za-z0-9/_.-]+)+)\)\$$`)

// describePatterns rewrites `(out of bound =~"REGEX")` into words.
func describePatterns(msg string) string {
	return outOfBoundRE.ReplaceAllStringFunc(msg, func(m string) string {
		q := outOfBoundRE.FindStringSubmatch(m)[1]
		re, err := strconv.Unquote(q)
		if err != nil {
			return m
		}
		if w, ok := patternWords[re]; ok {
			return "(want " + w + ")"
		}
		if sub := enumRE.FindStringSubmatch(re); sub != nil {
			alts := strings.Split(sub[1], "|")
			for i, a := range alts {
				alts[i] = strconv.Quote(a)
			}
			return "(want one of " + strings.Join(alts, ", ") + ")"
		}
		return m
	})
}
