package compiler

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

// compileFixture loads a fixture under testdata/fixtures and compiles its
// one environment.
func compileFixture(t *testing.T, name string) *graph.Graph {
	t.Helper()
	p, diags, err := Load(filepath.Join(fixturesDir, name))
	if err != nil || diags.HasErrors() {
		t.Fatalf("load %s: %v %v", name, err, diags)
	}
	gs, err := CompileProject(p, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 {
		t.Fatalf("%s: %d environments, want 1", name, len(gs))
	}
	return gs[0]
}

// Scale-in never stops a running task, on mixed and Spot fleets as on a
// single type: ECS protects every instance that runs tasks from scale-in
// (managed termination protection, which needs new instances protected
// and managed scaling on), drains an instance before Auto Scaling
// terminates it (managed draining: scale-in, instance refresh, Spot
// rebalancing), and on Spot the agent drains an instance when EC2
// announces its interruption, while capacity rebalancing starts its
// replacement first.
func TestFleetScaleInKeepsTasks(t *testing.T) {
	g := compileFixture(t, "ec2-fleet")
	for _, c := range []struct {
		cluster string
		spot    bool
	}{{"graviton", true}, {"weighted", true}, {"pinned", false}} {
		t.Run(c.cluster, func(t *testing.T) {
			asg := g.Get("cluster/" + c.cluster + "/auto-scaling-group")
			cp := g.Get("cluster/" + c.cluster + "/capacity-provider")
			lt := g.Get("cluster/" + c.cluster + "/launch-template")
			if asg == nil || cp == nil || lt == nil {
				t.Fatal("cluster resources missing")
			}
			if asg.Properties["NewInstancesProtectedFromScaleIn"] != true {
				t.Error("new instances are not protected from scale-in")
			}
			prov := cp.Properties["AutoScalingGroupProvider"].(map[string]any)
			for k, want := range map[string]any{"ManagedTerminationProtection": "ENABLED", "ManagedDraining": "ENABLED"} {
				if prov[k] != want {
					t.Errorf("%s = %v, want %v", k, prov[k], want)
				}
			}
			if s := prov["ManagedScaling"].(map[string]any)["Status"]; s != "ENABLED" {
				t.Errorf("managed scaling %v: managed termination protection needs it", s)
			}
			if got := asg.Properties["CapacityRebalance"] == true; got != c.spot {
				t.Errorf("CapacityRebalance %v, want %v", got, c.spot)
			}
			ud, err := base64.StdEncoding.DecodeString(lt.Properties["LaunchTemplateData"].(map[string]any)["UserData"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(ud), "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"); got != c.spot {
				t.Errorf("Spot draining in user data %v, want %v:\n%s", got, c.spot, ud)
			}
		})
	}
}

// A mix of one type, without weights or Spot, is today's plain group:
// the launch template names the type, the group the template.
func TestFleetOfOneTypeIsPlainGroup(t *testing.T) {
	single := &config.EC2{InstanceType: "c7g.large", InstanceTypes: []string{"c7g.large"}, MaxInstances: 4, TargetUtilization: 100, Refresh: config.Refresh{MinHealthyPercent: 90}}
	listed := &config.EC2{InstanceTypes: []string{"c7g.large"}, MaxInstances: 4, TargetUtilization: 100, Refresh: config.Refresh{MinHealthyPercent: 90}}
	compile := func(e *config.EC2) *graph.Graph {
		env := testEnv()
		env.Clusters[0].Capacity.EC2 = e
		g, err := Compile(env, "shop", CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	a, b := compile(single), compile(listed)
	for _, addr := range []string{"cluster/batch/auto-scaling-group", "cluster/batch/launch-template"} {
		if d := cmp.Diff(a.Get(addr), b.Get(addr)); d != "" {
			t.Errorf("%s differs (-instanceType +instanceTypes):\n%s", addr, d)
		}
	}
	asg := a.Get("cluster/batch/auto-scaling-group")
	if _, ok := asg.Properties["MixedInstancesPolicy"]; ok {
		t.Error("a single type got a MixedInstancesPolicy")
	}
	if _, ok := asg.Properties["LaunchTemplate"]; !ok {
		t.Error("a single type's group does not name its launch template")
	}
	if it := a.Get("cluster/batch/launch-template").Properties["LaunchTemplateData"].(map[string]any)["InstanceType"]; it != "c7g.large" {
		t.Errorf("launch template InstanceType %v", it)
	}
	if diff := cmp.Diff(&graph.InstanceRefresh{MinHealthyPercentage: 90, SkipMatching: true}, asg.Refresh); diff != "" {
		t.Errorf("Refresh (-want +got):\n%s", diff)
	}
}

// A mixed fleet: the template names no type, the group lists them in the
// user's order (the on-demand priority) with weights for all when any is
// given, and the distribution is complete; a pinned AMI is the image.
func TestFleetMixedInstancesPolicy(t *testing.T) {
	env := testEnv()
	env.Clusters[0].Capacity.EC2 = &config.EC2{
		InstanceTypes: []string{"m7g.large", "c7g.large"}, Weights: map[string]int{"m7g.large": 2},
		MaxInstances: 8, TargetUtilization: 100, AMI: "ami-0123456789abcdef0",
		Spot:    &config.Spot{OnDemandBase: 1, OnDemandPercentAbove: 10, Strategy: "capacity-optimized"},
		Refresh: config.Refresh{MinHealthyPercent: 75},
	}
	g, err := Compile(env, "shop", CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := g.Get("cluster/batch/launch-template").Properties["LaunchTemplateData"].(map[string]any)
	if _, ok := data["InstanceType"]; ok {
		t.Error("a mixed fleet's launch template names an instance type")
	}
	if data["ImageId"] != "ami-0123456789abcdef0" {
		t.Errorf("ImageId %v, want the pinned AMI", data["ImageId"])
	}
	asg := g.Get("cluster/batch/auto-scaling-group")
	if _, ok := asg.Properties["LaunchTemplate"]; ok {
		t.Error("a mixed fleet's group names the template outside its MixedInstancesPolicy")
	}
	lt := "cluster/batch/launch-template"
	want := m{
		"LaunchTemplate": m{
			"LaunchTemplateSpecification": m{"LaunchTemplateId": ref(lt, "LaunchTemplateId"), "Version": ref(lt, "LatestVersionNumber")},
			"Overrides": l{
				m{"InstanceType": "m7g.large", "WeightedCapacity": "2"},
				m{"InstanceType": "c7g.large", "WeightedCapacity": "1"},
			},
		},
		"InstancesDistribution": m{
			"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 1,
			"OnDemandPercentageAboveBaseCapacity": 10, "SpotAllocationStrategy": "capacity-optimized",
		},
	}
	if d := cmp.Diff(want, asg.Properties["MixedInstancesPolicy"]); d != "" {
		t.Errorf("MixedInstancesPolicy (-want +got):\n%s", d)
	}
	if asg.Properties["CapacityRebalance"] != true {
		t.Error("Spot without capacity rebalancing")
	}
	if asg.Refresh == nil || asg.Refresh.MinHealthyPercentage != 75 || !asg.Refresh.SkipMatching {
		t.Errorf("Refresh %+v", asg.Refresh)
	}
}

// Without Spot a mix is all on-demand: 100% above a base of 0.
func TestFleetWithoutSpotIsOnDemand(t *testing.T) {
	d := instancesDistribution(nil)
	if d["OnDemandPercentageAboveBaseCapacity"] != 100 || d["OnDemandBaseCapacity"] != 0 {
		t.Errorf("distribution %v", d)
	}
	if _, ok := d["SpotInstancePools"]; ok {
		t.Errorf("SpotInstancePools with %v", d["SpotAllocationStrategy"])
	}
	if lp := instancesDistribution(&config.Spot{Strategy: "lowest-price"}); lp["SpotInstancePools"] != spotPoolsLowestPrice {
		t.Errorf("lowest-price without AWS's default pools: %v", lp)
	}
}

// The schema's defaults for a fleet: the recommended AMI, refresh at 90%,
// and a Spot block with nothing but its presence: no on-demand base, all
// Spot above it, price-capacity-optimized.
func TestFleetDefaults(t *testing.T) {
	p := mustLoadConfig(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: one: capacity: ec2: {instanceType: "m7i.large", maxInstances: 2}
clusters: mix: capacity: ec2: {
	instanceTypes: ["c7g.large", "m7g.large"]
	weights: "m7g.large": 2
	maxInstances: 6
	spot: {}
}
`,
	})
	got := map[string]*config.EC2{}
	for _, cl := range p.Env("live").Clusters {
		got[cl.Name] = cl.Capacity.EC2
	}
	want := map[string]*config.EC2{
		"one": {InstanceType: "m7i.large", InstanceTypes: []string{"m7i.large"}, MaxInstances: 2, TargetUtilization: 100,
			AMI: config.AMIRecommended, Refresh: config.Refresh{MinHealthyPercent: 90}},
		"mix": {InstanceTypes: []string{"c7g.large", "m7g.large"}, Weights: map[string]int{"m7g.large": 2}, MaxInstances: 6, TargetUtilization: 100,
			Spot: &config.Spot{Strategy: "price-capacity-optimized"}, AMI: config.AMIRecommended, Refresh: config.Refresh{MinHealthyPercent: 90}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decoded fleets (-want +got):\n%s", d)
	}
}
