package planner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

const amiParam = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"

// fleet is a launch template naming the AMI parameter and a group on it,
// with refresh when asked, and their live counterparts on ami.
func fleet(refresh bool, liveAMI string) (*graph.Graph, []*provider.Observed) {
	lt := res("cluster/c/launch-template", catalog.LaunchTemplate, map[string]any{
		"LaunchTemplateName": "shop-prod-c",
		"LaunchTemplateData": map[string]any{"ImageId": catalog.ParameterPrefix + amiParam, "InstanceType": "c7g.large"},
	})
	asg := res("cluster/c/auto-scaling-group", catalog.AutoScalingGroup, map[string]any{
		"AutoScalingGroupName": "shop-prod-c", "MinSize": "0", "MaxSize": "3",
		"VPCZoneIdentifier": []any{"subnet-1"},
		"LaunchTemplate": map[string]any{
			"LaunchTemplateId": graph.Ref{Address: "cluster/c/launch-template", Attribute: "LaunchTemplateId"},
			"Version":          graph.Ref{Address: "cluster/c/launch-template", Attribute: "LatestVersionNumber"},
		},
	}, "cluster/c/launch-template")
	if refresh {
		asg.Refresh = &graph.InstanceRefresh{MinHealthyPercentage: 90, SkipMatching: true}
	}
	live := []*provider.Observed{
		obs("cluster/c/launch-template", catalog.LaunchTemplate, "lt-1", map[string]any{
			"LaunchTemplateName": "shop-prod-c",
			"LaunchTemplateData": map[string]any{"ImageId": liveAMI, "InstanceType": "c7g.large"},
		}, map[string]string{"LaunchTemplateId": "lt-1", "LatestVersionNumber": "1"}),
		obs("cluster/c/auto-scaling-group", catalog.AutoScalingGroup, "shop-prod-c", map[string]any{
			"AutoScalingGroupName": "shop-prod-c", "MinSize": "0", "MaxSize": "3",
			"VPCZoneIdentifier": []any{"subnet-1"},
			"LaunchTemplate":    map[string]any{"LaunchTemplateId": "lt-1", "LaunchTemplateName": "shop-prod-c", "Version": "1"},
		}, map[string]string{"AutoScalingGroupName": "shop-prod-c"}),
	}
	g := &graph.Graph{Project: "shop", Environment: "prod", Resources: []*graph.Resource{lt, asg}}
	g.Sort()
	return g, live
}

func diffWith(t *testing.T, g *graph.Graph, live []*provider.Observed, params map[string]string) *Plan {
	t.Helper()
	p, err := Diff(g, live, testScope, Options{Parameters: params, Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The plan compares the AMI the parameter names now: the same one is no
// change; a newly published one is the image's change and the group's
// refresh, which a group without Refresh does not get.
func TestPlanResolvesTheAMIParameter(t *testing.T) {
	g, live := fleet(true, "ami-0a9d0bd3f4a1e6b52")
	if got := Parameters(g); len(got) != 1 || got[0] != amiParam {
		t.Fatalf("Parameters = %v", got)
	}
	same := diffWith(t, g, live, map[string]string{amiParam: "ami-0a9d0bd3f4a1e6b52"})
	if same.HasChanges() {
		t.Fatalf("the same AMI plans changes: %+v", same.Changes)
	}
	moved := map[string]string{amiParam: "ami-008b705c661d4f3c3"}
	p := diffWith(t, g, live, moved)
	lt := changeOf(t, p, "cluster/c/launch-template")
	if lt.Action != Update || len(lt.Diffs) != 1 || lt.Diffs[0].Path != "LaunchTemplateData.ImageId" ||
		lt.Diffs[0].Before != "ami-0a9d0bd3f4a1e6b52" || lt.Diffs[0].After != "ami-008b705c661d4f3c3" {
		t.Errorf("launch template: %+v", lt)
	}
	// The template shows what its change does; the group is refreshed.
	if lt.Impact != ImpactRefresh || lt.Refreshes() {
		t.Errorf("launch template impact %q, refreshes %v", lt.Impact, lt.Refreshes())
	}
	asg := changeOf(t, p, "cluster/c/auto-scaling-group")
	if asg.Impact != ImpactRefresh || !asg.Refreshes() || asg.Diffs[0].Path != "LaunchTemplate.Version" || asg.Diffs[0].After != KnownAfterApply {
		t.Errorf("group: %+v", asg)
	}
	if p.Parameters[amiParam] != "ami-008b705c661d4f3c3" {
		t.Errorf("the plan records %v", p.Parameters)
	}
	if r, _ := p.ResolvedProperties(p.Desired.Get("cluster/c/launch-template")); r["LaunchTemplateData"].(map[string]any)["ImageId"] != "ami-008b705c661d4f3c3" {
		t.Errorf("apply would send %v", r)
	}
	if stale := p.StaleParameters(map[string]string{amiParam: "ami-0123456789abcdef0"}); len(stale) != 1 || !strings.Contains(stale[0], "the plan resolved it to ami-008b705c661d4f3c3, it is now ami-0123456789abcdef0") {
		t.Errorf("stale: %v", stale)
	}
	if stale := p.StaleParameters(moved); len(stale) != 0 {
		t.Errorf("unmoved parameter stale: %v", stale)
	}

	g2, live2 := fleet(false, "ami-0a9d0bd3f4a1e6b52")
	p2 := diffWith(t, g2, live2, moved)
	if c := changeOf(t, p2, "cluster/c/auto-scaling-group"); c.Impact != ImpactInPlace || c.Refreshes() {
		t.Errorf("a group without Refresh: %+v", c)
	}
	if c := changeOf(t, p2, "cluster/c/launch-template"); c.Impact != ImpactInPlace {
		t.Errorf("the template of a group without Refresh: %+v", c)
	}
}

type resolver struct {
	fakeProvider
	vals map[string]string
	err  error
}

func (r *resolver) Resolve(_ context.Context, _ provider.Scope, names []string) (map[string]string, error) {
	return r.vals, r.err
}

// Make resolves through the provider; a resolution that fails fails the
// plan naming the parameters.
func TestMakeResolvesThroughTheProvider(t *testing.T) {
	g, live := fleet(true, "ami-0a9d0bd3f4a1e6b52")
	compile := func(map[string]int) (*graph.Graph, error) { return g, nil }
	p, err := Make(context.Background(), &resolver{fakeProvider: fakeProvider{live: live}, vals: map[string]string{amiParam: "ami-008b705c661d4f3c3"}},
		testScope, compile, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := changeOf(t, p, "cluster/c/auto-scaling-group"); !c.Refreshes() {
		t.Errorf("group: %+v", c)
	}
	_, err = Make(context.Background(), &resolver{fakeProvider: fakeProvider{live: live},
		err: &provider.OpError{Operation: "ssm:GetParameters", Code: "AccessDeniedException"}}, testScope, compile, Options{})
	if err == nil || !strings.Contains(err.Error(), "resolve the SSM parameters the configuration names ("+amiParam+")") ||
		!strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("failed resolution: %v", err)
	}
}

// Plans warn of a refresh under way and of instances left behind; not of
// a group the plan refreshes anyway.
func TestRefreshWarnings(t *testing.T) {
	g, live := fleet(true, "ami-0a9d0bd3f4a1e6b52")
	params := map[string]string{amiParam: "ami-0a9d0bd3f4a1e6b52"}
	group := live[1]
	group.Fleet = &provider.Fleet{Instances: 3, Refresh: &provider.Refresh{ID: "r-1", Status: provider.RefreshInProgress, PercentageComplete: 33}}
	ws := refreshWarnings(diffWith(t, g, live, params))
	if len(ws) != 1 || ws[0].Message != "instance refresh r-1 is still in progress (InProgress, 33% done): apply waits for it" {
		t.Errorf("in progress: %+v", ws)
	}
	group.Fleet = &provider.Fleet{Instances: 3, Outdated: 2, Refresh: &provider.Refresh{ID: "r-1", Status: provider.RefreshFailed, StatusReason: "no capacity"}}
	ws = refreshWarnings(diffWith(t, g, live, params))
	if len(ws) != 1 || ws[0].Address != "cluster/c/auto-scaling-group" ||
		ws[0].Message != "2 of its 3 instances do not run its launch template version (instance refresh r-1 ended Failed: no capacity); apply starts an instance refresh" {
		t.Errorf("outdated: %+v", ws)
	}
	if ws := refreshWarnings(diffWith(t, g, live, map[string]string{amiParam: "ami-008b705c661d4f3c3"})); len(ws) != 0 {
		t.Errorf("a group the plan refreshes: %+v", ws)
	}
	group.Fleet = &provider.Fleet{Instances: 3}
	if ws := refreshWarnings(diffWith(t, g, live, params)); len(ws) != 0 {
		t.Errorf("a settled group: %+v", ws)
	}
}
