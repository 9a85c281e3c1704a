package planner

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// BenchmarkPlan200Services plans an environment of 200 services (about
// 2,500 resources) that is fully deployed in a sandbox answering every API
// call after 50 ms: read live state, compile with pinned priorities, diff.
// It reports API calls per resource and the Go heap's peak (Sys).
//
//	go test ./planner -run '^$' -bench Plan200 -benchtime 3x
func BenchmarkPlan200Services(b *testing.B) {
	ctx := context.Background()
	env := testEnvironment(197)
	sb := openSandbox(b, true, 1)
	g := compileEnv(b, env, nil)
	createAll(b, ctx, sb, envScope(env), g)
	if err := sb.SetKnobs(sandbox.Knobs{Latency: sandbox.Duration(50 * time.Millisecond), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	sb.ResetStats()
	b.ResetTimer()
	var p *Plan
	for i := 0; i < b.N; i++ {
		p = planOnce(b, sb, env)
	}
	b.StopTimer()
	if p.HasChanges() {
		b.Fatalf("a deployed environment planned changes: %s", summaryLine(p))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := sb.Stats()
	b.ReportMetric(float64(len(g.Resources)), "resources")
	b.ReportMetric(float64(st.Total)/float64(b.N), "calls/plan")
	b.ReportMetric(float64(st.Total)/float64(b.N)/float64(len(g.Resources)), "calls/resource")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "MiB-sys")
}
