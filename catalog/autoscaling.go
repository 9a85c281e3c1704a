package catalog

import "strings"

func init() {
	Register(&Type{
		Name:           AutoScalingGroup,
		Ownership:      Ownership{Discovery: DiscoverByListing},
		TagAPI:         TagAPIAutoScaling,
		CloudFormation: CloudFormation{Ref: []string{"Arn", "AutoScalingGroupName"}, Tags: TagsPropagate},
		References: []Reference{
			{Path: "LaunchTemplate.LaunchTemplateId", Type: LaunchTemplate},
			{Path: "LaunchTemplate.LaunchTemplateName", Type: LaunchTemplate},
			{Path: "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId", Type: LaunchTemplate},
			{Path: "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName", Type: LaunchTemplate},
		},
		Short:        "Auto Scaling group",
		Stage:        StageFoundation,
		Attributes:   []string{"AutoScalingGroupName", "Arn"},
		ForceNew:     []string{"AutoScalingGroupName", "InstanceId"},
		NameProperty: "AutoScalingGroupName",
		Tagged:       true,
		// ECS tags the groups its capacity providers manage.
		IgnoreTags: []string{"AmazonECSManaged"},
		Ignore:     []string{"Arn", "AutoScalingGroupARN", "ServiceLinkedRoleARN", "LaunchConfigurationName"},
		OwnedBy:    []Owner{{Property: "DesiredCapacity", By: CapacityProvider}},
		Normalise:  normaliseAutoScalingGroup,
		// A new launch template version or instance mix reaches running
		// instances only through an instance refresh.
		//
		// ECS managed termination protection keeps every instance that
		// runs tasks protected from scale-in (the group's
		// NewInstancesProtectedFromScaleIn), so with AWS's default
		// (Wait) a refresh waits an hour for protection that never goes
		// and fails. Refresh replaces protected instances: their
		// termination goes through the capacity provider's lifecycle
		// hook, and managed draining moves their tasks first. Standby
		// instances were set aside by a person (gantry never puts one
		// there): Ignore leaves them as they are, where Terminate would
		// destroy what they are kept for and Wait would fail every
		// refresh an hour later; they are refreshed once back in
		// service.
		Refresh: &Refresh{Properties: []string{"LaunchTemplate", "MixedInstancesPolicy"}, Warmup: asgWarmup,
			ScaleInProtected: "Refresh", Standby: "Ignore"},
	})
	Register(&Type{
		Name:      ScalableTarget,
		Ownership: Ownership{Discovery: DiscoverByListing},
		TagAPI:    TagAPIMap,
		References: []Reference{
			{Path: "RoleARN", Type: IAMRole},
		},
		Short:      "scalable target",
		Stage:      StageScaling,
		Attributes: []string{"Id"},
		ForceNew:   []string{"ResourceId", "ScalableDimension", "ServiceNamespace"},
		Tagged:     true,
		Ignore:     []string{"Id", "Arn", "ScalableTargetARN", "CreationTime"},
		Normalise:  normaliseScalableTarget,
	})
	Register(&Type{
		Name:      ScalingPolicy,
		Ownership: Ownership{Discovery: DiscoverThroughParent, Parent: ScalableTarget},
		References: []Reference{
			{Path: "ScalingTargetId", Type: ScalableTarget},
			// DescribeScalingPolicies returns no ScalingTargetId: the
			// three fields whose join is the target's id name it.
			{Path: "ResourceId", With: []string{"ScalableDimension", "ServiceNamespace"}, Sep: "|", Type: ScalableTarget},
		},
		Short:      "scaling policy",
		Stage:      StageScaling,
		Attributes: []string{"Arn"},
		ForceNew: []string{"PolicyName", "ScalingTargetId", "ResourceId", "ScalableDimension",
			"ServiceNamespace"},
		// Target tracking creates its own CloudWatch alarms: AWS's, not ours.
		Ignore:    []string{"Arn", "PolicyARN", "Alarms", "CreationTime"},
		Normalise: normaliseScalingPolicy,
	})
}

// normaliseAutoScalingGroup: sizes are strings in CloudFormation; the
// subnets are a set and the availability zones follow from them; defaults
// are CreateAutoScalingGroup's.
func normaliseAutoScalingGroup(p map[string]any) {
	StringNumbers(p, "MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown")
	Numbers(p, "HealthCheckGracePeriod", "MaxInstanceLifetime", "DefaultInstanceWarmup")
	Set(p, "VPCZoneIdentifier")
	if len(List(p, "VPCZoneIdentifier")) > 0 {
		delete(p, "AvailabilityZones")
	}
	Set(p, "AvailabilityZones")
	Defaults(p, map[string]any{
		"HealthCheckType":                  "EC2",
		"HealthCheckGracePeriod":           0.0,
		"DefaultCooldown":                  "300",
		"TerminationPolicies":              []any{"Default"},
		"NewInstancesProtectedFromScaleIn": false,
		"CapacityRebalance":                false,
		"DesiredCapacityType":              "units",
	})
	// CreateAutoScalingGroup's reference, DesiredCapacity: "If you do not
	// specify a desired capacity, the default is the minimum size of the
	// group." A group no capacity provider owns reads it back so.
	if _, ok := p["DesiredCapacity"]; !ok {
		if min, ok := p["MinSize"]; ok {
			p["DesiredCapacity"] = min
		}
	}
	normaliseLaunchTemplateSpec(Obj(p, "LaunchTemplate"))
	if mip := Obj(p, "MixedInstancesPolicy"); mip != nil {
		normaliseMixedInstancesPolicy(mip)
	}
	Set(p, "TargetGroupARNs")
	Objs(p, "MetricsCollection", func(m map[string]any) { Set(m, "Metrics") })
}

// normaliseLaunchTemplateSpec: a template's version reads back as a
// string; DescribeAutoScalingGroups returns the template's id and name,
// and either identifies it.
func normaliseLaunchTemplateSpec(lt map[string]any) {
	if lt == nil {
		return
	}
	if s, ok := Scalar(lt["Version"]); ok {
		lt["Version"] = s
	}
	if lt["LaunchTemplateId"] != nil {
		delete(lt, "LaunchTemplateName")
	}
}

// normaliseMixedInstancesPolicy fills what the Auto Scaling API reference
// (InstancesDistribution) documents as defaults: on-demand capacity
// allocated by the overrides' priority ("prioritized", for overrides that
// name instance types), an on-demand base of 0, 100% on-demand above it,
// Spot allocated "lowest-price" over 2 pools (SpotInstancePools applies to
// that strategy only), and no maximum Spot price (the on-demand price).
// Overrides keep their order: it is the on-demand priority. Weights read
// back as strings, as CloudFormation writes them.
func normaliseMixedInstancesPolicy(mip map[string]any) {
	if lt := Obj(mip, "LaunchTemplate"); lt != nil {
		normaliseLaunchTemplateSpec(Obj(lt, "LaunchTemplateSpecification"))
		Objs(lt, "Overrides", func(o map[string]any) {
			StringNumber(o, "WeightedCapacity")
			normaliseLaunchTemplateSpec(Obj(o, "LaunchTemplateSpecification"))
		})
	}
	d := DefaultObj(mip, "InstancesDistribution")
	Numbers(d, "OnDemandBaseCapacity", "OnDemandPercentageAboveBaseCapacity", "SpotInstancePools")
	Defaults(d, map[string]any{
		"OnDemandAllocationStrategy":          "prioritized",
		"OnDemandBaseCapacity":                0.0,
		"OnDemandPercentageAboveBaseCapacity": 100.0,
		"SpotAllocationStrategy":              "lowest-price",
	})
	if d["SpotAllocationStrategy"] == "lowest-price" {
		Default(d, "SpotInstancePools", 2.0)
	} else {
		delete(d, "SpotInstancePools")
	}
	if d["SpotMaxPrice"] == "" {
		delete(d, "SpotMaxPrice")
	}
}

// ecsInstanceWarmup is the instance warmup of ECS capacity providers'
// managed scaling when none is set (ECS API Reference: ManagedScaling,
// instanceWarmupPeriod: default 300 seconds), which gantry's capacity
// providers use: how long a new container instance takes to join its
// cluster.
const ecsInstanceWarmup = 300

// asgWarmup is the instance warmup of a group's refresh: its
// DefaultInstanceWarmup, else the ECS capacity provider's.
func asgWarmup(p map[string]any) int {
	if v, ok := p["DefaultInstanceWarmup"].(float64); ok && v > 0 {
		return int(v)
	}
	if v, ok := p["DefaultInstanceWarmup"].(int); ok && v > 0 {
		return v
	}
	return ecsInstanceWarmup
}

func normaliseScalableTarget(p map[string]any) {
	Numbers(p, "MinCapacity", "MaxCapacity")
	// Application Auto Scaling uses its service-linked role when none is given.
	if r, ok := p["RoleARN"].(string); ok && strings.Contains(r, ":role/aws-service-role/") {
		delete(p, "RoleARN")
	}
	ss := DefaultObj(p, "SuspendedState")
	Defaults(ss, map[string]any{
		"DynamicScalingInSuspended":  false,
		"DynamicScalingOutSuspended": false,
		"ScheduledScalingSuspended":  false,
	})
	SetBy(p, "ScheduledActions", "ScheduledActionName")
}

// normaliseScalingPolicy: a policy names its target either by the scalable
// target's id ("resource|dimension|namespace", what CloudFormation's Ref
// of a ScalableTarget returns) or by the three fields DescribeScalingPolicies
// returns; the three fields are canonical.
func normaliseScalingPolicy(p map[string]any) {
	if id, ok := p["ScalingTargetId"].(string); ok {
		if parts := strings.Split(id, "|"); len(parts) == 3 {
			p["ResourceId"], p["ScalableDimension"], p["ServiceNamespace"] = parts[0], parts[1], parts[2]
			delete(p, "ScalingTargetId")
		}
	}
	if tt := Obj(p, "TargetTrackingScalingPolicyConfiguration"); tt != nil {
		Numbers(tt, "TargetValue", "ScaleInCooldown", "ScaleOutCooldown")
		// Application Auto Scaling's cooldown default for ECS services.
		Defaults(tt, map[string]any{"DisableScaleIn": false, "ScaleInCooldown": 300.0, "ScaleOutCooldown": 300.0})
		if cm := Obj(tt, "CustomizedMetricSpecification"); cm != nil {
			SetBy(cm, "Dimensions", "Name")
		}
	}
	if st := Obj(p, "StepScalingPolicyConfiguration"); st != nil {
		Numbers(st, "Cooldown", "MinAdjustmentMagnitude")
		Objs(st, "StepAdjustments", func(a map[string]any) {
			Numbers(a, "MetricIntervalLowerBound", "MetricIntervalUpperBound", "ScalingAdjustment")
		})
		Set(st, "StepAdjustments")
	}
}
