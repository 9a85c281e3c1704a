package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// BenchmarkListOwned reads about 2,500 resources (200 services) with 50 ms
// of latency per API call: wall time must be a small multiple of the
// latency, not of the resource count, and calls per resource below 0.3.
//
//	go test ./provider/sandbox -run '^$' -bench ListOwned -benchtime 5x
func BenchmarkListOwned(b *testing.B) {
	s, _ := newSandbox(b, Knobs{})
	g := fixtureGraph(testScope, 200, "nginx:1")
	applyGraph(b, s, testScope, g)
	s.SetKnobs(Knobs{Latency: Duration(50 * time.Millisecond)})
	s.ResetStats()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		live, err := s.ListOwned(ctx, testScope)
		if err != nil {
			b.Fatal(err)
		}
		if len(live) != len(g.Resources) {
			b.Fatalf("%d resources, want %d", len(live), len(g.Resources))
		}
	}
	b.StopTimer()
	st := s.Stats()
	calls := float64(st.Total) / float64(b.N)
	b.ReportMetric(float64(len(g.Resources)), "resources")
	b.ReportMetric(calls, "calls/op")
	b.ReportMetric(calls/float64(len(g.Resources)), "calls/resource")
}

// BenchmarkCreate measures one Create against a sandbox that already
// holds about 2,500 resources: a write must not rewrite the whole state.
func BenchmarkCreate(b *testing.B) {
	s, _ := newSandbox(b, Knobs{})
	applyGraph(b, s, testScope, fixtureGraph(testScope, 200, "nginx:1"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("bench-%d", i)
		req := provider.Request{Address: "bench/" + name, Type: catalog.LogGroup, Properties: m{"LogGroupName": name}}
		if _, err := s.Create(ctx, testScope, req); err != nil {
			b.Fatal(err)
		}
	}
}
