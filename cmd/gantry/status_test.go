package main

import (
	"context"
	"encoding/json"
	"github.com/gantry-gitops/gantry/planner"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/gantry-gitops/gantry/catalog"
	cfg "github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// gitDemo makes c's demo directory a git repository on main with one
// commit and an origin remote whose URL holds a token, as CI checkouts
// have; it returns the repository and the commit.
func gitDemo(t *testing.T, c *cli) (*git.Repository, string) {
	t.Helper()
	dir := filepath.Join(c.dir, "demo")
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin",
		URLs: []string{"https://x-access-token:ghs_SECRETTOKEN@github.com/acme/demo.git"}}); err != nil {
		t.Fatal(err)
	}
	return repo, commitAll(t, repo, "initial configuration")
}

func commitAll(t *testing.T, repo *git.Repository, msg string) string {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

// stamps reads address → gantry:commit of every owned resource of a type
// that carries tags, failing on any tag value holding the remote's token.
func (c *cli) stamps() map[string]string {
	c.t.Helper()
	sb, err := sandbox.Open(filepath.Join(c.dir, "sb"), sandbox.Options{ReadOnly: true, IgnoreEnv: true})
	if err != nil {
		c.t.Fatal(err)
	}
	defer sb.Close()
	live, err := sb.ListOwned(context.Background(), demoScope)
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]string{}
	for _, o := range live {
		for k, v := range o.Tags {
			if strings.Contains(v, "SECRETTOKEN") {
				c.t.Errorf("%s: tag %s holds the remote's token: %q", o.Address, k, v)
			}
		}
		if t, ok := catalog.Lookup(o.Type); ok && t.Tagged {
			out[o.Address] = o.Tags[graph.TagCommit]
			if r := o.Tags[graph.TagRepository]; r != "https://github.com/acme/demo" {
				c.t.Errorf("%s: gantry:repository %q", o.Address, r)
			}
		}
	}
	return out
}

// statusJSON runs gantry status --format json.
func (c *cli) statusJSON() statusDoc {
	c.t.Helper()
	out, errOut, code := c.run("status", "demo", "--env", "test", "--format", "json")
	if code != 0 {
		c.t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	var st statusDoc
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		c.t.Fatalf("status JSON: %v\n%s", err, out)
	}
	return st
}

// An apply in a git repository stamps every resource with HEAD and the
// origin's URL without its token; gantry status shows the commit per
// service. A saved plan of a later commit, applied with --plan, stamps
// only what it changes (the worker's task definition and the service it
// redeploys) with the plan's commit; the rest keeps the first.
func TestApplyInGitStampsCommitAndStatusShowsIt(t *testing.T) {
	c := newCLI(t, "GANTRY_SANDBOX_DEPLOYMENT_DURATION=0", "GANTRY_SANDBOX_SEED=1")
	repo, first := gitDemo(t, c)
	if _, errOut, code := c.run("apply", "demo", "--env", "test", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	stamps := c.stamps()
	if len(stamps) < 10 {
		t.Fatalf("only %d tagged resources", len(stamps))
	}
	for addr, commit := range stamps {
		if commit != first {
			t.Errorf("%s: gantry:commit %q, want %s", addr, commit, first)
		}
	}
	st := c.statusJSON()
	for _, s := range st.Services {
		if s.Commit != first || s.Repository != "https://github.com/acme/demo" {
			t.Errorf("status of %s: commit %q repository %q", s.Name, s.Commit, s.Repository)
		}
	}
	out, _, _ := c.run("status", "demo", "--env", "test")
	if !regexp.MustCompile(`(?m)^api +` + first[:7] + ` +111122223333\.dkr`).MatchString(out) {
		t.Errorf("text status does not show the short commit %s for api:\n%s", first[:7], out)
	}

	project := filepath.Join(c.dir, "demo", "project.cue")
	b, err := os.ReadFile(project)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "worker:1.0.0", "worker:1.1.0", 1)
	if err := os.WriteFile(project, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	second := commitAll(t, repo, "worker 1.1.0")
	planFile := filepath.Join(c.dir, "worker.plan") // outside the work tree
	if _, errOut, code := c.run("plan", "demo", "--env", "test", "--out", planFile); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := c.run("apply", "demo", "--plan", planFile); code != 0 {
		t.Fatalf("apply --plan: exit %d\n%s", code, errOut)
	}
	for addr, commit := range c.stamps() {
		want := first
		if addr == "service/worker" || addr == "service/worker/task-definition" {
			want = second
		}
		if commit != want {
			t.Errorf("after the worker's image change, %s: gantry:commit %q, want %q", addr, commit, want)
		}
	}
	for _, s := range c.statusJSON().Services {
		want := map[string]string{"api": first, "worker": second}[s.Name]
		if s.Commit != want {
			t.Errorf("status of %s: commit %q, want %q", s.Name, s.Commit, want)
		}
		if s.Name == "worker" && !strings.HasSuffix(s.Image, "worker:1.1.0") {
			t.Errorf("status of worker: image %q, want worker:1.1.0", s.Image)
		}
	}
}

func TestStatusRouteURL(t *testing.T) {
	https := &cfg.LoadBalancer{Name: "public", HTTPS: &cfg.HTTPS{Certificate: "arn:aws:acm:eu-west-1:1:certificate/x"}}
	plain := &cfg.LoadBalancer{Name: "public"}
	dns := "shop-prod-public-1.eu-west-1.elb.amazonaws.com"
	for _, tc := range []struct {
		route *cfg.Route
		lb    *cfg.LoadBalancer
		dns   string
		want  string
	}{
		{&cfg.Route{Paths: []string{"/api/*"}}, plain, dns, "http://" + dns + "/api/"},
		{&cfg.Route{Paths: []string{"/api/*"}}, https, dns, "https://" + dns + "/api/"},
		{&cfg.Route{Host: "api.example.com", Paths: []string{"/*"}}, https, dns, "https://api.example.com/"},
		{&cfg.Route{Host: "api.example.com"}, plain, "", "http://api.example.com/"},
		{&cfg.Route{Paths: []string{"/v1/orders"}}, plain, dns, "http://" + dns + "/v1/orders"},
		{&cfg.Route{Paths: []string{"/api/*"}}, plain, "", ""}, // no load balancer yet
	} {
		if got := statusRouteURL(tc.route, tc.lb, tc.dns); got != tc.want {
			t.Errorf("route %+v: %q, want %q", tc.route, got, tc.want)
		}
	}
}

func TestStatusCommitAbbreviation(t *testing.T) {
	for in, want := range map[string]string{
		"": "-",
		"9c1e0b7f3a2d4c5b6a7980f1e2d3c4b5a6978812":       "9c1e0b7",
		"9c1e0b7f3a2d4c5b6a7980f1e2d3c4b5a6978812-dirty": "9c1e0b7-dirty",
		"abc": "abc",
	} {
		if got := statusCommit(in); got != want {
			t.Errorf("statusCommit(%q) = %q, want %q", in, got, want)
		}
	}
}

// Draining targets (older tasks the load balancer is taking out after a
// deployment) are not counted as targets that should be healthy.
func TestStatusTargetsLeaveDrainingOut(t *testing.T) {
	got := statusTargetsOf(map[string]int{"healthy": 1, "draining": 1, "initial": 1})
	if want := (statusTargets{Healthy: 1, Total: 2, Draining: 1}); got != want {
		t.Errorf("statusTargetsOf = %+v, want %+v", got, want)
	}
	s := statusService{Deployed: true, Targets: &got}
	if text := statusTargetsText(s); text != "1/2 healthy, 1 draining" {
		t.Errorf("text %q", text)
	}
}

// A newly published AMI is pending, not drift, and said to be AWS's.
func TestStatusSyncOfAPublishedAMI(t *testing.T) {
	changes := []*planner.Change{
		{Address: "cluster/c/launch-template", Action: planner.Update, Cause: planner.CausePublished},
		{Address: "cluster/c/auto-scaling-group", Action: planner.Update, Cause: planner.CausePublished},
		{Address: "service/api", Action: planner.Update, Cause: planner.CauseConfig},
	}
	s := statusSyncOf(changes, "")
	if want := (statusSync{State: statusPending, Changes: 3, Config: 3, Published: 2}); s != want {
		t.Errorf("statusSyncOf = %+v, want %+v", s, want)
	}
	if got, want := statusSyncText(s, true), "pending: 3 changes (1 from config, 2 from a value AWS published: a new AMI)"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

func TestStatusSyncOfOnlyAPublishedAMI(t *testing.T) {
	s := statusSyncOf([]*planner.Change{{Address: "cluster/c/launch-template", Action: planner.Update, Cause: planner.CausePublished}}, "")
	if got, want := statusSyncText(s, true), "pending: 1 change from a value AWS published (a new AMI)"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}
