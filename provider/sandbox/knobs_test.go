package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func TestLatencyIsPerCall(t *testing.T) {
	s, _ := newSandbox(t, Knobs{Latency: Duration(20 * time.Millisecond)})
	start := time.Now()
	_, err := s.Create(ctx, testScope, provider.Request{Address: "x/log", Type: catalog.LogGroup, Properties: m{"LogGroupName": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("create took %v, less than the latency", d)
	}
	if st := s.Stats(); st.Calls["logs:CreateLogGroup"] != 1 || st.Total != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestThrottlingIsRetryableAndNamesTheOperation(t *testing.T) {
	s, _ := newSandbox(t, Knobs{ThrottleRate: 1})
	_, err := s.Create(ctx, testScope, provider.Request{Address: "service/a/log-group", Type: catalog.LogGroup, Properties: m{"LogGroupName": "x"}})
	e := wantCode(t, err, "logs:CreateLogGroup", "ThrottlingException")
	if !e.Retryable || !provider.IsRetryable(err) || e.Address != "service/a/log-group" || e.Message != "Rate exceeded" {
		t.Errorf("%+v", e)
	}
	_, err = s.Create(ctx, testScope, provider.Request{Type: catalog.SecurityGroup, Properties: m{"GroupName": "x", "GroupDescription": "x"}})
	wantCode(t, err, "ec2:CreateSecurityGroup", "RequestLimitExceeded")
	if st := s.Stats(); st.Throttled != 2 {
		t.Errorf("stats %+v", st)
	}
	// Nothing was created.
	s.SetKnobs(Knobs{})
	if res, _ := s.Resources(ctx, Filter{Unowned: true}); len(res) != 0 {
		t.Errorf("a throttled call created %d resources", len(res))
	}
}

func TestFailureRatesAreDeterministic(t *testing.T) {
	outcomes := func() string {
		s, _ := newSandbox(t, Knobs{FailureRate: 0.3, Seed: 42})
		out := ""
		for i := 0; i < 40; i++ {
			_, err := s.Create(ctx, testScope, provider.Request{Address: fmt.Sprintf("lg/%d", i), Type: catalog.LogGroup, Properties: m{"LogGroupName": strconv.Itoa(i)}})
			if err != nil {
				wantCode(t, err, "logs:CreateLogGroup", "ServiceUnavailableException")
				out += "x"
			} else {
				out += "."
			}
		}
		return out
	}
	a, b := outcomes(), outcomes()
	if a != b {
		t.Errorf("same seed, different failures:\n%s\n%s", a, b)
	}
	n := 0
	for _, c := range a {
		if c == 'x' {
			n++
		}
	}
	if n < 4 || n > 24 {
		t.Errorf("%d of 40 failed at a 30%% rate: %s", n, a)
	}
}

func TestTargetedFailures(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	k := Knobs{Failures: []Failure{
		{Operation: "ecs:Create*", Address: "service/api", Code: "AccessDeniedException", Message: "not today", Times: 2},
	}}
	if err := s.SaveKnobs(k); err != nil {
		t.Fatal(err)
	}
	req := provider.Request{Address: "service/api", Type: catalog.Cluster, Properties: m{"ClusterName": "c"}}
	for i := 0; i < 2; i++ {
		_, err := s.Create(ctx, testScope, req)
		e := wantCode(t, err, "ecs:CreateCluster", "AccessDeniedException")
		if e.Retryable || e.Message != "not today" {
			t.Errorf("%+v", e)
		}
	}
	// Other addresses are untouched; the failure is spent after two.
	if _, err := s.Create(ctx, testScope, provider.Request{Address: "cluster/other", Type: catalog.Cluster, Properties: m{"ClusterName": "d"}}); err != nil {
		t.Errorf("other address: %v", err)
	}
	if _, err := s.Create(ctx, testScope, req); err != nil {
		t.Errorf("third try: %v", err)
	}
	// The count lives in the directory: another handle sees it spent.
	other, err := Open(s.Dir(), Options{IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := other.Knobs().Failures; len(f) != 1 || !f[0].Spent {
		t.Errorf("saved failures %+v", f)
	}
}

func TestLostResponsesAreAdoptedOnRetry(t *testing.T) {
	s, _ := newSandbox(t, Knobs{Failures: []Failure{{Operation: "ecs:CreateCluster", After: true, Times: 1}}})
	req := provider.Request{Address: "cluster/main", Type: catalog.Cluster, Properties: m{"ClusterName": "main"},
		Tags: map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": "cluster/main"}}
	_, err := s.Create(ctx, testScope, req)
	if e := wantCode(t, err, "ecs:CreateCluster", "ServerException"); !e.Retryable {
		t.Errorf("%+v", e)
	}
	if n := len(liveByAddress(t, s, testScope)); n != 1 {
		t.Fatalf("the lost response's cluster: %d resources", n)
	}
	o, err := s.Create(ctx, testScope, req)
	if err != nil || o.ID != "main" {
		t.Fatalf("retry: %v %v", o, err)
	}
	if n := len(liveByAddress(t, s, testScope)); n != 1 {
		t.Errorf("retry duplicated: %d resources", n)
	}
}

func TestReadsRetryThrottlingThemselves(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	g := fixtureGraph(testScope, 3, "nginx:1")
	applyGraph(t, s, testScope, g)
	s.SetKnobs(Knobs{ThrottleRate: 0.3, Seed: 1})
	s.ResetStats()
	live, err := s.ListOwned(ctx, testScope)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != len(g.Resources) {
		t.Errorf("%d resources, want %d", len(live), len(g.Resources))
	}
	if st := s.Stats(); st.Retries == 0 || st.Throttled == 0 {
		t.Errorf("no retries at a 30%% throttle rate: %+v", st)
	}
	// With every call throttled, the read gives up with the AWS error.
	s.SetKnobs(Knobs{ThrottleRate: 1})
	_, err = s.ListOwned(ctx, testScope)
	if !provider.IsRetryable(err) {
		t.Errorf("want a retryable error, got %v", err)
	}
}

func TestListOwnedBatchesCalls(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	g := fixtureGraph(testScope, 30, "nginx:1")
	applyGraph(t, s, testScope, g)
	s.ResetStats()
	if _, err := s.ListOwned(ctx, testScope); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	perResource := float64(st.Total) / float64(len(g.Resources))
	if perResource >= 0.3 {
		t.Errorf("%d calls for %d resources (%.2f per resource): %v", st.Total, len(g.Resources), perResource, st.Calls)
	}
	if st.Calls["ecs:DescribeServices"] != 3 || st.Calls["ecs:DescribeTaskDefinition"] != 30 {
		t.Errorf("calls %v", st.Calls)
	}
}

func TestEnvKnobs(t *testing.T) {
	k := DefaultKnobs()
	env := map[string]string{EnvLatency: "50ms", EnvThrottleRate: "0.2", EnvDeploymentDuration: "0", EnvShuffle: "false", EnvSeed: "9"}
	if err := EnvKnobs(&k, func(n string) string { return env[n] }); err != nil {
		t.Fatal(err)
	}
	if k.Latency.D() != 50*time.Millisecond || k.ThrottleRate != 0.2 || k.DeploymentDuration != 0 || !k.NoShuffle || k.Seed != 9 {
		t.Errorf("%+v", k)
	}
	env[EnvFailureRate] = "2"
	if err := EnvKnobs(&k, func(n string) string { return env[n] }); err == nil {
		t.Error("a failure rate of 2 was accepted")
	}
}

func TestKnobsPersist(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Knobs().DeploymentDuration.D() != DefaultDeploymentDuration {
		t.Errorf("default knobs %+v", s.Knobs())
	}
	if err := s.SaveKnobs(Knobs{Latency: Duration(5 * time.Millisecond), NoShuffle: true}); err != nil {
		t.Fatal(err)
	}
	again, _ := Open(dir, Options{IgnoreEnv: true})
	if k := again.Knobs(); k.Latency.D() != 5*time.Millisecond || !k.NoShuffle {
		t.Errorf("reopened knobs %+v", k)
	}
}

// Two handles on one directory (two processes, as far as the kernel's
// locks are concerned) interleave safely.
func TestTwoHandlesInterleave(t *testing.T) {
	dir := t.TempDir()
	k := Knobs{}
	h1, _ := Open(dir, Options{Knobs: &k})
	h2, _ := Open(dir, Options{Knobs: &k})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for w, h := range []*Sandbox{h1, h2} {
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(w, g int, h *Sandbox) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					name := fmt.Sprintf("h%d-g%d-%d", w, g, i)
					_, err := h.Create(ctx, testScope, provider.Request{Address: "lg/" + name, Type: catalog.LogGroup, Properties: m{"LogGroupName": name},
						Tags: map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": "lg/" + name}})
					if err != nil {
						errs <- err
					}
				}
			}(w, g, h)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, h := range []*Sandbox{h1, h2} {
		if n := len(liveByAddress(t, h, testScope)); n != 200 {
			t.Errorf("handle sees %d log groups, want 200", n)
		}
	}
}

// A second process writes to the same sandbox while this one does.
func TestTwoProcesses(t *testing.T) {
	if os.Getenv("SANDBOX_CHILD_DIR") != "" {
		childWrites(t, os.Getenv("SANDBOX_CHILD_DIR"), "child")
		return
	}
	dir := t.TempDir()
	if _, err := Open(dir, Options{IgnoreEnv: true}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcesses$")
	cmd.Env = append(os.Environ(), "SANDBOX_CHILD_DIR="+dir)
	out := make(chan error, 1)
	var buf []byte
	go func() {
		var err error
		buf, err = cmd.CombinedOutput()
		out <- err
	}()
	childWrites(t, dir, "parent")
	if err := <-out; err != nil {
		t.Fatalf("child: %v\n%s", err, buf)
	}
	s, _ := Open(dir, Options{IgnoreEnv: true})
	if n := len(liveByAddress(t, s, testScope)); n != 200 {
		t.Errorf("%d log groups after two processes wrote 100 each, want 200", n)
	}
}

func childWrites(t *testing.T, dir, who string) {
	k := Knobs{}
	s, err := Open(dir, Options{Knobs: &k})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("%s-%d", who, i)
		if _, err := s.Create(ctx, testScope, provider.Request{Address: "lg/" + name, Type: catalog.LogGroup, Properties: m{"LogGroupName": name},
			Tags: map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": "lg/" + name}}); err != nil {
			t.Fatal(err)
		}
	}
}
