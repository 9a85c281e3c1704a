package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMixedReadCases: configurations where part of a value is proven by
// the syntax and part comes from CUE (references, definitions, schema
// bounds), loaded reading by shapes and listing with Fields; both must give
// the same configuration and diagnostics.
func TestMixedReadCases(t *testing.T) {
	const search = "services/search.cue"
	for _, tc := range []struct {
		name, file, old, new, extra string
	}{
		// The user's default allows the environment's value (*60 | int
		// accepts 101): read by shapes, merge unifies them in Go; read
		// with Fields, in CUE. Either way the schema's bound (<=100) is
		// reported once, for the value 101, without CUE's report of the
		// replaced default's disjunct ("conflicting values 60 and 101").
		{"default refined beyond a schema bound", search,
			"cpuTarget: 60,", "cpuTarget: *60 | int,",
			"environments: prod: services: search: scale: cpuTarget: 101\n"},
		// The same with the environment's value only beyond the schema's
		// lower bound.
		{"default refined below a schema bound", search,
			"cpuTarget: 60,", "cpuTarget: *60 | int,",
			"environments: dev: services: search: scale: cpuTarget: 0\n"},
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
			out := strings.Replace(string(src), tc.old, tc.new, 1) + "\n" + tc.extra
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			sameBothWays(t, dir)
		})
	}
}
