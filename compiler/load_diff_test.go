package compiler

import (
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/gantry-gitops/gantry/schema"
)

// The differential test: gantry's loader (the syntax's shapes, field by
// field merges, memoised effective values, Go predicates) against an
// oracle that is plain CUE. The oracle builds the package with the schema
// added (cue's own AddFile, no gantry code), unifies the package with
// #Config, and computes each environment's effective cluster, load
// balancer and service as `kind & environments.E.kind` (so the
// environment's patterns apply) with CUE's Unify, reading the result with
// Fields and Default. It implements only the rules docs/validate.md states
// where gantry differs from plain CUE:
//
//   - your defaults win over the schema's: where CUE finds no concrete
//     value because two defaults disagree, the user's own default is the
//     value, if the schema allows it;
//   - a service with enabled: false is left out of an environment, and
//     nothing inside its refinement there is checked;
//   - an environment-level entry that refines no top-level name is an
//     error (gantry reports it; the oracle reports it too).
//
// What is compared, per input:
//
//   - gantry reports no error: plain CUE finds none either, and every
//     effective value (the project, repositories, each environment's own
//     fields and entities) is the same;
//   - plain CUE finds an error: gantry reports at least one, and when
//     CUE's errors are positioned in user files, one of gantry's errors is
//     at one of those lines (as its position or a "see also"): gantry
//     reports a mistake once, where it was made, not its consequences;
//   - gantry reports errors that CUE does not: those are gantry's own
//     checks (Fargate sizes, references, AWS limits, ...), which CUE
//     cannot judge; the fast path (shapes) must then report exactly what
//     reading every struct with Fields reports.

// diffResult is what each side says about a configuration.
type diffResult struct {
	values map[string]any // environment ("" for the top level) → effective value
	errs   []diffErr
}

type diffErr struct {
	msg string
	pos []string // file:line, user files only
}

// checkDifferential compares gantry with the oracle on the configuration in
// dir.
func checkDifferential(t *testing.T, dir string) {
	t.Helper()
	p, ds, l, err := loadAll(dir, LoadOptions{RelativeTo: dir})
	if err != nil {
		t.Skipf("not a configuration: %v", err) // usage errors are FuzzLoad's
	}
	o, skip := oracleLoad(dir)
	if skip != "" {
		t.Skip(skip)
	}
	if !ds.HasErrors() {
		if p == nil {
			t.Fatal("no errors but no project")
		}
		if len(o.errs) > 0 {
			t.Fatalf("gantry accepts what CUE rejects:\n%s", formatDiffErrs(o.errs))
		}
		got := gantryValues(l.checker)
		if d := cmp.Diff(o.values, got); d != "" {
			t.Fatalf("effective values differ (-cue +gantry):\n%s", d)
		}
		return
	}
	if len(o.errs) == 0 {
		// gantry's own checks: CUE cannot judge them, but the fast path
		// must find what reading every struct with Fields finds.
		_, slow, _ := LoadWithOptions(dir, LoadOptions{RelativeTo: dir, listFields: true})
		if d := cmp.Diff(slow.String(), ds.String()); d != "" {
			t.Errorf("gantry's own findings differ between reading with Fields and by shapes (-Fields +shapes):\n%s", d)
		}
		return
	}
	lines := map[string]bool{}
	for _, d := range ds.Errors() {
		lines[fmt.Sprintf("%s:%d", d.File, d.Line)] = true
		for _, m := range seeAlsoRE.FindAllStringSubmatch(d.Message, -1) {
			lines[m[1]] = true
		}
	}
	// gantry reports one error per mistake, where it was made, and none of
	// its consequences: one of its errors is at a line CUE's errors name.
	var cuePos []string
	for _, e := range o.errs {
		cuePos = append(cuePos, e.pos...)
	}
	if len(cuePos) == 0 {
		return
	}
	for _, p := range cuePos {
		if lines[p] {
			return
		}
	}
	t.Errorf("gantry reports no error at a line CUE's errors name:\ncue:\n%sgantry:\n%s", formatDiffErrs(o.errs), ds.Errors())
}

var seeAlsoRE = regexp.MustCompile(`([^\s(),]+\.cue:\d+):\d+`)

func formatDiffErrs(es []diffErr) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "  %v: %s\n", e.pos, e.msg)
	}
	return b.String()
}

// gantryValues are gantry's effective values, as plain Go values.
func gantryValues(c *checker) map[string]any {
	out := map[string]any{}
	for env, n := range c.eff {
		out[env] = gnodeValue(n)
	}
	return out
}

func gnodeValue(n *gnode) any {
	switch {
	case n == nil:
		return nil
	case n.failed:
		return "<error>"
	case n.kind == cue.StructKind:
		m := map[string]any{}
		for _, f := range n.fields {
			if f.node != nil {
				m[f.name] = gnodeValue(f.node)
			}
		}
		return m
	case n.kind == cue.ListKind:
		l := []any{}
		for _, f := range n.fields {
			l = append(l, gnodeValue(f.node))
		}
		return l
	case !n.concrete:
		return "<not concrete>"
	}
	return scalarValue(n.lit)
}

// scalarValue normalises a scalar for comparison: numbers as their
// decimal text (ints beyond 64 bits included).
func scalarValue(v any) any {
	switch x := v.(type) {
	case int64:
		return "int:" + strconv.FormatInt(x, 10)
	case float64:
		return "float:" + strconv.FormatFloat(x, 'g', -1, 64)
	}
	return v
}

// oracleLoad evaluates the configuration in dir with plain CUE. skip is
// set when the input is outside what the oracle models.
func oracleLoad(dir string) (diffResult, string) {
	var res diffResult
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (skipName(name) || name == "testdata" || name == "vendor" || name == "node_modules" || name == "cue.mod") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".cue") && !skipName(name) {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		return res, err.Error()
	}
	if len(names) == 0 {
		return res, "no files"
	}
	// Parse; a syntax error is CUE's first error.
	files := map[string]*ast.File{}
	srcs := map[string][]byte{}
	for _, n := range names {
		src, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return res, err.Error()
		}
		f, err := parser.ParseFile(n, src)
		if err != nil {
			res.errs = append(res.errs, cueDiffErrs(err)...)
			continue
		}
		files[n], srcs[n] = f, src
	}
	if len(res.errs) > 0 {
		// CUE stops at syntax errors (gantry reports the first of each
		// file: one of CUE's lines).
		return res, ""
	}
	// The packages of the user's module that the configuration imports
	// are imports, not part of it.
	module := oracleModule(dir)
	imported := map[string]bool{}
	var importPaths []string
	for _, f := range files {
		for spec := range f.ImportSpecs() {
			p, _ := strconv.Unquote(spec.Path.Value)
			p, _, _ = strings.Cut(p, ":")
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") && !imported[p] {
				importPaths = append(importPaths, p)
			}
			imported[p] = true
		}
	}
	pkg := ""
	inst := build.NewContext().NewInstance(dir, nil)
	slices.Sort(names)
	for _, n := range names {
		f := files[n]
		if f == nil {
			continue
		}
		if rel := filepath.Dir(n); module != "" && rel != "." && imported[module+"/"+filepath.ToSlash(rel)] {
			continue
		}
		if pkg == "" {
			pkg = f.PackageName()
		}
		if f.PackageName() == "" || f.PackageName() != pkg {
			res.errs = append(res.errs, diffErr{msg: "package clause"})
			return res, ""
		}
		if err := inst.AddFile(n, srcs[n]); err != nil {
			res.errs = append(res.errs, cueDiffErrs(err)...)
			return res, ""
		}
	}
	if pkg == "" {
		return res, "no package"
	}
	if err := inst.AddFile(schema.Filename, schema.ForPackage(pkg)); err != nil {
		return res, "schema: " + err.Error()
	}
	if len(importPaths) > 0 {
		slices.Sort(importPaths)
		for _, imp := range load.Instances(importPaths, &load.Config{Dir: dir}) {
			if imp.Err != nil {
				res.errs = append(res.errs, diffErr{msg: "import: " + imp.Err.Error()})
				return res, ""
			}
			inst.Imports = append(inst.Imports, imp)
		}
	}
	ctx := cuecontext.New()
	root := ctx.BuildInstance(inst)
	if err := root.Err(); err != nil {
		res.errs = append(res.errs, cueDiffErrs(err)...)
		return res, ""
	}
	checked := root.Unify(root.LookupPath(cue.MakePath(cue.Def("Config"))))
	o := &oracle{res: &res}
	// Validation of the package as written (not for concreteness): errors
	// inside what gantry documents it does not check are left out.
	disabled := map[string]map[string]bool{}
	envs := regularFields(checked.LookupPath(cue.ParsePath("environments")))
	top := map[string]map[string]bool{}
	for _, kind := range entityOrder {
		top[kind] = map[string]bool{}
		for _, n := range regularFields(root.LookupPath(cue.ParsePath(kind))) {
			top[kind][n] = true
		}
	}
	// An environment entry with no account, region or network of its
	// own (and no other field of its own) that refines something is one
	// error at its key, and nothing in it is checked.
	undefined := map[string]bool{}
	envs = slices.DeleteFunc(envs, func(e string) bool {
		en := root.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(e)))
		own, refines, complete := false, false, true
		for _, f := range envIdentity {
			complete = complete && en.LookupPath(cue.MakePath(cue.Str(f))).Exists()
		}
		for _, f := range regularFields(en) {
			if entityKinds[f] {
				refines = true // entries, or only patterns (a policy)
			} else {
				own = true
			}
		}
		if !complete && !own && refines {
			undefined[e] = true
			res.errs = append(res.errs, diffErr{msg: "environment " + e + " is not defined"})
			return true
		}
		return false
	})
	for _, e := range envs {
		disabled[e] = map[string]bool{}
		for _, n := range sortedKeys(top["services"]) {
			eff := o.entity(checked, root, e, "services", n)
			if en, ok := eff.LookupPath(cue.ParsePath("enabled")).Default(); ok || en.IsConcrete() {
				if b, err := en.Bool(); err == nil && !b {
					disabled[e][n] = true
				}
			}
		}
	}
	if err := checked.Validate(); err != nil {
		for _, ce := range cueerrors.Errors(err) {
			p := unquoteAll(ce.Path())
			if len(p) >= 2 && p[0] == "environments" && undefined[p[1]] {
				continue
			}
			if len(p) >= 4 && p[0] == "environments" && entityKinds[p[2]] &&
				(!top[p[2]][p[3]] || p[2] == "services" && disabled[p[1]][p[3]]) {
				continue
			}
			res.errs = append(res.errs, cueDiffErrs(ce)...)
		}
	}
	// The effective values.
	values := map[string]any{}
	topVals := map[string]any{}
	topVals["project"] = o.export(checked.LookupPath(cue.ParsePath("project")), root.LookupPath(cue.ParsePath("project")), "project")
	topVals["repositories"] = o.export(checked.LookupPath(cue.ParsePath("repositories")), root.LookupPath(cue.ParsePath("repositories")), "repositories")
	values[""] = topVals
	for _, e := range envs {
		ev := map[string]any{}
		own := checked.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(e)))
		ownUser := root.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(e)))
		for _, f := range regularFields(own) {
			if entityKinds[f] {
				continue
			}
			ev[f] = o.export(own.LookupPath(cue.MakePath(cue.Str(f))), ownUser.LookupPath(cue.MakePath(cue.Str(f))), "environments."+e+"."+f)
		}
		for _, kind := range entityOrder {
			kv := map[string]any{}
			for _, n := range sortedKeys(top[kind]) {
				if kind == "services" && disabled[e][n] {
					continue
				}
				eff := o.entity(checked, root, e, kind, n)
				user := o.entity(root, root, e, kind, n)
				kv[n] = o.export(eff, user, kind+"."+n)
			}
			ev[kind] = kv
		}
		// An environment-level entry must refine a top-level name.
		for _, kind := range entityOrder {
			for _, n := range regularFields(root.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(e), cue.Str(kind)))) {
				if !top[kind][n] {
					res.errs = append(res.errs, diffErr{msg: "refines nothing: " + kind + "." + n})
				}
			}
		}
		values[e] = ev
	}
	if len(envs) == 0 {
		// Nothing is deployed; the definitions are still checked.
		for _, kind := range entityOrder {
			for _, n := range sortedKeys(top[kind]) {
				v := checked.LookupPath(cue.MakePath(cue.Str(kind), cue.Str(n)))
				o.export(v, root.LookupPath(cue.MakePath(cue.Str(kind), cue.Str(n))), kind+"."+n)
			}
		}
	}
	res.values = values
	return res, ""
}

type oracle struct{ res *diffResult }

// entity is the effective kind.name in environment env: the top-level
// definitions unified with the environment's (whose patterns apply).
func (o *oracle) entity(v, root cue.Value, env, kind, name string) cue.Value {
	all := v.LookupPath(cue.MakePath(cue.Str(kind)))
	ref := v.LookupPath(cue.MakePath(cue.Str("environments"), cue.Str(env), cue.Str(kind)))
	if ref.Exists() {
		all = all.Unify(ref)
	}
	return all.LookupPath(cue.MakePath(cue.Str(name)))
}

// export reads an effective value: its regular fields, list elements and
// concrete scalars. A scalar CUE leaves without a concrete value takes the
// user's own default (user is the same value without the schema), if the
// schema allows it; else it is an error ("not concrete").
func (o *oracle) export(v, user cue.Value, path string) any {
	if !v.Exists() {
		return nil
	}
	if err := v.Err(); err != nil {
		if v.Validate() == nil {
			// Incomplete: not concrete.
			o.res.errs = append(o.res.errs, diffErr{msg: path + ": not concrete: " + err.Error()})
			return "<not concrete>"
		}
		o.res.errs = append(o.res.errs, cueDiffErrs(err)...)
		return "<error>"
	}
	d, hasDefault := v.Default()
	if !hasDefault && user.Exists() {
		// Your defaults win over the schema's, lists and structs included
		// (paths: *["/a"] | [...string] against the schema's *["/*"]).
		if ud, ok := user.Default(); ok {
			if u := v.Unify(ud); u.Err() == nil {
				d = u
			}
		}
	}
	switch d.IncompleteKind() {
	case cue.StructKind:
		it, err := d.Fields()
		if err != nil {
			o.res.errs = append(o.res.errs, cueDiffErrs(err)...)
			return "<error>"
		}
		m := map[string]any{}
		for it.Next() {
			sel := it.Selector()
			m[sel.Unquoted()] = o.export(it.Value(), user.LookupPath(cue.MakePath(sel)), path+"."+sel.Unquoted())
		}
		return m
	case cue.ListKind:
		it, err := d.List()
		if err != nil {
			o.res.errs = append(o.res.errs, cueDiffErrs(err)...)
			return "<error>"
		}
		l := []any{}
		for i := 0; it.Next(); i++ {
			l = append(l, o.export(it.Value(), user.LookupPath(cue.MakePath(cue.Index(i))), path+"."+strconv.Itoa(i)))
		}
		return l
	}
	if !d.IsConcrete() && user.Exists() {
		if ud, _ := user.Default(); ud.IsConcrete() {
			if u := v.Unify(ud); u.Err() == nil {
				d = u
			} else {
				o.res.errs = append(o.res.errs, cueDiffErrs(u.Err())...)
				return "<error>"
			}
		}
	}
	if !d.IsConcrete() {
		o.res.errs = append(o.res.errs, diffErr{msg: path + ": not concrete"})
		return "<not concrete>"
	}
	switch d.Kind() {
	case cue.StringKind:
		s, _ := d.String()
		return s
	case cue.BoolKind:
		b, _ := d.Bool()
		return b
	case cue.IntKind:
		var z big.Int
		if _, err := d.Int(&z); err == nil && z.IsInt64() {
			return scalarValue(z.Int64())
		}
		// Beyond 64 bits: the number AWS receives is a double (alarm
		// thresholds; the schema bounds every int field).
		f, _ := new(big.Float).SetInt(&z).Float64()
		return scalarValue(f)
	case cue.FloatKind:
		f, _ := d.Float64()
		return scalarValue(f)
	case cue.NullKind:
		return nil
	}
	return fmt.Sprintf("<%s %v>", d.Kind(), d)
}

func regularFields(v cue.Value) []string {
	if !v.Exists() {
		return nil
	}
	if d, ok := v.Default(); ok {
		v = d
	}
	it, err := v.Fields()
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	slices.Sort(out)
	return out
}

func cueDiffErrs(err error) []diffErr {
	var out []diffErr
	for _, e := range cueerrors.Errors(err) {
		de := diffErr{msg: e.Error()}
		for _, p := range cueerrors.Positions(e) {
			if p.IsValid() && !isSchemaPos(p) {
				de.pos = append(de.pos, fmt.Sprintf("%s:%d", p.Filename(), p.Line()))
			}
		}
		out = append(out, de)
	}
	return out
}

func skipName(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// oracleModule is the module path in dir/cue.mod/module.cue, as CUE reads
// it, without its major version.
func oracleModule(dir string) string {
	src, err := os.ReadFile(filepath.Join(dir, "cue.mod", "module.cue"))
	if err != nil {
		return ""
	}
	m, err := cuecontext.New().CompileBytes(src).LookupPath(cue.ParsePath("module")).String()
	if err != nil {
		return ""
	}
	m, _, _ = strings.Cut(m, "@")
	return m
}

// writeArchive writes a txtar archive's files into a new directory,
// leaving out names that are not plain relative paths. An input that is
// not an archive is one file, fuzz.cue, beside fuzzBase.
func writeArchive(t *testing.T, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	a := parseArchive(data)
	if len(a.Files) == 0 {
		a.Files = []txtar.File{{Name: "base.cue", Data: []byte(fuzzBase)}, {Name: "fuzz.cue", Data: data}}
	}
	for _, f := range a.Files {
		name := filepath.Clean(filepath.FromSlash(f.Name))
		if name == "." || filepath.IsAbs(name) || strings.HasPrefix(name, "..") || strings.ContainsAny(name, "\\:*?\"<>|\x00") {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			continue
		}
		_ = os.WriteFile(p, f.Data, 0o644)
	}
	return dir
}

// parseArchive is txtar.Parse, which panics on some inputs: those are
// one file.
func parseArchive(data []byte) (a *txtar.Archive) {
	defer func() {
		if recover() != nil {
			a = &txtar.Archive{}
		}
	}()
	return txtar.Parse(data)
}

// archiveOf packs the configuration files under dir (cue.mod included)
// into a txtar archive, for the fuzzer's seeds.
func archiveOf(t testing.TB, dir string) []byte {
	var a txtar.Archive
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".cue") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		a.Files = append(a.Files, txtar.File{Name: filepath.ToSlash(rel), Data: src})
		return nil
	})
	return txtar.Format(&a)
}

// differentialDirs are the configurations the differential test and the
// fuzzer start from: the project's fixtures and examples, the CLI's test
// scripts, a generated repository and the shared example when it exists.
func differentialDirs(t testing.TB) []string {
	dirs := []string{"../testdata/examples/library"}
	fixtures, _ := filepath.Glob("../testdata/fixtures/*")
	for _, f := range fixtures {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			dirs = append(dirs, f)
		}
	}
	if fi, err := os.Stat("../../shared/examples/shop"); err == nil && fi.IsDir() {
		dirs = append(dirs, "../../shared/examples/shop")
	}
	scripts, _ := filepath.Glob("../cmd/gantry/testdata/script/*.txtar")
	for _, s := range scripts {
		dirs = append(dirs, scriptConfigDirs(t, s)...)
	}
	return dirs
}

// TestDifferential runs the differential comparison on every seed
// configuration (see FuzzDifferential).
func TestDifferential(t *testing.T) {
	for _, dir := range differentialDirs(t) {
		t.Run(strings.TrimPrefix(dir, os.TempDir()), func(t *testing.T) { checkDifferential(t, dir) })
	}
}

// FuzzDifferential compares gantry's validation with plain CUE's
// evaluation on arbitrary configurations (a txtar archive of files, or one
// file added to a small valid configuration): see checkDifferential.
//
//	go test ./compiler -run XXX -fuzz FuzzDifferential -fuzztime 60s
func FuzzDifferential(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range differentialCases {
		f.Add([]byte(s))
	}
	for _, dir := range differentialDirs(f) {
		f.Add(archiveOf(f, dir))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDifferential(t, writeArchive(t, data))
	})
}

// differentialCases are inputs (txtar archives) where gantry once
// disagreed with plain CUE; each is a regression test (TestDifferentialCases)
// and a fuzz seed.
var differentialCases = []string{
	// A top-level map that is not a struct was never read, so never
	// checked against #Config: gantry accepted it.
	"package acme,services:\"0\"",
	"-- base.cue --\n" + fuzzBase + "-- x.cue --\npackage acme\nenvironments: live: clusters: [1]\nloadBalancers: 5\n",
	// An unknown attribute, found while CUE evaluated, stopped the
	// evaluation when it was reported first: CUE's own error was lost.
	"-- base.cue --\n" + fuzzBase + "-- services.cue --\n@if(prod)\n\npackage acme\n\nser",
	// A file-level embedding of clusters made its cluster a top-level
	// field: gantry named only the cluster's line, not the embedding.
	"package acme,clusters",
	// A top-level map CUE cannot evaluate yet ([_] * {...}) was read as
	// no entries at all: what was written beside it went unchecked.
	"package acme,services:[_]*{A0000:0X0},services:A00:0",
	// A struct where one value belongs, written on the line after its
	// label: gantry named the label's line, CUE the value's.
	"-- 0.cue --\npackage A0,project:\nA:\"\"",
	// A disjunction of lists without a default where a service belongs
	// was read as failed, as if CUE reported it; it did not.
	"-- 0.cue --\npackage A\nservices:a:{[]|[string]}",
	// Beside such a map, a value the schema rejects: CUE names its
	// line, gantry named only the expression's.
	"package acme,services:[_]*0\nservices:{0}",
}

// differentialSnippets are files added to fuzzBase that probe where the
// fast reader could part from CUE: defaults at both levels and under
// patterns, your defaults against the schema's, references, closed
// structs, disjunctions of structs, disabled services, numbers beyond 64
// bits, lists with defaults. The first disagreements they found are
// marked; they are regression tests and fuzz seeds.
var differentialSnippets = []string{
	`environments: [_]: services: [_]: cpu: *1024 | int
services: web: {cluster: "apps", image: "x:1", memory: 2048}`,
	`services: web: {cluster: "apps", image: "x:1", cpu: *512 | int, memory: *1024 | int}
environments: live: services: web: cpu: 1024`,
	`services: [_]: {cpu: *512 | int, memory: 1024}
services: web: {cluster: "apps", image: "x:1"}
environments: live: services: web: memory: 1024`,
	`services: web: {cluster: "apps", image: "x:1", cpu: 256.0}`,
	`services: web: {cluster: "apps", image: "x:1", env: A: "a\"b\\c\u00e9\n"}`,
	`#Base: {cluster: "apps", cpu: *512 | int, memory: 1024}
services: web: #Base & {image: "x:1"}
environments: live: services: web: cpu: 1024`,
	`services: web: {cluster: "apps", image: "x:1", scale: {min: *2 | int, max: min + 2}}
environments: live: services: web: scale: min: 3`,
	`services: web: {cluster: "apps", image: "x:1", env: close({A: "1"})}
environments: live: services: web: env: B: "2"`,
	`services: web: {cluster: "apps", image: "x:1", scale: *{min: 1} | {min: 2, max: 2}}
environments: live: services: web: scale: {min: 2, max: 2}`,
	`services: web: {cluster: "apps", image: "x:1", deploy: {minHealthyPercent: *50 | int}}
environments: [_]: services: [_]: deploy: minHealthyPercent: >=60`,
	`services: web: {cluster: "apps", image: "x:1", logs: retentionDays: *14 | int}
environments: live: services: [_]: logs: retentionDays: *7 | int`,
	`services: web: {cluster: "apps", image: "x:1", platform: *"linux/arm64" | string}
clusters: apps: capacity: fargate: weight: *2 | int`,
	`services: web: {cluster: "apps", image: "x:1", enabled: *false | bool}
environments: live: services: web: enabled: true`,
	// Disabled everywhere, so checked nowhere: gantry accepted the
	// type error CUE reports.
	`services: web: {cluster: "apps", image: "x:1", enabled: false, cpu: "big"}`,
	`services: web: {cluster: "apps", image: "x:1"}
environments: live: services: web: {enabled: false, cpu: "big"}`,
	`services: web: {cluster: "apps", image: "x:1", command: *["a"] | [...string]}
environments: live: services: web: command: ["b", "c"]`,
	`services: web: {cluster: "apps", image: "x:1", env: [string]: =~"^[a-z]+$", env: A: "abc"}
environments: live: services: web: env: B: "XYZ"`,
	`services: web: {cluster: "apps", image: "x:1", permissions: [{actions: ["s3:GetObject"], resources: ["*"]}]}
environments: live: services: web: permissions: [_, ...]`,
	`let img = "x:1"
services: web: {cluster: "apps", image: img}`,
	`services: web: {cluster: "apps", image: "x:1", cpu: 512 | 1024}`,
	`services: web: {cluster: "apps", image: "x:1", alarms: a: {metric: "CPUUtilization", above: 80.5}}`,
	`services: web: {cluster: "apps", image: "x:1", alarms: a: {metric: "CPUUtilization", above: 1e30}}`,
	// Beyond 64 bits: gantry read the clamped int64, not the number.
	`services: web: {cluster: "apps", image: "x:1", alarms: a: {metric: "CPUUtilization", above: 100000000000000000000000}}`,
	`repositories: web: keepImages: *5 | int
environments: live: services: {}`,
	`environments: live: tags: {a: "1", b: *"2" | string}`,
	`services: web: {cluster: "apps", image: "x:1", secrets: S: ssm: *"/a" | string}`,
	`services: web: {cluster: "apps", image: "x:1", sidecars: s: {image: "y:1", essential: *false | bool, cpu: *64 | int}}`,
	// Your default wins for a list too (the oracle once applied the
	// rule to scalars only).
	`services: web: {cluster: "apps", image: "x:1", route: {loadBalancer: "web", paths: *["/a"] | [...string]}, port: 80}
loadBalancers: web: {scheme: "internet-facing", idleTimeoutSeconds: *120 | int}`,
	`services: web: {cluster: "apps", image: "x:1", port: 80, route: {loadBalancer: "web"}}
loadBalancers: web: {scheme: "internet-facing"}
environments: live: loadBalancers: web: idleTimeoutSeconds: 300`,
	`services: web: {cluster: "apps", image: "x:1", cpu: 2.56e2}`,
	`services: web: {cluster: "apps", image: "x:1", cpu: 256 & int}`,
	`services: web: {cluster: "apps", image: "x:1", memory: 512 | 1024}`,
	`services: web: {cluster: "apps", image: "x:1", scale: max: >=1 & <=3}`,
	`services: web: {cluster: "apps", image: "x:1", env: A: *"x" | "y"}
environments: live: services: web: env: A: "y"`,
	`services: web: {cluster: "apps", image: "x:1", env: A: *"x" | "y"}
environments: live: services: web: env: A: "z"`,
	`services: web: {cluster: "apps", image: "x:1"}
environments: live: services: web: {enabled: false, env: A: 1}`,
	`clusters: apps: capacity: ec2: {instanceType: "m6i.large", maxInstances: *3 | int}
environments: live: clusters: apps: capacity: ec2: maxInstances: 5
services: web: {cluster: "apps", image: "x:1"}`,
	`loadBalancers: web: https: {certificate: "arn:aws:acm:eu-central-1:123456789012:certificate/abc"}
environments: live: loadBalancers: web: https: sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"`,
	`environments: [_]: tags: [string]: =~"^[a-z]+$"
environments: live: tags: owner: "Team"`,
	`environments: [N=_]: tags: env: N`,
	`for n in ["a", "b"] {services: "s\(n)": {cluster: "apps", image: "x:\(n)"}}`,
	`services: web: {cluster: "apps", image: "x:1", env: A: "é☃\t"}`,
	`_defaults: {cpu: *512 | int, memory: *1024 | int}
services: web: _defaults & {cluster: "apps", image: "x:1"}
environments: live: services: web: cpu: 1024, environments: live: services: web: memory: 2048`,
	`services: web: {cluster: "apps", image: "x:1", sidecars: s: {image: "y:1", env: A: "1"}}
environments: live: services: web: sidecars: s: env: B: "2"`,
	`services: web: {cluster: "apps", image: "x:1", sidecars: s: {image: "y:1"}}
environments: live: services: web: sidecars: t: {image: "z:1"}`,
	`services: web: {cluster: "apps", image: "x:1", healthCheck: {command: ["CMD", "true"], retries: *5 | int}}
environments: live: services: web: healthCheck: retries: 7`,
	`services: web: {cluster: "apps", image: "x:1", healthCheck: {command: ["CMD", "true"], retries: *5 | int}}
environments: live: services: web: healthCheck: retries: 70`,
	`services: web: {cluster: "apps", image: "x:1", deploy: rollbackOnAlarms: ["a"], alarms: a: {metric: "CPUUtilization", above: 90}}
environments: live: services: web: alarms: a: forMinutes: 10`,
	`services: web: {cluster: "apps", image: "x:1"}
services: [_]: image: =~":[0-9]+$"
environments: live: services: web: image: "x:latest"`,
	`services: web: {cluster: "apps", image: "x:1"}
environments: live: services: [string]: {cpu: 512, memory: 1024}`,
	`services: web: {cluster: "apps", image: "x:1", env: {[=~"^A"]: "a"}, env: AB: _}`,
	`services: web: {cluster: "apps", image: "x:1", command: ["a"] + ["b"]}`,
	`services: web: {cluster: "apps", image: "x:1", port: 80, route: {loadBalancer: "web", healthCheck: {path: *"/health" | string}}}
environments: live: services: web: route: healthCheck: timeoutSeconds: 10`,
	`repositories: r1: {scanOnPush: false}
repositories: [_]: keepImages: *20 | int`,
	`project: *"acme" | string`,
	`services: web: {cluster: "apps", image: "x:1", env: A: string | *"d"}
environments: live: services: web: env: A: "e"`,
	`services: web: {cluster: "apps", image: "x:1", scale: {min: 0, max: 0}}
environments: live: services: web: scale: {min: *2 | int}`,
	`services: web: {cluster: "apps", image: "x:1", cpu: int | *512}
services: web: cpu: <=1024`,
	`services: web: {cluster: "apps", image: "x:1", env: A: "1", env: A: "1"}
environments: live: services: web: env: A: "1"`,
	`services: web: {cluster: "apps", image: "x:1", logs: {}}
environments: live: services: web: logs: retentionDays: 14`,
	`clusters: apps: containerInsights: *true | bool
environments: live: clusters: apps: containerInsights: false`,
	`services: web: {cluster: "apps", image: "x:1", env: null}`,
	`services: web: {cluster: "apps", image: "x:1", scale: null}`,
	`services: web: {cluster: "apps", image: "x:1"}
environments: live: services: web: null`,
	// Errors on both sides: one of gantry's at a line CUE names.
	"services: web: {cluster: \"apps\", image: \"x:1\", cpu: 512}\nenvironments: live: services: web: cpu: 1024",
	"services: web: {cluster: \"apps\", image: \"x:1\", sidecars: s: {image: \"y\", cpuu: 1}}",
	"services: web: {cluster: \"apps\", image: \"x:1\"}\nenvironments: live: services: web: sidecars: s: {imag: \"y\"}",
	"services: [_]: cpu: <=512\nservices: web: {cluster: \"apps\", image: \"x:1\"}\nenvironments: live: services: web: cpu: 1024",
	"services: web: {cluster: \"apps\", image: \"x:1\", scale: {min: 3, max: 1}}",
	"services: web: {cluster: \"apps\", image: \"x y\"}",
	"services: web: {cluster: \"apps\", image: \"x:1\", env: A: 5}",
	"services: web: {cluster: \"apps\", image: \"x:1\", port: 70000}",
	"environments: live: region: \"mars-1\"",
	"environments: live: account: \"123\"",
	"services: web: {cluster: \"apps\", image: \"x:1\", deploy: maxPercent: 50}",
	"services: web: {cluster: \"apps\", image: \"x:1\", alarms: a: {metric: 5}}",
	"loadBalancers: web: scheme: \"public\"",
	"clusters: apps: capacity: ec2: {instanceType: \"m6i.large\", maxInstances: 0}",
	"services: web: {cluster: \"apps\", image: \"x:1\", route: {loadBalancer: \"web\", priority: 0}, port: 80}",
	"services: web: {cluster: \"apps\", image: \"x:1\", secrets: S: {ssm: \"a b\"}}",
	"services: web: {cluster: \"apps\", image: \"x:1\", enabled: \"no\"}",
	"environments: live: services: web: {cpu: 1}\nservices: web: {cluster: \"apps\", image: \"x:1\"}",
	"services: web: {cluster: \"apps\", image: \"x:1\"}\nenvironments: live: services: web: image: \"x:2\"",
	"services: web: {cluster: \"apps\", image: \"x:1\", memory: cpu * 3}\nenvironments: live: services: web: cpu: 300",
}

func init() {
	for _, s := range differentialSnippets {
		differentialCases = append(differentialCases, "-- base.cue --\n"+fuzzBase+"-- x.cue --\npackage acme\n"+s+"\n")
	}
}

func TestDifferentialCases(t *testing.T) {
	for i, c := range differentialCases {
		t.Run(strconv.Itoa(i), func(t *testing.T) { checkDifferential(t, writeArchive(t, []byte(c))) })
	}
}
