package planner

import (
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// The provenance tags apply stamps (gantry:commit, gantry:repository) are
// never a change: not when live carries another commit than the last
// apply's, not when only one side has them, and not as drift: the cause
// of a real change is computed as if they were not there.
func TestProvenanceTagsAreNeverAChange(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	for _, o := range live {
		if catalog.MustLookup(o.Type).Tagged {
			o.Tags[graph.TagCommit] = "0123456789abcdef0123456789abcdef01234567"
			o.Tags[graph.TagRepository] = "https://github.com/acme/shop"
		}
	}
	// The desired side names another commit (a graph never carries one,
	// but nothing must depend on that).
	g.Resources[0].Tags[graph.TagCommit] = "fedcba9876543210fedcba9876543210fedcba98"
	p := mustDiff(t, g, live)
	if p.HasChanges() {
		for _, c := range p.Changes {
			if c.Action != NoOp {
				t.Errorf("%s: %s %v", c.Address, c.Action, c.Diffs)
			}
		}
	}

	// A resource applied from one commit, then stamped by another apply
	// that did not change it: the applied hash still matches, no drift.
	g2, live2 := ecsWorld("api:1.0", env3, false)
	g2.Project, g2.Environment = "shop", "prod"
	g2.Sort()
	cluster := g2.Get("cluster/main")
	live2[0].Tags[TagApplied] = AppliedHash(catalog.Cluster, cluster.Properties, cluster.Tags, nil)
	live2[0].Tags[graph.TagCommit] = "0123456789abcdef0123456789abcdef01234567"
	if h := AppliedHash(catalog.Cluster, cluster.Properties, live2[0].Tags, nil); h != live2[0].Tags[TagApplied] {
		t.Errorf("the applied hash covers gantry:commit: %s with it, %s without", h, live2[0].Tags[TagApplied])
	}
	live2[0].Properties["ClusterSettings"] = []any{map[string]any{"Name": "containerInsights", "Value": "disabled"}}
	c := changeOf(t, mustDiff(t, g2, live2), "cluster/main")
	if c.Action != Update || c.Cause != CauseDrift {
		t.Errorf("console edit of a stamped cluster: %s cause %q, want update drift", c.Action, c.Cause)
	}
	for _, d := range c.Diffs {
		if d.Path == "Tags["+graph.TagCommit+"]" || d.Path == "Tags["+graph.TagRepository+"]" {
			t.Errorf("provenance tag diffed: %+v", d)
		}
	}
}

// A saved plan's fingerprint of a resource does not change when only its
// provenance tags do (which commit deployed it is not its state), and
// does change with any other tag.
func TestFingerprintIgnoresProvenanceTags(t *testing.T) {
	_, a := ecsWorld("api:1.0", env3, false)
	_, b := ecsWorld("api:1.0", env3, false)
	b[3].Tags[graph.TagCommit] = "0123456789abcdef0123456789abcdef01234567"
	b[3].Tags[graph.TagRepository] = "https://github.com/acme/shop"
	if Fingerprint(a[3]) != Fingerprint(b[3]) {
		t.Error("fingerprint changed with the provenance tags")
	}
	b[3].Tags["team"] = "platform"
	if Fingerprint(a[3]) == Fingerprint(b[3]) {
		t.Error("fingerprint did not change with a user tag")
	}
}
