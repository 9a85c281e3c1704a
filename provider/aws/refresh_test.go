package aws

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

const (
	amiX86   = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
	amiArm64 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
)

// The public ECS-optimised AMI parameters resolve with GetParameters; a
// name AWS does not publish fails, NotFound, naming it.
func TestEmulatorResolveAMIParameters(t *testing.T) {
	p, scope := emulatorProvider(t, "resolve")
	ctx := context.Background()
	vals, err := p.Resolve(ctx, scope, []string{amiX86, amiArm64})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{amiX86, amiArm64} {
		if !strings.HasPrefix(vals[n], "ami-") {
			t.Errorf("%s = %q, want an AMI id", n, vals[n])
		}
	}
	_, err = p.Resolve(ctx, scope, []string{amiArm64, "/aws/service/ecs/nothing/here"})
	if !provider.IsNotFound(err) || !strings.Contains(err.Error(), "ssm:GetParameters") || !strings.Contains(err.Error(), "/aws/service/ecs/nothing/here") {
		t.Errorf("unknown parameter: %v", err)
	}
}

// A Graviton group of three types, one on-demand instance and the rest
// Spot (MixedInstancesPolicy, CapacityRebalance), reads back with no
// difference; an instance refresh starts once, a second start while it
// runs returns it, and it is followed to its end.
func TestEmulatorMixedFleetAndInstanceRefresh(t *testing.T) {
	_, scope := emulatorProvider(t, "fleet")
	sent := &[]*autoscaling.StartInstanceRefreshInput{}
	p, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient(), APIOptions: []func(*middleware.Stack) error{recordInputs(sent)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	net := awstest.MakeNetwork(t)
	g, tags := armTemplateGraph(t, p, scope)
	g.Resources = append(g.Resources, &graph.Resource{Address: "cluster/arm/auto-scaling-group", Type: catalog.AutoScalingGroup,
		Tags: tags("cluster/arm/auto-scaling-group"), DependsOn: []string{"cluster/arm/launch-template"},
		Refresh: &graph.InstanceRefresh{MinHealthyPercentage: 90, SkipMatching: true},
		Properties: map[string]any{
			"AutoScalingGroupName": "fleet-staging-arm",
			"MinSize":              "0",
			"MaxSize":              "3",
			"VPCZoneIdentifier":    []any{net.Private(0), net.Private(1)},
			"CapacityRebalance":    true,
			"MixedInstancesPolicy": map[string]any{
				"LaunchTemplate": map[string]any{
					"LaunchTemplateSpecification": map[string]any{
						"LaunchTemplateId": graph.Ref{Address: "cluster/arm/launch-template", Attribute: "LaunchTemplateId"},
						"Version":          graph.Ref{Address: "cluster/arm/launch-template", Attribute: "LatestVersionNumber"},
					},
					"Overrides": []any{
						map[string]any{"InstanceType": "c7g.large"},
						map[string]any{"InstanceType": "m7g.large"},
						map[string]any{"InstanceType": "r7g.large"},
					},
				},
				"InstancesDistribution": map[string]any{
					"OnDemandBaseCapacity":                1,
					"OnDemandPercentageAboveBaseCapacity": 0,
					"SpotAllocationStrategy":              "price-capacity-optimized",
				},
			},
		}})
	g.Sort()
	a, sub := createAll(t, p, scope, g)
	defer deleteAll(t, p, scope, sub, a)
	live, err := p.ListOwned(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	awstest.AssertNoChanges(t, sub, live, scope, nil)
	group := a.Live["cluster/arm/auto-scaling-group"]
	if group == nil {
		t.Fatal("the group was not created")
	}
	if f := group.Fleet; f == nil || f.Instances != 0 || f.Outdated != 0 {
		t.Errorf("fleet of an empty group: %+v", f)
	}

	if r, err := p.Refresh(ctx, scope, group, ""); err != nil || r != nil {
		t.Fatalf("a group without refreshes: %+v, %v", r, err)
	}
	prefs := provider.RefreshPreferences{MinHealthyPercentage: 90, SkipMatching: true, InstanceWarmup: 300,
		ScaleInProtectedInstances: provider.ScaleInProtectedRefresh, StandbyInstances: provider.StandbyIgnore}
	first, err := p.StartRefresh(ctx, scope, group, prefs)
	if err != nil || !first.Started || first.ID == "" || first.Status != provider.RefreshPending {
		t.Fatalf("StartRefresh: %+v, %v", first, err)
	}
	// The emulator reports InProgress at the first describe (here, the
	// one StartRefresh makes on InstanceRefreshInProgress), Successful at
	// the next.
	again, err := p.StartRefresh(ctx, scope, group, prefs)
	if err != nil || again.Started || again.ID != first.ID || again.Status != provider.RefreshInProgress {
		t.Fatalf("a second StartRefresh while one runs: %+v, %v", again, err)
	}
	done, err := p.Refresh(ctx, scope, group, first.ID)
	if err != nil || done.ID != first.ID || !done.Succeeded() || done.Active() {
		t.Fatalf("Refresh: %+v, %v", done, err)
	}
	// The request as sent: the emulator's Auto Scaling model predates
	// ScaleInProtectedInstances and StandbyInstances and drops them from
	// what DescribeInstanceRefreshes echoes, so the SDK's input is read.
	if len(*sent) != 2 {
		t.Fatalf("StartInstanceRefresh calls: %d, want 2", len(*sent))
	}
	for _, in := range *sent {
		if got := in.Preferences; got == nil || got.ScaleInProtectedInstances != asgtypes.ScaleInProtectedInstancesRefresh ||
			got.StandbyInstances != asgtypes.StandbyInstancesIgnore || aws.ToInt32(got.MinHealthyPercentage) != 90 ||
			!aws.ToBool(got.SkipMatching) || aws.ToInt32(got.InstanceWarmup) != 300 {
			t.Errorf("preferences sent: %+v", got)
		}
	}
	if _, err := p.Refresh(ctx, scope, group, "00000000-0000-0000-0000-000000000000"); err == nil {
		t.Error("an unknown refresh id is not an error")
	}
}

// recordInputs records the input of every call whose input is a T, in
// order (safe for concurrent calls).
func recordInputs[T any](into *[]T) func(*middleware.Stack) error {
	var mu sync.Mutex
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordInputs", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if v, ok := in.Parameters.(T); ok {
				mu.Lock()
				*into = append(*into, v)
				mu.Unlock()
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
}

// armTemplateGraph is a graph of the scope with a launch template of the
// recommended arm64 ECS-optimised AMI (cluster/arm/launch-template,
// named PROJECT-staging-arm), and the ownership tags of an address.
func armTemplateGraph(t *testing.T, p *Provider, scope provider.Scope) (*graph.Graph, func(string) map[string]string) {
	t.Helper()
	vals, err := p.Resolve(context.Background(), scope, []string{amiArm64})
	if err != nil {
		t.Fatal(err)
	}
	g := &graph.Graph{Project: scope.Project, Environment: scope.Environment, Account: scope.Account, Region: scope.Region}
	tags := func(addr string) map[string]string {
		return map[string]string{graph.TagProject: scope.Project, graph.TagEnvironment: scope.Environment, graph.TagAddress: addr}
	}
	g.Resources = append(g.Resources, &graph.Resource{Address: "cluster/arm/launch-template", Type: catalog.LaunchTemplate,
		Tags: tags("cluster/arm/launch-template"), Properties: map[string]any{
			"LaunchTemplateName": scope.Project + "-staging-arm",
			"LaunchTemplateData": map[string]any{"ImageId": vals[amiArm64], "InstanceType": "c7g.large"},
		}})
	return g, tags
}
