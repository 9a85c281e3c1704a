package cloudformation

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// fleetGraph is a launch template reading its AMI from an SSM parameter
// and a group with a Refresh.
func fleetGraph(minSize, maxSize string, pct int) *graph.Graph {
	g := &graph.Graph{Project: "p", Environment: "dev", Account: "111111111111", Region: "eu-west-1", Resources: []*graph.Resource{
		{Address: "cluster/c/launch-template", Type: catalog.LaunchTemplate, Properties: map[string]any{
			"LaunchTemplateName": "lt",
			"LaunchTemplateData": map[string]any{"ImageId": "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"},
		}},
		{Address: "cluster/c/auto-scaling-group", Type: catalog.AutoScalingGroup, Properties: map[string]any{
			"MinSize": minSize, "MaxSize": maxSize,
			"LaunchTemplate": map[string]any{
				"LaunchTemplateId": graph.Ref{Address: "cluster/c/launch-template", Attribute: "LaunchTemplateId"},
				"Version":          graph.Ref{Address: "cluster/c/launch-template", Attribute: "LatestVersionNumber"},
			},
		}, Refresh: &graph.InstanceRefresh{MinHealthyPercentage: pct, SkipMatching: true}},
	}}
	g.Sort()
	return g
}

// The AMI's SSM parameter becomes a template parameter of the SSM type that
// CloudFormation resolves at every stack update.
func TestSSMImageParameter(t *testing.T) {
	tmpl, err := Template(fleetGraph("0", "4", 90))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"ClusterCLaunchTemplateImageId": map[string]any{
		"Type":        "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
		"Default":     "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
		"Description": "the SSM parameter that holds the AMI of cluster/c/launch-template",
	}}
	if d := cmp.Diff(want, tmpl["Parameters"]); d != "" {
		t.Errorf("Parameters (-want +got):\n%s", d)
	}
	lt := tmpl["Resources"].(map[string]any)["ClusterCLaunchTemplate"].(map[string]any)["Properties"].(map[string]any)
	if d := cmp.Diff(map[string]any{"Ref": "ClusterCLaunchTemplateImageId"}, lt["LaunchTemplateData"].(map[string]any)["ImageId"]); d != "" {
		t.Errorf("ImageId (-want +got):\n%s", d)
	}
}

// Refresh becomes a rolling update counted in instances: the percentage
// of MinSize stays in service (below MaxSize), the rest of MaxSize may go
// at once (at least one).
func TestRefreshUpdatePolicy(t *testing.T) {
	for _, c := range []struct {
		min, max         string
		pct              int
		inService, batch int
	}{
		{"0", "4", 90, 0, 1},
		{"1", "12", 90, 1, 1},
		{"4", "10", 50, 2, 5},
		{"3", "3", 100, 2, 1},
		{"10", "20", 0, 0, 20},
	} {
		tmpl, err := Template(fleetGraph(c.min, c.max, c.pct))
		if err != nil {
			t.Fatal(err)
		}
		asg := tmpl["Resources"].(map[string]any)["ClusterCAutoScalingGroup"].(map[string]any)
		want := map[string]any{"AutoScalingRollingUpdate": map[string]any{"MinInstancesInService": c.inService, "MaxBatchSize": c.batch}}
		if d := cmp.Diff(want, asg["UpdatePolicy"]); d != "" {
			t.Errorf("min %s max %s at %d%%: UpdatePolicy (-want +got):\n%s", c.min, c.max, c.pct, d)
		}
	}
	// A group without Refresh has no UpdatePolicy.
	g := fleetGraph("0", "4", 90)
	g.Get("cluster/c/auto-scaling-group").Refresh = nil
	tmpl, err := Template(g)
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := tmpl["Resources"].(map[string]any)["ClusterCAutoScalingGroup"].(map[string]any)["UpdatePolicy"]; ok {
		t.Errorf("UpdatePolicy %v without Refresh", up)
	}
}
