package planner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// A service whose configuration matches what runs but whose newest
// deployment never became healthy (an apply killed while it crash-looped)
// is not "no changes, up to date": the plan warns about it, in progress
// while the circuit breaker has not given up yet, and reads each service's
// deployment state once.
func TestPlanWarnsAboutUnsettledDeployments(t *testing.T) {
	for _, tc := range []struct {
		name     string
		duration time.Duration
	}{
		{"in progress", time.Hour},
		{"failed", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			env := testEnvironment(0)
			env.Services[0].Image += "-crashloop"
			sb, err := sandbox.Open(t.TempDir(), sandbox.Options{IgnoreEnv: true,
				Knobs: &sandbox.Knobs{NoShuffle: true, Seed: 1, DeploymentDuration: sandbox.Duration(tc.duration)}})
			if err != nil {
				t.Fatal(err)
			}
			createAll(t, ctx, sb, envScope(env), compileEnv(t, env, nil))
			sb.ResetStats()
			p := planOnce(t, sb, env)
			if p.HasChanges() {
				t.Fatalf("changes: %s", summaryLine(p))
			}
			want := []string{"service/api"}
			if tc.duration > 0 {
				// Every deployment takes an hour: all three are in progress.
				want = []string{"service/admin", "service/api", "service/worker"}
			}
			var got []string
			for _, w := range p.Warnings {
				got = append(got, w.Address)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("warnings %+v, want one for each of %v", p.Warnings, want)
			}
			w := p.Warnings[len(want)/2]
			if w.Kind != WarnDeployment || w.Address != "service/api" || w.Health == nil {
				t.Errorf("warning %+v", w)
			}
			t.Logf("%s: %s", w.Address, w.Message)
			switch tc.name {
			case "in progress":
				if !strings.HasPrefix(w.Message, "its newest deployment ecs-svc/") || !strings.HasSuffix(w.Message, " is still in progress (0/4 running, 4 pending): it has not proven healthy; apply waits for it") {
					t.Errorf("message %q", w.Message)
				}
			case "failed":
				if !strings.HasSuffix(w.Message, " failed (0/4 running): ECS deployment circuit breaker: tasks failed to start.; apply verifies it") {
					t.Errorf("message %q", w.Message)
				}
			}
			// Every format says so: text under the summary, markdown in
			// an alert outside any collapsed section, JSON in warnings.
			line := w.Address + ": " + w.Message
			for _, f := range Formats {
				var b strings.Builder
				if err := Render(&b, p, f, RenderOptions{}); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				switch f {
				case FormatText:
					if !strings.Contains(out, "\nWarning: "+line+"\n") {
						t.Errorf("text lacks the warning:\n%s", out)
					}
				case FormatMarkdown:
					if !strings.Contains(out, "> [!WARNING]\n") || !strings.Contains(out, "> - "+mdEscape(line)+"\n") {
						t.Errorf("markdown lacks the warning:\n%s", out)
					}
				case FormatJSON:
					if !strings.Contains(out, `"warnings": [`) || !strings.Contains(out, `"message": "`+w.Message+`"`) {
						t.Errorf("JSON lacks the warning:\n%s", out)
					}
				}
			}
			// The deployments come with the listing's one page of
			// DescribeServices (Observed.Deployment): no call per service.
			if n := sb.Stats().Calls["ecs:DescribeServices"]; n != 1 {
				t.Errorf("%d DescribeServices calls, want 1", n)
			}
		})
	}
}
