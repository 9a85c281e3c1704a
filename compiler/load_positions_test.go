package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// libraryWith is the bundled example with extra.cue (package library) added.
func libraryWith(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/examples/library")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "extra.cue"), []byte("package library\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPatternValuePositions: a value written under a pattern constraint
// (environments: E: services: [_]: ...) is reported at the value, not at
// its label, whether it refines a top-level default (unified in Go or in
// CUE), equals the top-level literal, or stands alone (found in review:
// CUE gives the label's position for a field written once).
func TestPatternValuePositions(t *testing.T) {
	const retention = "15 is not a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)"
	for _, tc := range []struct {
		name, extra string
		want        []string
	}{
		{
			"default refined under an environment's pattern",
			"environments: prod: services: [_]: logs: retentionDays: 15\n",
			[]string{"extra.cue:2:57: services.*.logs.retentionDays: " + retention + " (environment prod)"},
		},
		{
			"default refined under the environments' pattern",
			"environments: [string]: services: web: logs: retentionDays: 15\n",
			[]string{"extra.cue:2:61: services.web.logs.retentionDays: " + retention + " (environments dev, prod)"},
		},
		{
			"literal equal to the top level's, under a pattern",
			"services: web: logs: retentionDays: 15\nenvironments: [_]: services: [_]: logs: retentionDays: 15\n",
			[]string{
				"extra.cue:2:37: services.web.logs.retentionDays: " + retention + " (environments dev, prod)",
				"extra.cue:3:56: services.*.logs.retentionDays: " + retention + " (environments dev, prod)",
			},
		},
		{
			"Go check on a default refined under a pattern",
			"services: [_]: deploy: maxPercent: *200 | int\nenvironments: prod: services: [_]: deploy: maxPercent: 100\n",
			[]string{"extra.cue:3:56: services.*.deploy.maxPercent: maxPercent 100 must be greater than minHealthyPercent 100, or no deployment can make progress (environment prod)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := libraryWith(t, tc.extra)
			_, ds, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Join(tc.want, "\n") + "\n"
			if d := cmp.Diff(want, ds.String()); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
		})
	}
}

// TestPatternValueBothWays: reading by shapes and listing with Fields
// agree on the position of a value an environment-level pattern gives to a
// top-level default.
func TestPatternValueBothWays(t *testing.T) {
	sameBothWays(t, libraryWith(t, "environments: prod: services: [_]: logs: retentionDays: 15\n"))
}
