package aws

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/smithy-go/middleware"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

// The listing reads the newest instance refresh of each owned group that
// has instances, one DescribeInstanceRefreshes call (MaxRecords 1) each,
// so that plans on AWS warn of a refresh under way as on the sandbox; a
// group without instances costs no call.
func TestEmulatorListingReadsRefreshes(t *testing.T) {
	_, scope := emulatorProvider(t, "fleetlist")
	var mu sync.Mutex
	var describes []int32
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countRefreshReads", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if v, ok := in.Parameters.(*autoscaling.DescribeInstanceRefreshesInput); ok {
				mu.Lock()
				describes = append(describes, aws.ToInt32(v.MaxRecords))
				mu.Unlock()
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	p, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient(), APIOptions: []func(*middleware.Stack) error{count}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	net := awstest.MakeNetwork(t)
	vals, err := p.Resolve(ctx, scope, []string{amiArm64})
	if err != nil {
		t.Fatal(err)
	}
	g := &graph.Graph{Project: scope.Project, Environment: scope.Environment, Account: scope.Account, Region: scope.Region}
	tags := func(addr string) map[string]string {
		return map[string]string{graph.TagProject: scope.Project, graph.TagEnvironment: scope.Environment, graph.TagAddress: addr}
	}
	g.Resources = append(g.Resources, &graph.Resource{Address: "cluster/arm/launch-template", Type: catalog.LaunchTemplate,
		Tags: tags("cluster/arm/launch-template"), Properties: map[string]any{
			"LaunchTemplateName": "fleetlist-staging-arm",
			"LaunchTemplateData": map[string]any{"ImageId": vals[amiArm64], "InstanceType": "c7g.large"},
		}})
	for name, size := range map[string]string{"busy": "1", "idle": "0"} {
		addr := "cluster/" + name + "/auto-scaling-group"
		g.Resources = append(g.Resources, &graph.Resource{Address: addr, Type: catalog.AutoScalingGroup,
			Tags: tags(addr), DependsOn: []string{"cluster/arm/launch-template"},
			Properties: map[string]any{
				"AutoScalingGroupName": "fleetlist-staging-" + name,
				"MinSize":              size,
				"MaxSize":              "2",
				"DesiredCapacity":      size,
				"VPCZoneIdentifier":    []any{net.Private(0)},
				"LaunchTemplate": map[string]any{
					"LaunchTemplateId": graph.Ref{Address: "cluster/arm/launch-template", Attribute: "LaunchTemplateId"},
					"Version":          graph.Ref{Address: "cluster/arm/launch-template", Attribute: "LatestVersionNumber"},
				},
			}})
	}
	g.Sort()
	a, sub := createAll(t, p, scope, g)
	defer deleteAll(t, p, scope, sub, a)

	fleets := func() map[string]*provider.Fleet {
		t.Helper()
		mu.Lock()
		describes = nil
		mu.Unlock()
		live, err := p.ListOwned(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*provider.Fleet{}
		for _, o := range live {
			if o.Type == catalog.AutoScalingGroup {
				out[o.Address] = o.Fleet
			}
		}
		return out
	}
	f := fleets()
	busy, idle := f["cluster/busy/auto-scaling-group"], f["cluster/idle/auto-scaling-group"]
	if busy == nil || busy.Instances != 1 || busy.Refresh != nil || idle == nil || idle.Instances != 0 || idle.Refresh != nil {
		t.Fatalf("fleets before a refresh: busy %+v, idle %+v", busy, idle)
	}
	if len(describes) != 1 || describes[0] != 1 {
		t.Errorf("DescribeInstanceRefreshes calls of the listing (MaxRecords each): %v, want [1]", describes)
	}

	ref, err := p.StartRefresh(ctx, scope, a.Live["cluster/busy/auto-scaling-group"], provider.RefreshPreferences{MinHealthyPercentage: 90,
		ScaleInProtectedInstances: provider.ScaleInProtectedRefresh})
	if err != nil {
		t.Fatal(err)
	}
	// The emulator reports a refresh InProgress at its first describe.
	f = fleets()
	if r := f["cluster/busy/auto-scaling-group"].Refresh; r == nil || r.ID != ref.ID || !r.Active() {
		t.Errorf("the listing's refresh: %+v, want %s under way", r, ref.ID)
	}
	if len(describes) != 1 {
		t.Errorf("DescribeInstanceRefreshes calls of the listing: %d, want 1", len(describes))
	}
}
