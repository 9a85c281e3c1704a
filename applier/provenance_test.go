package applier

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

const (
	commitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
	commitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
	commitC = "ccccccccccccccccccccccccccccccccccccccc3"
	demoURL = "https://github.com/acme/demo"
)

// stamps returns address → gantry:commit of every owned live resource of a
// type that carries tags ("-" for one without the tag).
func (w *world) stamps() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, o := range w.live() {
		if t, ok := catalog.Lookup(o.Type); !ok || !t.Tagged {
			continue
		}
		c, ok := o.Tags[graph.TagCommit]
		if !ok {
			c = "-"
		}
		out[o.Address] = c
	}
	return out
}

// Apply stamps what it creates and changes with the plan's commit and the
// repository, and nothing else: a no-op apply of another commit leaves
// every stamp alone; an image change stamps the new task definition
// revision and the service it redeploys (changed only because the task
// definition did), not the other service.
func TestSandboxProvenanceStampsCreatedAndChangedOnly(t *testing.T) {
	w := newWorld(t, quickKnobs())
	// An alarm too, so that every type that carries tags is stamped.
	w.write("alarms.cue", `services: worker: alarms: cpu: {metric: "CPUUtilization", above: 80, forMinutes: 10}`)
	plan := w.plan()
	plan.Commit = commitA
	if res := w.apply(plan, Options{Repository: demoURL}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	first := w.stamps()
	if len(first) < 10 {
		t.Fatalf("only %d tagged resources: %v", len(first), first)
	}
	for addr, c := range first {
		if c != commitA {
			t.Errorf("%s: gantry:commit %q after the first apply, want %s", addr, c, commitA)
		}
	}
	stamped := map[string]bool{}
	for _, o := range w.live() {
		if t2, _ := catalog.Lookup(o.Type); t2 != nil && t2.Tagged {
			stamped[o.Type] = true
			if o.Tags[graph.TagRepository] != demoURL {
				t.Errorf("%s: gantry:repository %q, want %s", o.Address, o.Tags[graph.TagRepository], demoURL)
			}
		}
	}
	// Every type that carries tags went through its own tag path (ECS
	// tags, ELB AddTags, Auto Scaling's propagating tags, ...) and read
	// back with the stamp.
	for _, typ := range catalog.All() {
		if typ.Tagged && !stamped[typ.Name] {
			t.Errorf("no %s in the test configuration: its tag path is not covered", typ.Name)
		}
	}

	// Another commit with nothing to change: no stamp moves.
	noop := w.plan()
	if noop.HasChanges() {
		t.Fatalf("plan after a stamped apply: %v", changesOf(noop))
	}
	noop.Commit = commitB
	if res := w.apply(noop, Options{Repository: demoURL}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if got := w.stamps(); !maps.Equal(got, first) {
		t.Errorf("a no-op apply changed stamps:\n got %v\nwant %v", got, first)
	}

	w.setImage("api", "1.1.0")
	change := w.plan()
	change.Commit = commitC
	if res := w.apply(change, Options{Repository: demoURL}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	after := w.stamps()
	want := maps.Clone(first)
	want["service/api/task-definition"] = commitC
	want["service/api"] = commitC
	if !maps.Equal(after, want) {
		for addr := range want {
			if after[addr] != want[addr] {
				t.Errorf("%s: gantry:commit %q, want %q", addr, after[addr], want[addr])
			}
		}
		for addr := range after {
			if _, ok := want[addr]; !ok {
				t.Errorf("%s: unexpected resource stamped %q", addr, after[addr])
			}
		}
	}
	if again := w.plan(); again.HasChanges() {
		t.Errorf("stamps made the next plan change: %v", changesOf(again))
	}

	// An environment tag: a tags-only update of everything that carries
	// tags, each through its type's update path, all stamped.
	w.write("tags.cue", `environments: test: tags: team: "platform"`)
	retag := w.plan()
	retag.Commit = commitB
	if res := w.apply(retag, Options{Repository: demoURL}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	for addr, c := range w.stamps() {
		if c != commitB {
			t.Errorf("%s: gantry:commit %q after a tags-only update, want %s", addr, c, commitB)
		}
	}
}

// A plan made outside git names no commit: what it changes loses the
// stamp of an earlier apply (that commit no longer describes it); a plan
// made from a dirty work tree stamps its commit marked -dirty.
func TestSandboxProvenanceWithoutCommitAndDirty(t *testing.T) {
	w := newWorld(t, quickKnobs())
	plan := w.plan()
	plan.Commit = commitA
	if res := w.apply(plan, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.setImage("api", "1.1.0")
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	s := w.stamps()
	if s["service/api"] != "-" || s["service/api/task-definition"] != "-" || s["service/worker"] != commitA {
		t.Errorf("after an apply outside git: api %q, its task definition %q, worker %q; want -, -, %s",
			s["service/api"], s["service/api/task-definition"], s["service/worker"], commitA)
	}
	for _, o := range w.live() {
		if _, ok := o.Tags[graph.TagRepository]; ok {
			t.Errorf("%s: gantry:repository %q without a repository", o.Address, o.Tags[graph.TagRepository])
		}
	}

	w.setImage("api", "1.2.0")
	dirty := w.plan()
	dirty.Commit, dirty.Dirty = commitB, true
	if res := w.apply(dirty, Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	if got := w.stamps()["service/api"]; got != commitB+DirtySuffix {
		t.Errorf("dirty apply stamped %q, want %s", got, commitB+DirtySuffix)
	}
}

// Stamping never takes a request past AWS's 50 tags: the repository goes
// first, then the commit, and a parent of untaggable resources keeps room
// for the provider's child tags. Types that take no tags are never
// stamped.
func TestProvenanceRespectsTagLimits(t *testing.T) {
	r := &run{opts: Options{}.withDefaults(),
		provenance: map[string]string{graph.TagCommit: commitA, graph.TagRepository: demoURL}}
	req := func(typ string, n int) provider.Request {
		tags := map[string]string{}
		for i := range n {
			tags[fmt.Sprintf("t%02d", i)] = "v"
		}
		return provider.Request{Address: "x", Type: typ, Tags: tags}
	}
	for _, tc := range []struct {
		typ        string
		n          int
		commit     bool
		repository bool
	}{
		{catalog.Service, 10, true, true},
		{catalog.Service, 48, true, true},
		{catalog.Service, 49, true, false},
		{catalog.Service, 50, false, false},
		{catalog.ScalableTarget, 45, true, true}, // a parent: 3 kept for child tags
		{catalog.ScalableTarget, 46, true, false},
		{catalog.ScalableTarget, 47, false, false},
		{catalog.ScalingPolicy, 0, false, false}, // takes no tags
	} {
		rq := req(tc.typ, tc.n)
		r.stampProvenance(rq)
		_, c := rq.Tags[graph.TagCommit]
		_, repo := rq.Tags[graph.TagRepository]
		if c != tc.commit || repo != tc.repository {
			t.Errorf("%s with %d tags: commit %v repository %v, want %v %v", tc.typ, tc.n, c, repo, tc.commit, tc.repository)
		}
	}
}

func TestProvenanceTagsOfPlan(t *testing.T) {
	log := Options{}.withDefaults().Logger
	for _, tc := range []struct {
		commit string
		dirty  bool
		repo   string
		want   map[string]string
	}{
		{"", false, "", map[string]string{}},
		{commitA, false, "", map[string]string{graph.TagCommit: commitA}},
		{commitA, true, demoURL, map[string]string{graph.TagCommit: commitA + "-dirty", graph.TagRepository: demoURL}},
		// A raw remote with a token is not a valid tag value (the '%'
		// and the '?'): never written.
		{commitA, false, "https://github.com/acme/demo?token=ghp_%41", map[string]string{graph.TagCommit: commitA}},
		{"", false, "https://" + strings.Repeat("a", 260), map[string]string{}},
	} {
		got := provenanceTags(&planner.Plan{Commit: tc.commit, Dirty: tc.dirty}, tc.repo, log)
		if !maps.Equal(got, tc.want) {
			t.Errorf("commit %q dirty %v repo %q: %v, want %v", tc.commit, tc.dirty, tc.repo, got, tc.want)
		}
	}
}

func TestRepositoryURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/acme/shop.git":                              "https://github.com/acme/shop",
		"https://github.com/acme/shop":                                  "https://github.com/acme/shop",
		"https://x-access-token:ghs_SECRET123@github.com/acme/shop.git": "https://github.com/acme/shop",
		"https://ghp_SECRET@github.com/acme/shop":                       "https://github.com/acme/shop",
		"http://git.internal:8080/team/shop.git/":                       "https://git.internal:8080/team/shop",
		"git@github.com:acme/shop.git":                                  "https://github.com/acme/shop",
		"ssh://git@GitHub.com:22/acme/shop.git":                         "https://github.com/acme/shop",
		"git://example.org/shop":                                        "https://example.org/shop",
		"https://gitlab.com/group/sub/shop.git?ref=main#frag":           "https://gitlab.com/group/sub/shop",
		"  git@bitbucket.org:team/shop.git\n":                           "https://bitbucket.org/team/shop",
		"/srv/git/shop.git":                                             "",
		"./shop":                                                        "",
		"file:///srv/git/shop.git":                                      "",
		"":                                                              "",
		"https://github.com/":                                           "",
		"https://github.com/acme/sh%7Eop":                               "",
		"https://github.com/" + strings.Repeat("a", 250):                "",
		"C:/repos/shop":                                                 "",
		"https://user:p%40ss@dev.azure.com/org/project/_git/shop":       "https://dev.azure.com/org/project/_git/shop",
		"ssh://git@ssh.dev.azure.com/v3/org/project/shop":               "https://ssh.dev.azure.com/v3/org/project/shop",
		"https://github.com/acme/shop.git.git":                          "https://github.com/acme/shop.git",
		"git@github.com:/acme/shop.git":                                 "https://github.com/acme/shop",
	} {
		if got := RepositoryURL(in); got != want {
			t.Errorf("RepositoryURL(%q) = %q, want %q", in, got, want)
		}
	}
}
