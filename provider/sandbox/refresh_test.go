package sandbox

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// createFleet creates a launch template and a group of n instances of
// three Graviton types, one on-demand and the rest Spot, from image.
func createFleet(t *testing.T, s *Sandbox, n int, image string) (lt, group *provider.Observed) {
	t.Helper()
	return createFleetWith(t, s, n, image, nil)
}

// createFleetWith is createFleet with more properties of the group.
func createFleetWith(t *testing.T, s *Sandbox, n int, image string, extra m) (lt, group *provider.Observed) {
	t.Helper()
	tags := func(addr string) map[string]string {
		return map[string]string{graph.TagProject: testScope.Project, graph.TagEnvironment: testScope.Environment, graph.TagAddress: addr}
	}
	lt, err := s.Create(ctx, testScope, provider.Request{Address: "cluster/arm/launch-template", Type: catalog.LaunchTemplate,
		Tags: tags("cluster/arm/launch-template"), Properties: m{
			"LaunchTemplateName": "shop-staging-arm",
			"LaunchTemplateData": m{"ImageId": image, "InstanceType": "c7g.large"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	props := m{
		"AutoScalingGroupName": "shop-staging-arm",
		"MinSize":              "0",
		"MaxSize":              "10",
		"DesiredCapacity":      n,
		"VPCZoneIdentifier":    privateSubnets,
		"MixedInstancesPolicy": m{
			"LaunchTemplate": m{
				"LaunchTemplateSpecification": m{"LaunchTemplateId": lt.ID, "Version": "1"},
				"Overrides":                   l{m{"InstanceType": "c7g.large"}, m{"InstanceType": "m7g.large"}, m{"InstanceType": "r7g.large"}},
			},
			"InstancesDistribution": m{"OnDemandBaseCapacity": 1, "OnDemandPercentageAboveBaseCapacity": 0},
		},
	}
	for k, v := range extra {
		props[k] = v
	}
	group, err = s.Create(ctx, testScope, provider.Request{Address: "cluster/arm/auto-scaling-group", Type: catalog.AutoScalingGroup,
		Tags: tags("cluster/arm/auto-scaling-group"), Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	return lt, group
}

// newVersion gives the launch template a new version with image and
// points the group at it, as apply does.
func newVersion(t *testing.T, s *Sandbox, lt, group *provider.Observed, image string) *provider.Observed {
	t.Helper()
	lt2, err := s.Update(ctx, testScope, lt, provider.Request{Address: lt.Address, Type: lt.Type, Tags: lt.Tags, Properties: m{
		"LaunchTemplateName": "shop-staging-arm",
		"LaunchTemplateData": m{"ImageId": image, "InstanceType": "c7g.large"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	props := catalog.Copy(group.Properties).(map[string]any)
	spec := props["MixedInstancesPolicy"].(map[string]any)["LaunchTemplate"].(map[string]any)["LaunchTemplateSpecification"].(map[string]any)
	spec["Version"] = lt2.Attributes["LatestVersionNumber"]
	g2, err := s.Update(ctx, testScope, group, provider.Request{Address: group.Address, Type: group.Type, Tags: group.Tags, Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	return g2
}

// A group's instances follow its mix and distribution; a new launch
// template version leaves them alone (the listing counts them outdated)
// until a refresh replaces them, Batch at a time as MinHealthyPercentage
// allows, one batch per deployment duration; a second refresh with
// SkipMatching has nothing to replace.
func TestInstanceRefreshReplacesInBatches(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	lt, group := createFleet(t, s, 4, seededAMIs[amiParameters["arm64"]])
	r, err := s.Get(ctx, Filter{Project: testScope.Project, Environment: testScope.Environment}, group.Address)
	if err != nil {
		t.Fatal(err)
	}
	var lifecycles, types []string
	for _, in := range r.Instances {
		lifecycles = append(lifecycles, in.Lifecycle)
		types = append(types, in.InstanceType)
	}
	if got := strings.Join(lifecycles, " "); got != "on-demand spot spot spot" {
		t.Errorf("lifecycles: %s", got)
	}
	if got := strings.Join(types, " "); got != "c7g.large m7g.large r7g.large c7g.large" {
		t.Errorf("types: %s", got)
	}

	_, _, next, err := s.PublishAMI("", "arm64", "")
	if err != nil {
		t.Fatal(err)
	}
	group = newVersion(t, s, lt, group, next)
	if f := group.Fleet; f == nil || f.Instances != 4 || f.Outdated != 4 || f.Refresh != nil {
		t.Fatalf("fleet after the new version: %+v", f)
	}
	ref, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 50, SkipMatching: true})
	if err != nil || !ref.Started || ref.Status != provider.RefreshInProgress || ref.InstancesToUpdate != 4 {
		t.Fatalf("StartRefresh: %+v, %v", ref, err)
	}
	for _, step := range []struct {
		after                 time.Duration
		status                string
		percent, left, onNext int
	}{
		{9 * time.Second, provider.RefreshInProgress, 0, 4, 0},
		{10 * time.Second, provider.RefreshInProgress, 50, 2, 2},
		{20 * time.Second, provider.RefreshSuccessful, 100, 0, 4},
	} {
		clk.t = ref0(t, s, group, ref.ID).Add(step.after)
		got, err := s.Refresh(ctx, testScope, group, ref.ID)
		if err != nil || got.Status != step.status || got.PercentageComplete != step.percent || got.InstancesToUpdate != step.left {
			t.Errorf("after %s: %+v, %v; want %s %d%% %d left", step.after, got, err, step.status, step.percent, step.left)
		}
		r, _ := s.Get(ctx, Filter{Project: testScope.Project, Environment: testScope.Environment}, group.Address)
		onNext := 0
		for _, in := range r.Instances {
			if in.ImageID == next && in.Version == 2 {
				onNext++
			}
		}
		if onNext != step.onNext {
			t.Errorf("after %s: %d instances on the new version, want %d", step.after, onNext, step.onNext)
		}
	}
	again, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 50, SkipMatching: true})
	if err != nil || !again.Started || again.ID == ref.ID || again.Status != provider.RefreshSuccessful || again.InstancesToUpdate != 0 {
		t.Errorf("a refresh with every instance matching: %+v, %v", again, err)
	}
	if _, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 101}); err == nil {
		t.Error("MinHealthyPercentage 101 accepted")
	}
}

// ref0 is when a refresh started.
func ref0(t *testing.T, s *Sandbox, group *provider.Observed, id string) time.Time {
	t.Helper()
	r, err := s.Get(ctx, Filter{Project: testScope.Project, Environment: testScope.Environment}, group.Address)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.InstanceRefreshes {
		if f.ID == id {
			return f.StartTime
		}
	}
	t.Fatalf("no refresh %s", id)
	return time.Time{}
}

// The AMI parameters: seeded, published in sequence, in one region or
// all, resolved ten names a call; an unknown name or architecture, or a
// malformed id, is an error.
func TestPublishAndResolveAMIs(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	arm, x86 := amiParameters["arm64"], amiParameters["x86_64"]
	vals, err := s.Resolve(ctx, testScope, []string{arm, x86})
	if err != nil || vals[arm] != "ami-0a9d0bd3f4a1e6b52" || vals[x86] != "ami-0c5ee33c81cf67a17" {
		t.Fatalf("seeded: %v, %v", vals, err)
	}
	name, before, after, err := s.PublishAMI("", "arm64", "")
	if err != nil || name != arm || before != "ami-0a9d0bd3f4a1e6b52" || after != "ami-008b705c661d4f3c3" {
		t.Fatalf("publish: %s %s %s %v", name, before, after, err)
	}
	if _, _, regional, err := s.PublishAMI("us-west-2", "arm64", "ami-0123456789abcdef0"); err != nil || regional != "ami-0123456789abcdef0" {
		t.Fatalf("regional publish: %s %v", regional, err)
	}
	west := testScope
	west.Region = "us-west-2"
	for scope, want := range map[provider.Scope]string{testScope: "ami-008b705c661d4f3c3", west: "ami-0123456789abcdef0"} {
		if vals, err := s.Resolve(ctx, scope, []string{arm}); err != nil || vals[arm] != want {
			t.Errorf("%s: %v %v, want %s", scope.Region, vals, err, want)
		}
	}
	// Published everywhere again: the regional value goes.
	if _, _, _, err := s.PublishAMI("", "arm64", "ami-0fedcba9876543210"); err != nil {
		t.Fatal(err)
	}
	if vals, _ := s.Resolve(ctx, west, []string{arm}); vals[arm] != "ami-0fedcba9876543210" {
		t.Errorf("us-west-2 after a publish everywhere: %v", vals)
	}
	_, err = s.Resolve(ctx, testScope, []string{arm, "/aws/service/nothing"})
	var op *provider.OpError
	if !errors.As(err, &op) || !op.NotFound || op.Operation != "ssm:GetParameters" || !strings.Contains(op.Message, "/aws/service/nothing") {
		t.Errorf("unknown parameter: %v", err)
	}
	if _, _, _, err := s.PublishAMI("", "sparc", ""); err == nil {
		t.Error("architecture sparc accepted")
	}
	if _, _, _, err := s.PublishAMI("", "arm64", "ami-XYZ"); err == nil {
		t.Error("id ami-XYZ accepted")
	}
	if _, _, _, err := s.PublishAMI("", "arm64", "ami-0fedcba9876543210"); err == nil {
		t.Error("publishing the current id again accepted")
	}
}
