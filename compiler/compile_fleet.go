package compiler

import (
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

// Values of an Auto Scaling group's InstancesDistribution that gantry does
// not let users choose, written out because AWS reads them back.
const (
	// onDemandAllocation is the only on-demand strategy for groups with
	// instance types listed in overrides: the list's order is the priority.
	onDemandAllocation = "prioritized"
	// spotPoolsLowestPrice is AWS's default SpotInstancePools, read back
	// with the lowest-price strategy (the only one it applies to).
	spotPoolsLowestPrice = 2
	// spotStrategyDefault is the schema's default strategy, also written
	// for a fleet without Spot (where it chooses nothing).
	spotStrategyDefault = "price-capacity-optimized"
)

// imageID is the launch template's ImageId: the pinned AMI, or the public
// SSM parameter of the current ECS-optimised AMI for the architecture,
// which EC2 resolves when it launches an instance (and the planner, to
// show a new AMI before it reaches the instances).
func imageID(ec2 *config.EC2, arch string) string {
	if strings.HasPrefix(ec2.AMI, "ami-") {
		return ec2.AMI
	}
	return "resolve:ssm:" + ecsAMIParameter(arch)
}

// instanceRefresh is how apply rolls a changed launch template out to the
// group's running instances: replacing them while minHealthyPercent of the
// capacity stays in service, skipping instances that already match (so a
// refresh resumed after a failure does not start over).
func instanceRefresh(ec2 *config.EC2) *graph.InstanceRefresh {
	return &graph.InstanceRefresh{MinHealthyPercentage: ec2.Refresh.MinHealthyPercent, SkipMatching: true}
}

// mixedInstancesPolicy is the group's MixedInstancesPolicy for a fleet of
// several types, weights or Spot: the launch template with one override
// per type (in the user's order, which is the on-demand priority) and the
// split between on-demand and Spot.
func mixedInstancesPolicy(ec2 *config.EC2, ltAddr string) m {
	var overrides l
	for _, t := range ec2.Types() {
		o := m{"InstanceType": t}
		// AWS takes weights for every override or for none; a type
		// without one counts 1. CloudFormation has WeightedCapacity as
		// a string.
		if len(ec2.Weights) > 0 {
			o["WeightedCapacity"] = strconv.Itoa(ec2.Weight(t))
		}
		overrides = append(overrides, o)
	}
	return m{
		"LaunchTemplate": m{
			"LaunchTemplateSpecification": m{
				"LaunchTemplateId": ref(ltAddr, "LaunchTemplateId"),
				"Version":          ref(ltAddr, "LatestVersionNumber"),
			},
			"Overrides": overrides,
		},
		"InstancesDistribution": instancesDistribution(ec2.Spot),
	}
}

// instancesDistribution is the on-demand/Spot split, complete: every
// field AWS reads back is written. Without Spot everything is on-demand.
func instancesDistribution(sp *config.Spot) m {
	base, pct, strategy := 0, 100, spotStrategyDefault
	if sp != nil {
		base, pct, strategy = sp.OnDemandBase, sp.OnDemandPercentAbove, sp.Strategy
	}
	if strategy == "" { // a configuration built without the loader
		strategy = spotStrategyDefault
	}
	d := m{
		"OnDemandAllocationStrategy":          onDemandAllocation,
		"OnDemandBaseCapacity":                base,
		"OnDemandPercentageAboveBaseCapacity": pct,
		"SpotAllocationStrategy":              strategy,
	}
	if strategy == "lowest-price" {
		d["SpotInstancePools"] = spotPoolsLowestPrice
	}
	return d
}
