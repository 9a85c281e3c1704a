package planner

import (
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// appliedFleet is fleet with the gantry:applied tags that applying it
// with the AMI parameter at ami leaves: live matches the last apply.
func appliedFleet(ami string) (*graph.Graph, []*provider.Observed) {
	g, live := fleet(true, ami)
	lt, asg := g.Get("cluster/c/launch-template"), g.Get("cluster/c/auto-scaling-group")
	sentLT, _ := catalog.MustLookup(lt.Type).ResolveParameters(lt.Properties, map[string]string{amiParam: ami})
	live[0].Tags[TagApplied] = AppliedHash(lt.Type, sentLT, lt.Tags, nil)
	sentASG := map[string]any{}
	for k, v := range asg.Properties {
		sentASG[k] = v
	}
	sentASG["LaunchTemplate"] = map[string]any{"LaunchTemplateId": "lt-1", "Version": "1"}
	live[1].Tags[TagApplied] = AppliedHash(asg.Type, sentASG, asg.Tags, nil)
	return g, live
}

func templateData(r *graph.Resource) map[string]any {
	return r.Properties["LaunchTemplateData"].(map[string]any)
}

// A newly published AMI is neither a configuration change nor drift: the
// template's change and the group's, which only follows it, are
// "published". A configuration change stays "config" (with or without a
// new AMI beside it), and a template edited outside gantry "drift".
func TestCausePublished(t *testing.T) {
	const oldAMI, newAMI = "ami-0a9d0bd3f4a1e6b52", "ami-008b705c661d4f3c3"
	causes := func(g *graph.Graph, live []*provider.Observed, ami string) (lt, asg Cause) {
		t.Helper()
		p := diffWith(t, g, live, map[string]string{amiParam: ami})
		return changeOf(t, p, "cluster/c/launch-template").Cause, changeOf(t, p, "cluster/c/auto-scaling-group").Cause
	}
	g, live := appliedFleet(oldAMI)
	if p := diffWith(t, g, live, map[string]string{amiParam: oldAMI}); p.HasChanges() {
		t.Fatalf("the applied fleet plans changes: %+v", p.Changes)
	}
	if lt, asg := causes(g, live, newAMI); lt != CausePublished || asg != CausePublished {
		t.Errorf("new AMI: launch template %q, group %q; want published, published", lt, asg)
	}

	for _, ami := range []string{oldAMI, newAMI} {
		g, live := appliedFleet(oldAMI)
		templateData(g.Get("cluster/c/launch-template"))["InstanceType"] = "m7g.large"
		if lt, asg := causes(g, live, ami); lt != CauseConfig || asg != CauseConfig {
			t.Errorf("another instance type, AMI %s: launch template %q, group %q; want config, config", ami, lt, asg)
		}
	}

	g, live = appliedFleet(oldAMI)
	live[0].Properties["LaunchTemplateData"].(map[string]any)["ImageId"] = "ami-0ffffffffffffffff"
	if lt, _ := causes(g, live, oldAMI); lt != CauseDrift {
		t.Errorf("an AMI set by hand: launch template %q, want drift", lt)
	}
}
