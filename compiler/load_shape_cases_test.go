package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShapedReadCases: edits of the bundled example that the syntax could
// misread — each is loaded reading by shapes and listing with Fields, and
// both must give the same configuration and diagnostics (valid or not).
func TestShapedReadCases(t *testing.T) {
	const web = "services/web.cue"
	const search = "services/search.cue"
	for _, tc := range []struct {
		name, file, old, new string
		extra                string // appended to the file
	}{
		{"struct embedding a scalar", web, "port:    8080", "port:    {8080}", ""},
		{"struct and scalar", web, "port:    8080", "port:    8080\n\tport:    {a: 1}", ""},
		{"literal refining a default", web, "cpu:     256", "cpu:     *512 | int\n\tcpu:     256", ""},
		{"literal against a bound", web, "cpu:     256", "cpu:     256 & >=512", ""},
		{"two defaults", web, "max: 4,", "max: *4 | *5 | int,", ""},
		{"default against a bound", web, "max: 4,", "max: *4 | int, max: >=5,", ""},
		{"default in parentheses", web, "max: 4,", "max: (*4 | int),", ""},
		{"hexadecimal number", web, "memory:  512", "memory:  0x200", ""},
		{"number with a multiplier", web, "memory:  512", "memory:  1Ki", ""},
		{"leading zero", web, "memory:  512", "memory:  0512", ""},
		{"bytes literal", web, `cluster: "apps"`, `cluster: 'apps'`, ""},
		{"multi-line string", web, `cluster: "apps"`, "cluster: \"\"\"\n\t\tapps\n\t\t\"\"\"", ""},
		{"raw string", web, `cluster: "apps"`, `cluster: #"apps"#`, ""},
		{"attribute", web, `cluster: "apps"`, `cluster: "apps" @doc(x)`, ""},
		{"null", web, `cluster: "apps"`, `cluster: null`, ""},
		{"conflicting literals", web, "cpu:     256", "cpu:     256\n\tcpu:     512", ""},
		{"equal literals", web, "cpu:     256", "cpu:     256\n\tcpu:     256", ""},
		{"open list", web, `healthCheck: command: [`, `healthCheck: command: [...string] & [`, ""},
		{"two lists", web, `healthCheck: command: [`, `healthCheck: command: ["CMD-SHELL", _] & [`, ""},
		{"optional field", web, "port:    8080", "port?:   int\n\tport:    8080", ""},
		{"reference", web, "memory:  512", "memory:  cpu * 2", ""},
		{"interpolation", web, `SEARCH_URL: "/search"`, `SEARCH_URL: "/\(cluster)"`, ""},
		{"disjunction of structs", web, "scale: {min: *1 | int, max: 4, cpuTarget: 65}", "scale: *{min: *1 | int, max: 4, cpuTarget: 65} | {min: 2, max: 2}", ""},
		{"pattern default", "policy.cue", "memory: <=4096", "memory: <=4096\n\tcpu: *512 | int", ""},
		{"regexp pattern", "policy.cue", "environments: prod: services: [_]:", "environments: prod: services: [=~\"^w\"]:", ""},
		// The user's default allows the environment's value (*60 | int
		// accepts 101): read by shapes, merge unifies them in Go; read
		// with Fields, in CUE. Either way the schema's bound (<=100) is
		// reported once, for the value 101, without CUE's report of the
		// replaced default's disjunct ("conflicting values 60 and 101").
		{"default refined beyond a schema bound", search, "cpuTarget: 60,", "cpuTarget: *60 | int,",
			"environments: prod: services: search: scale: cpuTarget: 101\n"},
		{"default refined below a schema bound", search, "cpuTarget: 60,", "cpuTarget: *60 | int,",
			"environments: dev: services: search: scale: cpuTarget: 0\n"},
		{"comprehension", "policy.cue", "environments: prod: services: [_]:", "for n, _ in services {environments: prod: services: (n): deploy: circuitBreaker: true}\nenvironments: prod: services: [_]:", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("../testdata/examples/library")); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, tc.file)
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(src), tc.old) {
				t.Fatalf("%s has no %q", tc.file, tc.old)
			}
			out := strings.Replace(string(src), tc.old, tc.new, 1) + tc.extra
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			sameBothWays(t, dir)
			t.Run("cue", func(t *testing.T) { checkDifferential(t, dir) })
		})
	}
}

// sameBothWays loads dir reading by shapes and listing with Fields, and
// fails unless both give the same configuration and diagnostics.
func sameBothWays(t *testing.T, dir string) {
	t.Helper()
	shaped, d1, err1 := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
	listed, d2, err2 := LoadWithOptions(dir, LoadOptions{RelativeTo: dir, listFields: true})
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("errors differ: %v / %v", err1, err2)
	}
	if d := cmp.Diff(listed, shaped); d != "" {
		t.Errorf("configuration differs (-Fields +shapes):\n%s", d)
	}
	if d := cmp.Diff(d2.String(), d1.String()); d != "" {
		t.Errorf("diagnostics differ (-Fields +shapes):\n%s", d)
	}
}
