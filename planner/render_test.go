package planner

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// changedPlan is a plan with every kind of change against a deployed
// sandbox: a new image and a changed sensitive value (new revisions and
// rolling deployments), a drifted target group, a port change that
// replaces a target group, a new service and a removed one.
func changedPlan(t *testing.T) *Plan {
	t.Helper()
	sb, before := deployed(t, 1)
	editOutOfBand(t, sb, before, "service/admin/target-group", func(p map[string]any) {
		p["HealthCheckIntervalSeconds"] = 10.0
	})
	env := testEnvironment(1)
	api := env.Services[0]
	api.Image = strings.Replace(api.Image, "1.7.3", "1.8.0", 1)
	api.Env["API_TOKEN"] = config.EnvVar{Value: "rotated-" + testSecret, Sensitive: true}
	api.Env["LOG_LEVEL"] = config.EnvVar{Value: "debug"}
	api.Permissions = append(api.Permissions, config.Permission{Actions: []string{"sqs:SendMessage"}, Resources: []string{"arn:aws:sqs:eu-west-1:222222222222:shop-orders"}})
	env.Services[3].Port = 3001                                  // web000: the target group must be replaced
	env.Services = append(env.Services[:2], env.Services[3:]...) // the worker goes
	env.Services = append(env.Services, webService(1, "1.0.0"))
	p, err := Make(t.Context(), sb, envScope(env), func(pinned map[string]int) (*graph.Graph, error) {
		return compileEnv(t, env, pinned), nil
	}, Options{Provider: "sandbox", GantryVersion: "v0.1.0", Commit: "3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49",
		Now: func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGoldenRenderings(t *testing.T) {
	p := changedPlan(t)
	for _, tc := range []struct {
		file   string
		format Format
		opts   RenderOptions
	}{
		{"changes.txt", FormatText, RenderOptions{}},
		{"changes.color.txt", FormatText, RenderOptions{Color: true}},
		{"changes.md", FormatMarkdown, RenderOptions{}},
		{"changes.json", FormatJSON, RenderOptions{}},
	} {
		var b bytes.Buffer
		if err := Render(&b, p, tc.format, tc.opts); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), testSecret) {
			t.Errorf("%s: the sensitive value leaked", tc.file)
		}
		path := filepath.Join("testdata", "golden", tc.file)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./planner -run Golden -update)", err)
		}
		if got := b.String(); got != string(want) {
			t.Errorf("%s differs (go test ./planner -run Golden -update after review):\n%s", tc.file, cmp.Diff(string(want), got))
		}
	}
	// The plan holds what a reviewer needs to see.
	s := p.Summary()
	if s[Create] == 0 || s[Update] == 0 || s[Replace] != 1 || s[Delete] == 0 {
		t.Errorf("summary %v lacks a kind of change", s)
	}
	if c := changeOf(t, p, "service/admin/target-group"); c.Cause != CauseDrift {
		t.Errorf("drifted target group: cause %q", c.Cause)
	}
	if c := changeOf(t, p, "service/api/task-definition"); c.Cause != CauseConfig || c.Impact != ImpactRevision {
		t.Errorf("task definition: %s %s", c.Cause, c.Impact)
	}
}
