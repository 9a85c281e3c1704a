package aws

import (
	"context"
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
	var describes []*autoscaling.DescribeInstanceRefreshesInput
	p, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient(), APIOptions: []func(*middleware.Stack) error{recordInputs(&describes)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	net := awstest.MakeNetwork(t)
	g, tags := armTemplateGraph(t, p, scope)
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
		describes = nil
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
	if len(describes) != 1 || aws.ToInt32(describes[0].MaxRecords) != 1 || aws.ToString(describes[0].AutoScalingGroupName) != "fleetlist-staging-busy" {
		t.Errorf("DescribeInstanceRefreshes calls of the listing: %d, want 1, for the busy group, MaxRecords 1", len(describes))
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
