package compiler

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/gantry-gitops/gantry/internal/gen"
)

func parseShapes(t *testing.T, srcs ...string) *shapes {
	t.Helper()
	var files []*ast.File
	for i, src := range srcs {
		f, err := parser.ParseFile(filepath.Join("f", string(rune('a'+i))+".cue"), src)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return buildShapes(files)
}

// fieldsAt follows a static path down the shapes.
func fieldsAt(sh *shapes, path []string) ([]string, bool) {
	ss := sh.rootShapes()
	for _, p := range path {
		ss = ss.child(p)
	}
	return ss.fields()
}

// TestShapesKnown: the fields the syntax gives, including those a match-all
// pattern adds.
func TestShapesKnown(t *testing.T) {
	sh := parseShapes(t, `package p
services: web: {cpu: 256, route: {host: "a", paths: ["/"]}}
services: web: env: A: "1"
`, `package p
services: [_]: {logs: retentionDays: *30 | int, deploy: circuitBreaker: *true | bool}
services: [string]: cpu: <=4096
environments: [Name=_]: services: [_]: image: !~":latest$"
environments: prod: services: web: image: "r/web:1"
`)
	for _, tc := range []struct {
		path []string
		want []string
	}{
		{[]string{"services", "web"}, []string{"cpu", "deploy", "env", "logs", "route"}},
		{[]string{"services", "web", "route"}, []string{"host", "paths"}},
		{[]string{"services", "web", "logs"}, []string{"retentionDays"}},
		{[]string{"services", "other", "deploy"}, []string{"circuitBreaker"}},
		{[]string{"environments", "prod", "services", "web"}, []string{"image"}},
	} {
		got, ok := fieldsAt(sh, tc.path)
		got = slices.Sorted(slices.Values(got))
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("fieldsAt(%v) = %v, %v; want %v, true", tc.path, got, ok, tc.want)
		}
	}
}

// TestShapesUnknown: whatever could give a struct fields the syntax does not
// show makes it (or everything) unknown.
func TestShapesUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		path      []string
	}{
		{"reference", `services: web: #Base & {cpu: 1}`, []string{"services", "web"}},
		{"embedded reference", `services: web: {#Base, cpu: 1}`, []string{"services", "web"}},
		{"disjunction", `services: web: scale: *{min: 1} | {min: 2, max: 3}`, []string{"services", "web", "scale"}},
		{"optional field", `services: web: {cpu?: 1, memory: 2}`, []string{"services", "web"}},
		{"required field", `services: web: {cpu!: int}`, []string{"services", "web"}},
		{"pattern with a reference", `services: [_]: deploy: #Deploy
services: web: deploy: {}`, []string{"services", "web", "deploy"}},
		{"narrow pattern", `services: [=~"^web"]: cpu: 1
services: web: {}`, []string{"services", "web"}},
		{"dynamic label", `services: ("w" + "eb"): cpu: 1
services: web: {}`, []string{"services", "web"}},
		{"comprehension", `for n in ["web"] {services: (n): cpu: 1}
services: web: {}`, []string{"services", "web"}},
		{"not a struct literal", `services: web: env: close({A: "1"})`, []string{"services", "web", "env"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := parseShapes(t, "package p\n"+tc.src+"\n")
			if names, ok := fieldsAt(sh, tc.path); ok {
				t.Errorf("fieldsAt(%v) = %v, known; want unknown", tc.path, names)
			}
		})
	}
	// A reference in an ancestor can give any struct below it fields.
	sh := parseShapes(t, "package p\nservices: web: #Base & {deploy: {a: 1}}\n")
	if names, ok := fieldsAt(sh, []string{"services", "web", "deploy"}); ok {
		t.Errorf("services.web.deploy = %v, known; want unknown below a reference", names)
	}
}

// TestShapedReadMatchesFields: reading structs by the fields the syntax
// shows gives the same effective configuration and the same diagnostics as
// listing them with Fields, for every configuration in the project's
// testdata and the CLI's test scripts (valid and invalid).
func TestShapedReadMatchesFields(t *testing.T) {
	var dirs []string
	gdir := t.TempDir()
	if err := gen.Write(gdir, gen.Options{Services: 24, Environments: 3}); err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, gdir, "../testdata/examples/library")
	fixtures, _ := filepath.Glob("../testdata/fixtures/*")
	for _, f := range fixtures {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			dirs = append(dirs, f)
		}
	}
	scripts, err := filepath.Glob("../cmd/gantry/testdata/script/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		dirs = append(dirs, scriptConfigDirs(t, s)...)
	}
	if len(dirs) < 80 {
		t.Fatalf("only %d configurations found", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(strings.TrimPrefix(dir, os.TempDir()), func(t *testing.T) { sameBothWays(t, dir) })
	}
}

// scriptConfigDirs extracts a test script's files and returns the
// directories holding .cue files directly.
func scriptConfigDirs(t testing.TB, script string) []string {
	t.Helper()
	a, err := txtar.ParseFile(script)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	seen := map[string]bool{}
	var dirs []string
	for _, f := range a.Files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, ".cue") && !strings.Contains(f.Name, "cue.mod/") {
			d := filepath.Join(root, strings.SplitN(f.Name, "/", 2)[0])
			if !strings.Contains(f.Name, "/") {
				d = root
			}
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

// TestShapesValues: the values the syntax proves, and those it leaves to
// CUE.
func TestShapesValues(t *testing.T) {
	sh := parseShapes(t, `package p
services: [_]: {logs: retentionDays: *30 | int}
services: web: {
	cpu:     256
	memory:  512 & <=4096
	port:    8080
	image:   "r/web:1" @sensitive()
	scale:   {min: *2 | int, max: 3}
	command: ["serve", "--port", "8080"]
	tags:    [...string]
	weight:  *1 | *2 | int
	count:   0x10
	name:    'bytes'
}
services: web: cpu: 256
services: web: port: 9090
`)
	at := func(p ...string) shapeSet {
		ss := sh.rootShapes()
		for _, e := range p {
			ss = ss.child(e)
		}
		return ss
	}
	for _, tc := range []struct {
		field string
		want  any
	}{{"cpu", int64(256)}, {"memory", int64(512)}} {
		if got, ok := at("services", "web", tc.field).literal(); !ok || got != tc.want {
			t.Errorf("%s: literal() = %v, %v; want %v", tc.field, got, ok, tc.want)
		}
	}
	for _, f := range []string{"port", "image", "count", "name", "scale", "weight"} {
		if got, ok := at("services", "web", f).literal(); ok {
			t.Errorf("%s: literal() = %v; want left to CUE", f, got)
		}
	}
	if d, acc, ok := at("services", "web", "logs", "retentionDays").defaultLiteral(); !ok || d != int64(30) || !acc(int64(7)) || acc("x") {
		t.Errorf("retentionDays: defaultLiteral() = %v, %v; want 30", d, ok)
	}
	if d, _, ok := at("services", "web", "scale", "min").defaultLiteral(); !ok || d != int64(2) {
		t.Errorf("scale.min: defaultLiteral() = %v, %v; want 2", d, ok)
	}
	if d, _, ok := at("services", "web", "weight").defaultLiteral(); ok {
		t.Errorf("weight (two defaults): defaultLiteral() = %v; want left to CUE", d)
	}
	if elems, ok := at("services", "web", "command").list(); !ok || len(elems) != 3 {
		t.Errorf("command: list() = %d elements, %v; want 3", len(elems), ok)
	}
	if _, ok := at("services", "web", "tags").list(); ok {
		t.Error("tags ([...string]): list() known; want left to CUE")
	}
}

// TestShapesStructWithScalar: a struct literal that embeds a scalar, or a
// struct literal and a scalar written for one field, is left to CUE.
func TestShapesStructWithScalar(t *testing.T) {
	for _, src := range []string{
		"package p\nservices: web: port: {8080}\n",
		"package p\nservices: web: port: {a: 1}\nservices: web: port: 8080\n",
		"package p\nservices: web: port: {a: 1}\nservices: web: port: [1]\n",
	} {
		sh := parseShapes(t, src)
		if names, ok := fieldsAt(sh, []string{"services", "web", "port"}); ok {
			t.Errorf("%q: fields = %v, known; want left to CUE", src, names)
		}
	}
	sh := parseShapes(t, "package p\nservices: web: port: _\nservices: web: port: {a: 1}\n")
	if names, ok := fieldsAt(sh, []string{"services", "web", "port"}); !ok || len(names) != 1 {
		t.Errorf("_ and a struct: fields = %v, %v; want [a]", names, ok)
	}
}

// TestShapedReadReviewCases: configurations where the syntax alone could
// misread CUE (found in review, each once misread). Each adds a file to a
// copy of the bundled example; reading by shapes must give the same
// configuration and diagnostics as listing with Fields, which follows CUE.
func TestShapedReadReviewCases(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		// Bytes ('abc') are not the Go string "abc": merge's accept must
		// not let the string through; CUE reports a conflict.
		{"bytes arm of a default accepts a string", `
services: web: env: MODE: *"a" | 'abc'
environments: prod: services: web: env: MODE: "abc"
`},
		{"bytes disjunction accepts a string", `
services: web: env: MODE: 'abc' | 'def'
environments: [_]: services: web: env: MODE: "abc"
`},
		// An identifier named string/int/number/bool is the builtin only
		// if no let or field shadows it: here string is =~"^x", which
		// "abc" fails.
		{"let shadowing string", `
let string = =~"^x"
services: web: env: MODE: string
environments: [_]: services: web: env: MODE: "abc"
`},
		{"let shadowing number", `
services: web: {
	let number = >=9000
	healthCheck: retries: number
}
environments: [_]: services: web: healthCheck: retries: 3
`},
		// [string] is a match-all pattern only if string is the builtin:
		// here it applies to web only.
		{"let shadowing a pattern's string", `
let string = "web"
services: [string]: env: EXTRA: "1"
`},
		// A pattern's field with an attribute ([string]: T @sensitive())
		// leaves the values it applies to to CUE, which has the attribute.
		{"sensitive pattern", `
services: web: env: [string]: string @sensitive()
services: web: env: TOKEN: "hunter2"
`},
		{"sensitive pattern in an environment", `
environments: prod: services: web: env: {[_]: string @sensitive(), PTOK: "hunter2"}
`},
		{"sensitive pattern in a sidecar", `
services: search: sidecars: metrics: env: [string]: string @sensitive()
services: search: sidecars: metrics: env: STOK: "hunter2"
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("../testdata/examples/library")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "review.cue"), []byte("package library\n"+tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			sameBothWays(t, dir)
			t.Run("cue", func(t *testing.T) { checkDifferential(t, dir) })
		})
	}
}
