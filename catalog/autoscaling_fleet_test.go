package catalog

import "testing"

// A mixed fleet's group as gantry sends it and as DescribeAutoScalingGroups
// reads it back (the Auto Scaling API reference's InstancesDistribution
// defaults filled, the template named by id and name, the version and
// weights as strings) compare equal; another strategy, base or override
// order does not.
func TestMixedInstancesPolicyReadBack(t *testing.T) {
	sent := map[string]any{
		"AutoScalingGroupName": "g", "MinSize": "0", "MaxSize": "6", "VPCZoneIdentifier": []any{"a"},
		"NewInstancesProtectedFromScaleIn": true, "CapacityRebalance": true,
		"MixedInstancesPolicy": map[string]any{
			"LaunchTemplate": map[string]any{
				"LaunchTemplateSpecification": map[string]any{"LaunchTemplateId": "lt-1", "Version": 3},
				"Overrides": []any{
					map[string]any{"InstanceType": "c7g.large", "WeightedCapacity": "1"},
					map[string]any{"InstanceType": "m7g.large", "WeightedCapacity": "2"},
				},
			},
			"InstancesDistribution": map[string]any{
				"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 1,
				"OnDemandPercentageAboveBaseCapacity": 0, "SpotAllocationStrategy": "price-capacity-optimized",
			},
		},
	}
	read := map[string]any{
		"AutoScalingGroupName": "g", "MinSize": 0.0, "MaxSize": 6.0, "DesiredCapacity": 0.0, "VPCZoneIdentifier": []any{"a"},
		"HealthCheckType": "EC2", "HealthCheckGracePeriod": 0.0, "DefaultCooldown": 300.0, "TerminationPolicies": []any{"Default"},
		"NewInstancesProtectedFromScaleIn": true, "CapacityRebalance": true, "DesiredCapacityType": "units",
		"MixedInstancesPolicy": map[string]any{
			"LaunchTemplate": map[string]any{
				"LaunchTemplateSpecification": map[string]any{"LaunchTemplateId": "lt-1", "LaunchTemplateName": "t", "Version": "3"},
				"Overrides": []any{
					map[string]any{"InstanceType": "c7g.large", "WeightedCapacity": "1"},
					map[string]any{"InstanceType": "m7g.large", "WeightedCapacity": "2"},
				},
			},
			"InstancesDistribution": map[string]any{
				"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 1.0,
				"OnDemandPercentageAboveBaseCapacity": 0.0, "SpotAllocationStrategy": "price-capacity-optimized",
				"SpotMaxPrice": "",
			},
		},
	}
	equivalent(t, AutoScalingGroup, sent, read)

	other := Copy(read).(map[string]any)
	other["MixedInstancesPolicy"].(map[string]any)["InstancesDistribution"].(map[string]any)["SpotAllocationStrategy"] = "capacity-optimized"
	different(t, AutoScalingGroup, sent, other)
	other = Copy(read).(map[string]any)
	other["MixedInstancesPolicy"].(map[string]any)["InstancesDistribution"].(map[string]any)["OnDemandBaseCapacity"] = 2.0
	different(t, AutoScalingGroup, sent, other)
	other = Copy(read).(map[string]any)
	ov := other["MixedInstancesPolicy"].(map[string]any)["LaunchTemplate"].(map[string]any)["Overrides"].([]any)
	ov[0], ov[1] = ov[1], ov[0]
	different(t, AutoScalingGroup, sent, other)
}

// An instances distribution left to AWS's defaults reads back filled in:
// all on-demand, lowest-price Spot over 2 pools.
func TestInstancesDistributionDefaults(t *testing.T) {
	sent := map[string]any{"MixedInstancesPolicy": map[string]any{
		"LaunchTemplate": map[string]any{"Overrides": []any{map[string]any{"InstanceType": "c7g.large"}}},
	}}
	read := map[string]any{"MixedInstancesPolicy": map[string]any{
		"LaunchTemplate": map[string]any{"Overrides": []any{map[string]any{"InstanceType": "c7g.large"}}},
		"InstancesDistribution": map[string]any{
			"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 0.0,
			"OnDemandPercentageAboveBaseCapacity": 100.0, "SpotAllocationStrategy": "lowest-price", "SpotInstancePools": 2.0,
		},
	}}
	equivalent(t, AutoScalingGroup, sent, read)
	// SpotInstancePools applies to lowest-price only: whether AWS reads
	// it back with another strategy or not, it is not compared.
	pco := Copy(read).(map[string]any)
	pco["MixedInstancesPolicy"].(map[string]any)["InstancesDistribution"].(map[string]any)["SpotAllocationStrategy"] = "price-capacity-optimized"
	sentPCO := Copy(sent).(map[string]any)
	sentPCO["MixedInstancesPolicy"].(map[string]any)["InstancesDistribution"] = map[string]any{"SpotAllocationStrategy": "price-capacity-optimized"}
	equivalent(t, AutoScalingGroup, sentPCO, pco)
}
