package applier

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/internal/gen"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// BenchmarkApply200Services applies a generated environment of 200
// services (about 2,300 resources) to an empty sandbox that answers every
// API call after 50 ms and takes 2 s for every ECS deployment, at several
// --parallelism values, and once without latency or deployment time to
// show the sandbox's own floor. Next to the wall time it reports the critical
// path: for each stage the longest chain of dependent changes times the
// call latency, plus the deployment time and the health polls of the
// services stage. Wall time should approach the critical path, not the
// sum of all calls (calls x 50 ms).
//
//	go test ./applier -run '^$' -bench Apply200 -benchtime 1x
func BenchmarkApply200Services(b *testing.B) {
	const (
		latency    = 50 * time.Millisecond
		deployment = 2 * time.Second
	)
	scope, compile := generatedProject(b)
	for _, tc := range []struct {
		par                 int
		latency, deployment time.Duration
	}{
		{10, latency, deployment},
		{50, latency, deployment},
		{200, latency, deployment},
		// The floor: no latency, deployments settle at once. What is left
		// is the sandbox's own cost per call (one write transaction each,
		// serialised across processes by a file lock).
		{200, 0, 0},
	} {
		par, latency, deployment := tc.par, tc.latency, tc.deployment
		b.Run(fmt.Sprintf("parallelism=%d/latency=%s/deployment=%s", par, latency, deployment), func(b *testing.B) {
			var res *Result
			var calls int
			var critical, bound time.Duration
			var changes int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sb, err := sandbox.Open(b.TempDir(), sandbox.Options{IgnoreEnv: true, Knobs: &sandbox.Knobs{Seed: 1}})
				if err != nil {
					b.Fatal(err)
				}
				plan, err := planner.Make(context.Background(), sb, scope, compile, planner.Options{Provider: "sandbox"})
				if err != nil {
					b.Fatal(err)
				}
				changes = plan.Summary().Changed()
				critical = criticalPath(plan, latency, deployment, 0)
				bound = criticalPath(plan, latency, deployment, par)
				if err := sb.SetKnobs(sandbox.Knobs{Seed: 1, Latency: sandbox.Duration(latency), DeploymentDuration: sandbox.Duration(deployment)}); err != nil {
					b.Fatal(err)
				}
				sb.ResetStats()
				b.StartTimer()
				res, err = Apply(context.Background(), sb, plan, nil, Options{
					Parallelism:  par,
					PollInterval: 100 * time.Millisecond,
					PollMax:      time.Second,
					Progress: ProgressFunc(func(e Event) {
						if e.Kind == EventStageDone && testing.Verbose() {
							b.Logf("%s: %s", e.Stage, e.Elapsed)
						}
					}),
				})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if err := res.Err(); err != nil {
					b.Fatal(err, res.Failed)
				}
				calls = sb.Stats().Total
			}
			b.ReportMetric(float64(changes), "changes")
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(res.Elapsed.Seconds(), "wall-s")
			b.ReportMetric(critical.Seconds(), "critical-path-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric((time.Duration(calls) * latency).Seconds(), "sum-of-calls-s")
		})
	}
}

// generatedProject generates a project of 200 services in three
// environments and returns the scope of its prod environment and the
// compiler of its graph, as planner.Make wants it.
func generatedProject(b *testing.B) (provider.Scope, func(pinned map[string]int) (*graph.Graph, error)) {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Options{Services: 200, Environments: 3}); err != nil {
		b.Fatal(err)
	}
	p, diags, err := compiler.Load(dir)
	if err != nil || diags.HasErrors() {
		b.Fatal(err, diags)
	}
	env := p.Env("prod")
	scope := provider.Scope{Project: p.Name, Environment: env.Name, Account: env.Account, Region: env.Region}
	compile := func(pinned map[string]int) (*graph.Graph, error) {
		return compiler.Compile(env, p.Name, compiler.CompileOptions{PinnedPriorities: pinned})
	}
	return scope, compile
}

// criticalPath estimates the shortest possible apply of plan: per stage,
// the longest chain of changes that depend on each other within the
// stage, one call each, or with parallelism > 0 the number of rounds of
// parallelism calls the stage needs if that is more; the services stage
// also waits one deployment and one health read (two calls for a service
// behind a load balancer).
func criticalPath(plan *planner.Plan, latency, deployment time.Duration, parallelism int) time.Duration {
	byStage := map[catalog.Stage][]*planner.Change{}
	for _, c := range plan.Changes {
		if c.Action != planner.NoOp {
			byStage[c.Stage] = append(byStage[c.Stage], c)
		}
	}
	desired := plan.Desired.Index()
	var total time.Duration
	for st, cs := range byStage {
		in := map[string]bool{}
		for _, c := range cs {
			in[c.Address] = true
		}
		depth := map[string]int{}
		var walk func(addr string) int
		walk = func(addr string) int {
			if d, ok := depth[addr]; ok {
				return d
			}
			d := 1
			if r := desired[addr]; r != nil {
				for _, dep := range r.DependsOn {
					if in[dep] {
						d = max(d, walk(dep)+1)
					}
				}
			}
			depth[addr] = d
			return d
		}
		longest := 0
		for _, c := range cs {
			longest = max(longest, walk(c.Address))
		}
		if parallelism > 0 {
			longest = max(longest, (len(cs)+parallelism-1)/parallelism)
		}
		total += time.Duration(longest) * latency
		if st == catalog.StageServices {
			total += deployment + 2*latency
		}
	}
	return total
}
