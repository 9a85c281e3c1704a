package applytest

import (
	"context"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

const stampRepository = "https://github.com/acme/stamp"

// applyStamped applies plan as made from commit, with the repository URL.
func applyStamped(t *testing.T, p *aws.Provider, plan *planner.Plan, live []*provider.Observed, commit string) {
	t.Helper()
	plan.Commit = commit
	res, err := applier.Apply(context.Background(), p, plan, live, applier.Options{
		Parallelism: 4, PollInterval: 20 * time.Millisecond, PollMax: 200 * time.Millisecond,
		StageTimeout: 2 * time.Minute, CallTimeout: 30 * time.Second,
		Retry: applier.Retry{Base: 50 * time.Millisecond, Max: time.Second}, DeleteData: true,
		Repository: stampRepository,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed)+len(res.NotStarted) > 0 {
		t.Fatalf("apply of %s:\n%s", commit, failures(res))
	}
}

// assertStamped checks that every live resource of a type that carries
// tags reads back with the commit commitOf gives for its type and the
// repository, and that every such type of the catalog was among them.
func assertStamped(t *testing.T, live []*provider.Observed, commitOf func(typ string) string) {
	t.Helper()
	seen := map[string]bool{}
	for _, o := range live {
		typ, ok := catalog.Lookup(o.Type)
		if !ok || !typ.Tagged {
			continue
		}
		seen[o.Type] = true
		if commit := commitOf(o.Type); o.Tags[graph.TagCommit] != commit || o.Tags[graph.TagRepository] != stampRepository {
			t.Errorf("%s (%s): gantry:commit %q gantry:repository %q, want %s %s", o.Address, o.Type,
				o.Tags[graph.TagCommit], o.Tags[graph.TagRepository], commitOf(o.Type), stampRepository)
		}
	}
	for _, typ := range catalog.All() {
		if typ.Tagged && !seen[typ.Name] {
			t.Errorf("no live %s: its tag path is not covered", typ.Name)
		}
	}
}

// The AWS provider writes the provenance tags through every type's own tag
// path and reads them back: on create (tags in the create call, or
// TagResource after it) and on update (a tags-only change of every
// resource: each type's tag and untag calls). They are never a change.
func TestEmulatorProvenanceTags(t *testing.T) {
	awstest.Need(t)
	ctx := context.Background()
	scope := provider.Scope{Project: "stamp", Environment: "staging", Account: awstest.Account, Region: awstest.Region}
	p, err := aws.New(ctx, scope, aws.Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	net := awstest.MakeNetwork(t)
	image := "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0"
	const first, second = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"

	g := awstest.Graph(scope, net, 1, image)
	plan, live := planFor(t, p, scope, g)
	applyStamped(t, p, plan, live, first)
	fresh, live := planFor(t, p, scope, g)
	awstest.AssertNoChanges(t, g, live, scope, fresh.Parameters)
	assertStamped(t, live, func(string) string { return first })

	// Another user tag: a tags-only update of every resource that carries
	// tags, stamped with the second commit through each type's tag and
	// untag calls; but the launch template, which keeps the first
	// commit, as everything an apply leaves alone does. (The emulator
	// cannot show a launch template's tags changed after its creation:
	// moto's DescribeLaunchTemplates returns the tags it was created
	// with, whatever CreateTags did since.)
	g2 := awstest.Graph(scope, net, 1, image)
	for _, r := range g2.Resources {
		if r.Tags != nil && r.Type != catalog.LaunchTemplate {
			r.Tags["team"] = "platform"
		}
	}
	plan, live = planFor(t, p, scope, g2)
	applyStamped(t, p, plan, live, second)
	fresh, live = planFor(t, p, scope, g2)
	awstest.AssertNoChanges(t, g2, live, scope, fresh.Parameters)
	assertStamped(t, live, func(typ string) string {
		if typ == catalog.LaunchTemplate {
			return first
		}
		return second
	})

	dplan, _ := applier.DestroyPlan(p.Name(), scope, live, true, time.Now())
	if res := applyPlan(t, p, dplan, live); len(res.Failed) > 0 {
		t.Errorf("destroy:\n%s", failures(res))
	}
}
