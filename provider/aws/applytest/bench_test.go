package applytest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/smithy-go/middleware"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/internal/gen"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// BenchmarkPlanCalls measures what `gantry plan` asks of AWS: the API
// calls (counted in the SDK's middleware, retries not included) and the
// wall time of planner.Make — ListOwned, compile with the live rules'
// priorities pinned, diff, and one Health per service for the deployment
// warnings — against the emulator, for the shared example
// (../shared/examples/shop, staging) and for the generated 200-service
// repository (internal/gen, one environment), each applied to the
// emulator first (setup, not timed; once per test binary). See
// docs/benchmarks.md, "AWS provider: API calls of a plan".
//
//	go test ./provider/aws/applytest -run '^$' -bench PlanCalls -benchtime 1x -timeout 30m -v
//
// Metrics: calls/op (the whole plan), read-calls/op (ListOwned alone),
// calls/resource and read-calls/resource (the budget: at most 0.3
// per resource for the read, growing by batches), read-s (ListOwned's wall
// time).
func BenchmarkPlanCalls(b *testing.B) {
	b.Run("shop-staging", func(b *testing.B) {
		benchPlan(b, sharedShop(b), "staging")
	})
	b.Run("gen-200", func(b *testing.B) {
		benchPlan(b, genRepo(b), "dev")
	})
	// The sandbox's simulated calls for the same plans, for comparison.
	b.Run("shop-staging-sandbox", func(b *testing.B) {
		benchSandboxPlan(b, filepath.Join("..", "..", "..", "..", "shared", "examples", "shop"), "staging")
	})
	b.Run("gen-200-sandbox", func(b *testing.B) {
		benchSandboxPlan(b, genRepo(b), "dev")
	})
}

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// genRepo writes the 200-service repository once per test binary, as
// `go run ./internal/gen/gen-repo -services 200 -envs 1 -out DIR` does.
func genRepo(b *testing.B) string {
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "gantry-bench-200-")
		if genErr == nil {
			genErr = gen.Write(genDir, gen.Options{Services: 200, Environments: 1})
		}
	})
	if genErr != nil {
		b.Fatal(genErr)
	}
	return genDir
}

// deployed is a configuration applied to the emulator.
type deployed struct {
	scope     provider.Scope
	compile   planner.CompileFunc
	resources int
	err       error
}

var (
	deployMu sync.Mutex
	deploys  = map[string]*deployed{}
)

// deploy compiles env of the repository at dir with its network and
// certificates replaced by ones made in the emulator, and applies it,
// once per test binary.
func deploy(b *testing.B, dir, env string) *deployed {
	deployMu.Lock()
	defer deployMu.Unlock()
	key := dir + " " + env
	if d := deploys[key]; d != nil {
		if d.err != nil {
			b.Fatal(d.err)
		}
		return d
	}
	d := &deployed{}
	deploys[key] = d
	d.err = func() error {
		proj, diags, err := compiler.Load(dir)
		if err != nil || diags.HasErrors() {
			return fmt.Errorf("loading %s: %v %v", dir, err, diags)
		}
		e := proj.Env(env)
		if e == nil {
			return fmt.Errorf("%s has no environment %s", dir, env)
		}
		ids := emulatorIDs(b, e, func() string { return awstest.UploadCertificate(b, "bench") })
		d.compile = func(pinned map[string]int) (*graph.Graph, error) {
			g, err := compiler.Compile(e, proj.Name, compiler.CompileOptions{PinnedPriorities: pinned})
			if err != nil {
				return nil, err
			}
			for _, r := range g.Resources {
				r.Properties = replaceStrings(r.Properties, ids).(map[string]any)
			}
			return g, nil
		}
		g, err := d.compile(nil)
		if err != nil {
			return err
		}
		d.scope = provider.Scope{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
		d.resources = len(g.Resources)
		if d.scope.Account != awstest.Account || d.scope.Region != awstest.Region {
			return fmt.Errorf("%s's %s is %s/%s, the emulator %s/%s", dir, env, d.scope.Account, d.scope.Region, awstest.Account, awstest.Region)
		}
		p, err := aws.New(context.Background(), d.scope, aws.Options{HTTPClient: awstest.HTTPClient()})
		if err != nil {
			return err
		}
		start := time.Now()
		plan, err := planner.Make(context.Background(), p, d.scope, d.compile, planner.Options{Provider: "aws"})
		if err != nil {
			return err
		}
		res, err := applier.Apply(context.Background(), p, plan, nil, applier.Options{
			Parallelism: 16, PollInterval: 20 * time.Millisecond, PollMax: 500 * time.Millisecond,
			StageTimeout: 20 * time.Minute, CallTimeout: time.Minute,
			Retry: applier.Retry{Base: 50 * time.Millisecond, Max: 2 * time.Second},
		})
		if err != nil {
			return err
		}
		if len(res.Failed)+len(res.NotStarted) > 0 {
			return fmt.Errorf("applying %s %s:\n%s", dir, env, failures(res))
		}
		b.Logf("setup: applied %d resources of %s %s in %s", d.resources, filepath.Base(dir), env, time.Since(start).Round(time.Second))
		fmt.Fprintf(os.Stderr, "setup: applied %d resources of %s %s in %s\n", d.resources, filepath.Base(dir), env, time.Since(start).Round(time.Second))
		return nil
	}()
	if d.err != nil {
		b.Fatal(d.err)
	}
	return d
}

// timedRead wraps a provider to time its ListOwned and count the calls
// made during it.
type timedRead struct {
	provider.Provider
	calls     func() int64
	readCalls int64
	read      time.Duration
}

func (t *timedRead) ListOwned(ctx context.Context, s provider.Scope) ([]*provider.Observed, error) {
	before, start := t.calls(), time.Now()
	out, err := t.Provider.ListOwned(ctx, s)
	t.read += time.Since(start)
	t.readCalls += t.calls() - before
	return out, err
}

func benchPlan(b *testing.B, dir, env string) {
	awstest.Need(b)
	d := deploy(b, dir, env)

	var calls atomic.Int64
	var mu sync.Mutex
	ops := map[string]int{}
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchCount",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				calls.Add(1)
				mu.Lock()
				ops[middleware.GetOperationName(ctx)]++
				mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
	p, err := aws.New(context.Background(), d.scope, aws.Options{HTTPClient: awstest.HTTPClient(),
		APIOptions: []func(*middleware.Stack) error{count, scalableTargetPaging}})
	if err != nil {
		b.Fatal(err)
	}
	tr := &timedRead{Provider: p, calls: calls.Load}
	calls.Store(0)
	clear(ops)
	live, changed, tolerated := measurePlans(b, tr, d.scope, d.compile, "aws")
	n := float64(b.N)
	var list []string
	for op, c := range ops {
		list = append(list, fmt.Sprintf("%s %.0f", op, float64(c)/n))
	}
	sort.Strings(list)
	b.Logf("%d live resources (%d compiled); per plan: %s", live, d.resources, strings.Join(list, ", "))
	read := float64(tr.readCalls) / n
	// Reported, not failed: a failed benchmark prints no metrics.
	if changed > 0 {
		b.Logf("NOTE: the plan after the apply has %d changes (%d more are the emulator's known disagreements)", changed, tolerated)
	} else if tolerated > 0 {
		b.Logf("the plan is empty but for %d changes that are the emulator's known disagreements with the AWS API reference", tolerated)
	}
	// The budget is for scale: a small environment pays the fixed cost
	// of one listing per type (about 25 calls) over few resources.
	if live >= 1000 && read/float64(live) > 0.3 {
		b.Logf("NOTE: %.2f read calls per resource, over the budget of 0.3", read/float64(live))
	}
}

// measurePlans runs b.N plans through tr and reports the metrics; it
// returns the live resources and the changes of the last plan (those
// that are the emulator's known disagreements apart).
func measurePlans(b *testing.B, tr *timedRead, scope provider.Scope, compile planner.CompileFunc, name string) (live, changed, tolerated int) {
	start := tr.calls()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		plan, err := planner.Make(context.Background(), tr, scope, compile, planner.Options{Provider: name})
		if err != nil {
			b.Fatal(err)
		}
		live, changed, tolerated = len(plan.Live), 0, 0
		for _, c := range plan.Changes {
			switch {
			case c.Action == planner.NoOp:
			case awstest.EmulatorOnly(c):
				tolerated++
			default:
				changed++
				if changed <= 5 {
					b.Logf("change: %s %s (%s)", c.Action, c.Address, c.Type)
				}
			}
		}
	}
	b.StopTimer()
	n := float64(b.N)
	total, read := float64(tr.calls()-start)/n, float64(tr.readCalls)/n
	b.ReportMetric(float64(live), "resources")
	b.ReportMetric(total, "calls/op")
	b.ReportMetric(read, "read-calls/op")
	b.ReportMetric(total/float64(live), "calls/resource")
	b.ReportMetric(read/float64(live), "read-calls/resource")
	b.ReportMetric(tr.read.Seconds()/n, "read-s")
	return live, changed, tolerated
}

// benchSandboxPlan is the same plan against the sandbox (no latency), for
// its simulated call count beside the AWS provider's real one.
func benchSandboxPlan(b *testing.B, dir, env string) {
	proj, diags, err := compiler.Load(dir)
	if err != nil || diags.HasErrors() {
		b.Fatalf("loading %s: %v %v", dir, err, diags)
	}
	e := proj.Env(env)
	compile := func(pinned map[string]int) (*graph.Graph, error) {
		return compiler.Compile(e, proj.Name, compiler.CompileOptions{PinnedPriorities: pinned})
	}
	g, err := compile(nil)
	if err != nil {
		b.Fatal(err)
	}
	scope := provider.Scope{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
	k := sandbox.Knobs{Seed: 1, DeploymentDuration: sandbox.Duration(time.Millisecond)}
	sb, err := sandbox.Open(b.TempDir(), sandbox.Options{Knobs: &k, IgnoreEnv: true, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	plan, err := planner.Make(context.Background(), sb, scope, compile, planner.Options{Provider: "sandbox"})
	if err != nil {
		b.Fatal(err)
	}
	res, err := applier.Apply(context.Background(), sb, plan, nil, applier.Options{Parallelism: 50,
		PollInterval: 5 * time.Millisecond, PollMax: 50 * time.Millisecond, StageTimeout: 5 * time.Minute})
	if err != nil || res.Err() != nil {
		b.Fatalf("apply to the sandbox: %v %v", err, res.Err())
	}
	sb.ResetStats()
	tr := &timedRead{Provider: sb, calls: func() int64 { return int64(sb.Stats().Total) }}
	live, changed, _ := measurePlans(b, tr, scope, compile, "sandbox")
	if changed > 0 {
		b.Errorf("the sandbox's plan after the apply has %d changes", changed)
	}
	b.Logf("sandbox: %d live resources", live)
}

// scalableTargetPaging corrects an emulator bug in the SDK's middleware,
// for the benchmark only (the provider follows the API reference): moto's
// DescribeScalableTargets answers every page after the first with the
// same NextToken (the page's length minus one, where it means the index
// of the page's last target), so a paginator following it reads the
// second page for ever once there are more than 100 targets. The API
// reference: NextToken is "the token for the next set of results". The
// correction makes the token the index moto expects; the number of calls
// is what AWS's paging takes.
func scalableTargetPaging(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchFixScalableTargetPaging",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			req, ok := in.Parameters.(*aas.DescribeScalableTargetsInput)
			res, ok2 := out.Result.(*aas.DescribeScalableTargetsOutput)
			if err != nil || !ok || !ok2 || res.NextToken == nil {
				return out, md, err
			}
			start := 0
			if n, err := strconv.Atoi(awssdk.ToString(req.NextToken)); err == nil {
				start = n + 1
			}
			res.NextToken = awssdk.String(strconv.Itoa(start + len(res.ScalableTargets) - 1))
			return out, md, err
		}), middleware.After)
}
