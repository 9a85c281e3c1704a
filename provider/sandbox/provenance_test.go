package sandbox

import (
	"context"
	"maps"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// The provenance tags apply stamps (graph.TagCommit, graph.TagRepository)
// are stored and read back for every type that carries tags: on create,
// replaced by an update that names another commit, dropped by an update
// that names none (a request's tags are the resource's, as the AWS
// provider makes them), and kept by Tag, which only adds.
func TestProvenanceTagsWrittenAndRead(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	ctx := context.Background()
	g := fixtureGraph(testScope, 1, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	stamp := func(tags map[string]string, commit string) map[string]string {
		out := maps.Clone(tags)
		if commit != "" {
			out[graph.TagCommit] = commit
			out[graph.TagRepository] = "https://github.com/acme/shop"
		}
		return out
	}
	for _, r := range g.Resources {
		if catalog.MustLookup(r.Type).Tagged {
			r.Tags = stamp(r.Tags, "c1")
		}
	}
	a := applyGraph(t, s, testScope, g)
	check := func(when, want string) {
		t.Helper()
		n := 0
		for addr, o := range liveByAddress(t, s, testScope) {
			if !catalog.MustLookup(o.Type).Tagged {
				continue
			}
			n++
			repo := map[bool]string{true: "https://github.com/acme/shop"}[want != ""]
			if o.Tags[graph.TagCommit] != want || o.Tags[graph.TagRepository] != repo {
				t.Errorf("%s, %s: commit %q repository %q, want %q %q", when, addr, o.Tags[graph.TagCommit], o.Tags[graph.TagRepository], want, repo)
			}
		}
		if n == 0 {
			t.Fatalf("%s: no tagged resources", when)
		}
	}
	check("created", "c1")

	update := func(commit string) {
		t.Helper()
		for _, r := range g.Resources {
			if !catalog.MustLookup(r.Type).Tagged {
				continue
			}
			req := a.request(t, r.Address)
			own := maps.Clone(r.Tags)
			delete(own, graph.TagCommit)
			delete(own, graph.TagRepository)
			req.Tags = stamp(own, commit)
			o, err := s.Update(ctx, testScope, liveByAddress(t, s, testScope)[r.Address], req)
			if err != nil {
				t.Fatalf("update %s: %v", r.Address, err)
			}
			a.live[r.Address] = o
		}
	}
	update("c2")
	check("updated", "c2")

	// Tag only adds (the applier's set-aside uses it): the stamp stays.
	for addr, o := range liveByAddress(t, s, testScope) {
		if catalog.MustLookup(o.Type).Tagged {
			if _, err := s.Tag(ctx, testScope, o, map[string]string{"extra": "x"}); err != nil {
				t.Fatalf("tag %s: %v", addr, err)
			}
		}
	}
	check("tagged", "c2")

	update("")
	check("updated outside git", "")
}
