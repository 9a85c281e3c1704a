package applytest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

// statusDoc is the part of gantry status's JSON (docs/status.md) this
// test reads.
type statusDoc struct {
	Version  int `json:"version"`
	Provider string
	Sync     struct {
		State string
		Drift int
	}
	Services []struct {
		Name, Commit, Repository, Image string
		Deployed                        bool
		Tasks                           struct{ Running, Desired int }
		Rollout                         struct{ State string }
		Targets                         *struct{ Healthy, Total int }
		Sync                            struct{ Drift int }
	}
	Outputs struct {
		LoadBalancers []struct{ Name, DNSName string }
		URLs          []struct{ Service, URL string }
	}
}

// gantry status against AWS (the emulator as its endpoint), on the shared
// example applied from a git commit: each service shows that commit, its
// image, its tasks running, a completed rollout, healthy targets; the
// load balancer's DNS name and the services' URLs; a console edit of a
// service shows as drift of that service. Exit 0 throughout.
func TestEmulatorCLIStatus(t *testing.T) {
	awstest.Need(t)
	src := sharedShop(t)
	dir := copyShop(t, src)
	commit := commitDir(t, dir)
	bin := buildGantry(t)
	g := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GANTRY_SANDBOX=", "NO_COLOR=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gantry %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
	status := func() statusDoc {
		t.Helper()
		var st statusDoc
		if err := json.Unmarshal(g("status", "--env", "staging", "--format", "json"), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}

	g("apply", "--env", "staging", "--auto-approve")
	st := status()
	if st.Version != 1 || st.Provider != "aws" || len(st.Services) == 0 {
		t.Fatalf("status: %+v", st)
	}
	drift := map[string]int{}
	for _, s := range st.Services {
		drift[s.Name] = s.Sync.Drift
		if !s.Deployed || s.Commit != commit || s.Image == "" || s.Rollout.State != "COMPLETED" ||
			s.Tasks.Desired == 0 || s.Tasks.Running != s.Tasks.Desired {
			t.Errorf("service %s: %+v (want deployed from %s, running, COMPLETED)", s.Name, s, commit)
		}
		if s.Targets != nil && (s.Targets.Total == 0 || s.Targets.Healthy != s.Targets.Total) {
			t.Errorf("service %s: targets %+v", s.Name, *s.Targets)
		}
	}
	if len(st.Outputs.LoadBalancers) == 0 || len(st.Outputs.URLs) == 0 {
		t.Errorf("outputs: %+v", st.Outputs)
	}
	for _, lb := range st.Outputs.LoadBalancers {
		if lb.DNSName == "" {
			t.Errorf("load balancer %s without a DNS name", lb.Name)
		}
	}
	for _, u := range st.Outputs.URLs {
		if !strings.HasPrefix(u.URL, "http") {
			t.Errorf("service %s: URL %q", u.Service, u.URL)
		}
	}
	text := string(g("status", "--env", "staging"))
	if !strings.Contains(text, " "+commit[:7]+" ") {
		t.Errorf("text status without the short commit %s:\n%s", commit[:7], text)
	}

	// The console changes the api's grace period: drift of the api.
	cluster, name := liveService(t, "staging", "service/api")
	if _, err := ecs.NewFromConfig(cliSDK(t)).UpdateService(context.Background(), &ecs.UpdateServiceInput{
		Cluster: awssdk.String(cluster), Service: awssdk.String(name), HealthCheckGracePeriodSeconds: awssdk.Int32(5),
	}); err != nil {
		t.Fatal(err)
	}
	st = status()
	for _, s := range st.Services {
		if s.Name == "api" && s.Sync.Drift != drift["api"]+1 {
			t.Errorf("api after a console edit: %d drifted changes, want %d", s.Sync.Drift, drift["api"]+1)
		}
	}
	if st.Sync.State != "drifted" {
		t.Errorf("environment after a console edit: %q, want drifted", st.Sync.State)
	}

	g("destroy", "--env", "staging", "--auto-approve", "--include-data")
}

// commitDir makes dir a git repository on main with everything committed
// and returns the commit.
func commitDir(t *testing.T, dir string) string {
	t.Helper()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	h, err := wt.Commit("shop", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}
