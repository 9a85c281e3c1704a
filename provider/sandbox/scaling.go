package sandbox

import (
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func init() {
	register(&handler{
		Type:     catalog.AutoScalingGroup,
		Taggable: true,
		NameProp: "AutoScalingGroupName",
		// 1 to 255 characters (EC2 Auto Scaling API Reference:
		// CreateAutoScalingGroup, AutoScalingGroupName).
		NameMax:  255,
		CreateOp: "autoscaling:CreateAutoScalingGroup",
		UpdateOp: "autoscaling:UpdateAutoScalingGroup",
		DeleteOp: "autoscaling:DeleteAutoScalingGroup",
		// Up to 100 a call (DescribeAutoScalingGroups, MaxRecords).
		Reads:      []readCall{{Op: "autoscaling:DescribeAutoScalingGroups", Page: 100}},
		CreateOnly: []string{"AutoScalingGroupName"},
		Prepare: func(p map[string]any) {
			asString(p, "MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown")
			asNumber(p, "HealthCheckGracePeriod", "MaxInstanceLifetime", "DefaultInstanceWarmup")
			if lt := obj(p, "LaunchTemplate"); lt != nil {
				asString(lt, "Version")
			}
			prepareMixedInstancesPolicy(obj(p, "MixedInstancesPolicy"))
		},
		Key: nameKey("AutoScalingGroupName"),
		// EC2 Auto Scaling API Reference: AlreadyExistsFault (code
		// AlreadyExists); an unknown group is a ValidationError.
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name %s already exists", ex.ID)
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", id)
		},
		Validate: validateAutoScalingGroup,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("asg", r.Key)
			if err != nil {
				return err
			}
			name := str(r.Props, "AutoScalingGroupName")
			r.ID = name
			r.Attrs = map[string]string{
				"AutoScalingGroupName": name,
				"Arn":                  "arn:aws:autoscaling:" + c.region + ":" + c.account + ":autoScalingGroup:" + b.uuid() + ":autoScalingGroupName/" + name,
			}
			return c.launch(r)
		},
		// An update keeps the instances (and refreshes) and launches or
		// terminates instances when the capacity changed; a new launch
		// template reaches running instances only through an instance
		// refresh (StartInstanceRefresh).
		Update: func(c *txc, old, r *record) error { return c.launch(r) },
		Read:   readAutoScalingGroup,
		Fleet:  fleet,
		NameRefs: func(p map[string]any) []string {
			if n := str(obj(p, "LaunchTemplate"), "LaunchTemplateName"); n != "" {
				return []string{"ec2-launch-template:" + n}
			}
			return nil
		},
		RefName: func(r *record) string { return "autoscaling-group:" + r.ID },
	})

	register(&handler{
		Type:     catalog.ScalableTarget,
		Taggable: true,
		// RegisterScalableTarget registers or updates: named parameters
		// change, the others stay (Application Auto Scaling API
		// Reference: RegisterScalableTarget).
		Upsert:   upsertMerge,
		CreateOp: "application-autoscaling:RegisterScalableTarget",
		UpdateOp: "application-autoscaling:RegisterScalableTarget",
		DeleteOp: "application-autoscaling:DeregisterScalableTarget",
		// Up to 50 a page (DescribeScalableTargets, MaxResults).
		Reads:      []readCall{{Op: "application-autoscaling:DescribeScalableTargets", Page: 50}},
		CreateOnly: []string{"ResourceId", "ScalableDimension", "ServiceNamespace"},
		Prepare:    func(p map[string]any) { asNumber(p, "MinCapacity", "MaxCapacity") },
		// A target is the resource, dimension and namespace together
		// (RegisterScalableTarget).
		Key: func(c *txc, p map[string]any) (string, error) {
			for _, k := range []string{"ResourceId", "ScalableDimension", "ServiceNamespace"} {
				if str(p, k) == "" {
					return "", c.errorf("ValidationException", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(k))
				}
			}
			return scalableTargetID(p), nil
		},
		Duplicate: alreadyExists,
		// Application Auto Scaling API Reference: ObjectNotFoundException.
		NotFound: func(c *txc, id string) *provider.OpError {
			parts := strings.Split(id, "|")
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			return c.notFound("ObjectNotFoundException", "No scalable target found for service namespace: %s, resource ID: %s, scalable dimension: %s", parts[2], parts[0], parts[1])
		},
		Validate: validateScalableTarget,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("scalable-target", r.Key)
			if err != nil {
				return err
			}
			r.ID = r.Key
			r.Attrs = map[string]string{"Id": r.Key, "Arn": "arn:aws:application-autoscaling:" + c.region + ":" + c.account + ":scalable-target/0e" + b.hex(32)}
			return clampService(c, r)
		},
		Update: func(c *txc, old, r *record) error { return clampService(c, r) },
		Read: func(c *txc, r *record, p map[string]any) {
			// RegisterScalableTarget, RoleARN: for services with a
			// service-linked role, that role; SuspendedState: every
			// suspension false by default.
			if str(p, "ServiceNamespace") == "ecs" {
				setDefault(p, "RoleARN", "arn:aws:iam::"+c.account+":role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")
			}
			setDefaults(objDefault(p, "SuspendedState"), map[string]any{
				"DynamicScalingInSuspended":  false,
				"DynamicScalingOutSuspended": false,
				"ScheduledScalingSuspended":  false,
			})
			c.shuffleKey(r, "", p, "ScheduledActions")
		},
		NameRefs: func(p map[string]any) []string {
			if str(p, "ServiceNamespace") == "ecs" && strings.HasPrefix(str(p, "ResourceId"), "service/") {
				return []string{"ecs-service:" + strings.TrimPrefix(str(p, "ResourceId"), "service/")}
			}
			return nil
		},
		RefName: func(r *record) string { return "scalable-target:" + r.Key },
		// Deregistering a scalable target deletes its scaling policies
		// (DeregisterScalableTarget).
		Delete: func(c *txc, r *record) error {
			policies, err := c.referrers(r, catalog.ScalingPolicy)
			if err != nil {
				return err
			}
			for _, p := range policies {
				if err := c.remove(p); err != nil {
					return err
				}
			}
			return c.remove(r)
		},
	})

	register(&handler{
		Type:     catalog.ScalingPolicy,
		NameProp: "PolicyName",
		// 1 to 256 characters (PutScalingPolicy, PolicyName).
		NameMax: 256,
		// PutScalingPolicy creates or updates: the request is the whole
		// policy (Application Auto Scaling API Reference:
		// PutScalingPolicy).
		Upsert:   upsertReplace,
		CreateOp: "application-autoscaling:PutScalingPolicy",
		UpdateOp: "application-autoscaling:PutScalingPolicy",
		DeleteOp: "application-autoscaling:DeleteScalingPolicy",
		// Up to 10 a page (DescribeScalingPolicies, MaxResults).
		Reads:      []readCall{{Op: "application-autoscaling:DescribeScalingPolicies", Page: 10}},
		CreateOnly: []string{"PolicyName", "ResourceId", "ScalableDimension", "ServiceNamespace"},
		Prepare: func(p map[string]any) {
			// PutScalingPolicy takes the target's three fields; a
			// CloudFormation ScalingTargetId ("resource|dimension|namespace")
			// says the same.
			if id := str(p, "ScalingTargetId"); id != "" {
				if parts := strings.Split(id, "|"); len(parts) == 3 {
					p["ResourceId"], p["ScalableDimension"], p["ServiceNamespace"] = parts[0], parts[1], parts[2]
					delete(p, "ScalingTargetId")
				}
			}
			if tt := obj(p, "TargetTrackingScalingPolicyConfiguration"); tt != nil {
				asNumber(tt, "TargetValue", "ScaleInCooldown", "ScaleOutCooldown")
			}
		},
		Key: func(c *txc, p map[string]any) (string, error) {
			if str(p, "ResourceId") == "" {
				return "", c.errorf("ValidationException", "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null")
			}
			return str(p, "PolicyName") + "|" + scalableTargetID(p), nil
		},
		Duplicate: alreadyExists,
		// ObjectNotFoundException (DeleteScalingPolicy).
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ObjectNotFoundException", "No scaling policy found for ARN %s", id)
		},
		Validate: validateScalingPolicy,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("scaling-policy", r.Key)
			if err != nil {
				return err
			}
			r.ID = "arn:aws:autoscaling:" + c.region + ":" + c.account + ":scalingPolicy:" + b.uuid() + ":resource/" +
				str(r.Props, "ServiceNamespace") + "/" + str(r.Props, "ResourceId") + ":policyName/" + str(r.Props, "PolicyName")
			r.Attrs = map[string]string{"Arn": r.ID}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			if tt := obj(p, "TargetTrackingScalingPolicyConfiguration"); tt != nil {
				// TargetTrackingScalingPolicyConfiguration,
				// DisableScaleIn: default false.
				setDefault(tt, "DisableScaleIn", false)
				if cm := obj(tt, "CustomizedMetricSpecification"); cm != nil {
					c.shuffleKey(r, "CustomizedMetricSpecification", cm, "Dimensions")
				}
			}
		},
		NameRefs: func(p map[string]any) []string {
			return []string{"scalable-target:" + scalableTargetID(p)}
		},
	})

	register(&handler{
		Type:     catalog.Alarm,
		Taggable: true,
		NameProp: "AlarmName",
		// 1 to 255 characters, unique in the region (CloudWatch API
		// Reference: PutMetricAlarm, AlarmName).
		NameMax: 255,
		// PutMetricAlarm creates or updates: an update overwrites the
		// whole configuration and ignores Tags (CloudWatch API Reference:
		// PutMetricAlarm).
		Upsert:   upsertReplace,
		CreateOp: "cloudwatch:PutMetricAlarm",
		UpdateOp: "cloudwatch:PutMetricAlarm",
		DeleteOp: "cloudwatch:DeleteAlarms",
		// DescribeAlarms: up to 100 a call (MaxRecords); tags through the
		// tagging API (GetResources, ResourcesPerPage 100).
		Reads:      []readCall{{Op: "cloudwatch:DescribeAlarms", Page: 100}, {Op: "tag:GetResources", Page: 100}},
		CreateOnly: []string{"AlarmName"},
		Prepare: func(p map[string]any) {
			asNumber(p, "Threshold", "Period", "EvaluationPeriods", "DatapointsToAlarm")
		},
		Key:       nameKey("AlarmName"),
		Duplicate: alreadyExists,
		// CloudWatch API Reference: ResourceNotFound ("The named resource
		// does not exist"). PutMetricAlarm would recreate a deleted alarm;
		// an Update of one that is gone is NotFound, as for every type, so
		// that no provider recreates what a plan did not.
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ResourceNotFound", "Alarm %s does not exist.", id)
		},
		Validate: validateAlarm,
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "AlarmName")
			r.ID = name
			r.Attrs = map[string]string{"Arn": "arn:aws:cloudwatch:" + c.region + ":" + c.account + ":alarm:" + name}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			setDefaults(p, map[string]any{
				// PutMetricAlarm: ActionsEnabled default TRUE;
				// TreatMissingData default missing; no actions listed
				// as [] (observed). DatapointsToAlarm has no default:
				// DescribeAlarms omits it when not set.
				"ActionsEnabled":          true,
				"TreatMissingData":        "missing",
				"AlarmActions":            []any{},
				"OKActions":               []any{},
				"InsufficientDataActions": []any{},
			})
			for _, k := range []string{"Dimensions", "AlarmActions", "OKActions", "InsufficientDataActions"} {
				c.shuffleKey(r, "", p, k)
			}
		},
		RefName: func(r *record) string { return "cloudwatch-alarm:" + r.ID },
	})
}

// readAutoScalingGroup fills what DescribeAutoScalingGroups reports
// beyond what was written.
func readAutoScalingGroup(c *txc, r *record, p map[string]any) {
	// EC2 Auto Scaling API Reference: CreateAutoScalingGroup.
	// DesiredCapacity: the minimum size when not given.
	setDefault(p, "DesiredCapacity", p["MinSize"])
	setDefaults(p, map[string]any{
		// HealthCheckType: EC2 is the default.
		"HealthCheckType": "EC2",
		// HealthCheckGracePeriod: default 0 seconds.
		"HealthCheckGracePeriod": 0.0,
		// DefaultCooldown: default 300 seconds.
		"DefaultCooldown": "300",
		// TerminationPolicies: Default (observed; valid values
		// listed, no default stated).
		"TerminationPolicies": []any{"Default"},
		// NewInstancesProtectedFromScaleIn, CapacityRebalance:
		// off unless turned on.
		"NewInstancesProtectedFromScaleIn": false,
		"CapacityRebalance":                false,
		// DesiredCapacityType: units by default.
		"DesiredCapacityType": "units",
		// ServiceLinkedRoleARN: AWSServiceRoleForAutoScaling by
		// default.
		"ServiceLinkedRoleARN": "arn:aws:iam::" + c.account + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
	})
	// The group lists the zones of its subnets (AutoScalingGroup,
	// AvailabilityZones).
	if subnets := strList(p, "VPCZoneIdentifier"); len(subnets) > 0 {
		p["AvailabilityZones"] = subnetZones(c.region, subnets)
	}
	// DescribeAutoScalingGroups names the template both ways
	// (LaunchTemplateSpecification: id and name).
	nameTemplate(c, obj(p, "LaunchTemplate"))
	if mip := obj(p, "MixedInstancesPolicy"); mip != nil {
		nameTemplate(c, obj(obj(mip, "LaunchTemplate"), "LaunchTemplateSpecification"))
		readInstancesDistribution(objDefault(mip, "InstancesDistribution"))
	}
	c.shuffleKey(r, "", p, "VPCZoneIdentifier")
	c.shuffleKey(r, "", p, "AvailabilityZones")
	c.shuffleKey(r, "", p, "TargetGroupARNs")
}

// nameTemplate fills both the id and the name of the template a
// LaunchTemplateSpecification names either way.
func nameTemplate(c *txc, lt map[string]any) {
	if lt == nil {
		return
	}
	ref := str(lt, "LaunchTemplateId")
	if ref == "" {
		ref = str(lt, "LaunchTemplateName")
	}
	if t, _ := c.liveByAlias(catalog.LaunchTemplate, ref); t != nil {
		lt["LaunchTemplateId"] = t.ID
		lt["LaunchTemplateName"] = str(t.Props, "LaunchTemplateName")
	}
}

// prepareMixedInstancesPolicy coerces a MixedInstancesPolicy into the
// API's shapes: the template version and override weights are strings,
// the distribution's capacities numbers (EC2 Auto Scaling API Reference:
// LaunchTemplateSpecification, LaunchTemplateOverrides,
// InstancesDistribution).
func prepareMixedInstancesPolicy(mip map[string]any) {
	if mip == nil {
		return
	}
	lt := obj(mip, "LaunchTemplate")
	if spec := obj(lt, "LaunchTemplateSpecification"); spec != nil {
		asString(spec, "Version")
	}
	for _, o := range list(lt, "Overrides") {
		if m := asObj(o); m != nil {
			asString(m, "WeightedCapacity")
		}
	}
	if d := obj(mip, "InstancesDistribution"); d != nil {
		asNumber(d, "OnDemandBaseCapacity", "OnDemandPercentageAboveBaseCapacity", "SpotInstancePools")
	}
}

// readInstancesDistribution fills the defaults DescribeAutoScalingGroups
// reports for an InstancesDistribution (EC2 Auto Scaling API Reference:
// InstancesDistribution): OnDemandAllocationStrategy prioritized (for
// groups without InstanceRequirements), OnDemandBaseCapacity 0,
// OnDemandPercentageAboveBaseCapacity 100, SpotAllocationStrategy
// lowest-price, and SpotInstancePools 2, valid only with lowest-price.
func readInstancesDistribution(d map[string]any) {
	setDefaults(d, map[string]any{
		"OnDemandAllocationStrategy":          "prioritized",
		"OnDemandBaseCapacity":                0.0,
		"OnDemandPercentageAboveBaseCapacity": 100.0,
		"SpotAllocationStrategy":              "lowest-price",
	})
	if str(d, "SpotAllocationStrategy") == "lowest-price" {
		setDefault(d, "SpotInstancePools", 2.0)
	}
}

// subnetZones is a stable guess at the zones of subnets (subnets are not
// modelled): one of three zones of the region per subnet.
func subnetZones(region string, subnets []string) []any {
	var zones []any
	seen := map[string]bool{}
	for _, s := range subnets {
		z := region + string(rune('a'+int(fnvHash(s)%3)))
		if !seen[z] {
			seen[z] = true
			zones = append(zones, z)
		}
	}
	return zones
}

// scalableTargetID is the identifier of a scalable target as
// CloudFormation's Ref returns it: resource|dimension|namespace.
func scalableTargetID(p map[string]any) string {
	return str(p, "ResourceId") + "|" + str(p, "ScalableDimension") + "|" + str(p, "ServiceNamespace")
}

// validateAutoScalingGroup checks what CreateAutoScalingGroup checks (EC2
// Auto Scaling API Reference: CreateAutoScalingGroup), each a
// ValidationError: sizes given, MinSize ≤ DesiredCapacity ≤ MaxSize; a
// launch template, configuration, instance or mixed instances policy; an
// existing template and version; at least one zone or subnet.
func validateAutoScalingGroup(c *txc, r, old *record) error {
	p := r.Props
	minS, ok1 := num(p, "MinSize")
	maxS, ok2 := num(p, "MaxSize")
	if !ok1 || !ok2 {
		return c.errorf("ValidationError", "1 validation error detected: Value null at 'minSize' or 'maxSize' failed to satisfy constraint: Member must not be null")
	}
	if maxS < minS {
		return c.errorf("ValidationError", "Max bound, %s, must be greater than or equal to min bound, %s", formatNumber(maxS), formatNumber(minS))
	}
	if d, ok := num(p, "DesiredCapacity"); ok && (d < minS || d > maxS) {
		return c.errorf("ValidationError", "Desired capacity:%s must be between the specified min size:%s and max size:%s", formatNumber(d), formatNumber(minS), formatNumber(maxS))
	}
	lt := obj(p, "LaunchTemplate")
	if lt == nil && obj(p, "MixedInstancesPolicy") == nil && str(p, "LaunchConfigurationName") == "" && str(p, "InstanceId") == "" {
		return c.errorf("ValidationError", "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	if lt == nil {
		lt = obj(obj(obj(p, "MixedInstancesPolicy"), "LaunchTemplate"), "LaunchTemplateSpecification")
	}
	if lt != nil {
		ref := str(lt, "LaunchTemplateId")
		if ref == "" {
			ref = str(lt, "LaunchTemplateName")
		}
		t, err := c.liveByAlias(catalog.LaunchTemplate, ref)
		if err != nil {
			return err
		}
		if t == nil {
			return c.errorf("ValidationError", "You must use a valid fully-formed launch template. The specified launch template, with template ID %s, does not exist.", ref)
		}
		if v := str(lt, "Version"); v != "" && v != "$Latest" && v != "$Default" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > len(t.Versions) {
				return c.errorf("ValidationError", "You must use a valid fully-formed launch template. The specified launch template version %s does not exist.", v)
			}
		}
	}
	if len(list(p, "VPCZoneIdentifier")) == 0 && len(list(p, "AvailabilityZones")) == 0 {
		return c.errorf("ValidationError", "At least one Availability Zone or VPC Subnet is required.")
	}
	return nil
}

// validateScalableTarget checks what RegisterScalableTarget checks
// (Application Auto Scaling API Reference: RegisterScalableTarget,
// ScalableDimension), each a ValidationException: MinCapacity and
// MaxCapacity for a new target, min ≤ max, ECS's one dimension, and the
// service exists.
func validateScalableTarget(c *txc, r, old *record) error {
	p := r.Props
	minC, ok1 := num(p, "MinCapacity")
	maxC, ok2 := num(p, "MaxCapacity")
	if old == nil && (!ok1 || !ok2) {
		return c.errorf("ValidationException", "MinCapacity and MaxCapacity are required for registering a new scalable target")
	}
	if ok1 && ok2 && minC > maxC {
		return c.errorf("ValidationException", "Minimum capacity cannot be greater than maximum capacity")
	}
	if str(p, "ServiceNamespace") == "ecs" {
		if str(p, "ScalableDimension") != "ecs:service:DesiredCount" {
			return c.errorf("ValidationException", "Unsupported scalable dimension '%s' for service namespace 'ecs'", str(p, "ScalableDimension"))
		}
		if svc, err := serviceByResourceID(c, str(p, "ResourceId")); err != nil {
			return err
		} else if svc == nil {
			return c.errorf("ValidationException", "ECS service doesn't exist: %s", str(p, "ResourceId"))
		}
	}
	return nil
}

// serviceByResourceID resolves "service/cluster/name".
func serviceByResourceID(c *txc, id string) (*record, error) {
	rest, ok := strings.CutPrefix(id, "service/")
	if !ok {
		return nil, nil
	}
	return c.liveByAlias(catalog.Service, rest)
}

// clampService moves an ECS service's desired count into the target's
// range, as Application Auto Scaling does when a target is registered or
// updated (Application Auto Scaling API Reference:
// RegisterScalableTarget).
func clampService(c *txc, r *record) error {
	if str(r.Props, "ServiceNamespace") != "ecs" {
		return nil
	}
	svc, err := serviceByResourceID(c, str(r.Props, "ResourceId"))
	if err != nil || svc == nil {
		return err
	}
	desired, ok := num(svc.Props, "DesiredCount")
	if !ok {
		desired = 1
	}
	next := desired
	if minC, ok := num(r.Props, "MinCapacity"); ok && next < minC {
		next = minC
	}
	if maxC, ok := num(r.Props, "MaxCapacity"); ok && next > maxC {
		next = maxC
	}
	if next == desired {
		return nil
	}
	updated := *svc
	updated.Props = copyMap(svc.Props)
	updated.Props["DesiredCount"] = next
	return c.put(svc, &updated)
}

// validateScalingPolicy checks what PutScalingPolicy checks (Application
// Auto Scaling API Reference: PutScalingPolicy,
// TargetTrackingScalingPolicyConfiguration): a registered scalable target
// (ObjectNotFoundException); a PolicyType when creating; the
// configuration its type needs. ValidationException otherwise.
func validateScalingPolicy(c *txc, r, old *record) error {
	p := r.Props
	if str(p, "PolicyType") == "" {
		if old == nil {
			return c.errorf("ValidationException", "1 validation error detected: Value null at 'policyType' failed to satisfy constraint: Member must not be null")
		}
		// An update without a type keeps the policy's.
		p["PolicyType"] = old.Props["PolicyType"]
	}
	target, err := c.liveByAlias(catalog.ScalableTarget, scalableTargetID(p))
	if err != nil {
		return err
	}
	if target == nil {
		return c.notFound("ObjectNotFoundException", "No scalable target registered for service namespace: %s, resource ID: %s, scalable dimension: %s",
			str(p, "ServiceNamespace"), str(p, "ResourceId"), str(p, "ScalableDimension"))
	}
	switch str(p, "PolicyType") {
	case "TargetTrackingScaling":
		tt := obj(p, "TargetTrackingScalingPolicyConfiguration")
		if tt == nil {
			return c.errorf("ValidationException", "TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling")
		}
		if _, ok := num(tt, "TargetValue"); !ok {
			return c.errorf("ValidationException", "1 validation error detected: Value null at 'targetTrackingScalingPolicyConfiguration.targetValue' failed to satisfy constraint: Member must not be null")
		}
		pm := obj(tt, "PredefinedMetricSpecification")
		if pm == nil && obj(tt, "CustomizedMetricSpecification") == nil {
			return c.errorf("ValidationException", "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified")
		}
		if str(pm, "PredefinedMetricType") == "ALBRequestCountPerTarget" {
			return validateResourceLabel(c, str(pm, "ResourceLabel"))
		}
	case "StepScaling":
		if obj(p, "StepScalingPolicyConfiguration") == nil {
			return c.errorf("ValidationException", "StepScalingPolicyConfiguration is required for a policy of type StepScaling")
		}
	default:
		return c.errorf("ValidationException", "Unsupported policy type %s", str(p, "PolicyType"))
	}
	return nil
}

// validateResourceLabel checks an ALBRequestCountPerTarget label:
// app/<lb>/<id>/targetgroup/<tg>/<id>, naming a load balancer and one of
// its target groups (Application Auto Scaling API Reference:
// PredefinedMetricSpecification, ResourceLabel).
func validateResourceLabel(c *txc, label string) error {
	if label == "" {
		return c.errorf("ValidationException", "ResourceLabel must be specified for ALBRequestCountPerTarget")
	}
	i := strings.Index(label, "/targetgroup/")
	if !strings.HasPrefix(label, "app/") || i < 0 {
		return c.errorf("ValidationException", "Invalid resource label %s: it must be app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>", label)
	}
	lbArn := "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":loadbalancer/" + label[:i]
	tgArn := "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":" + label[i+1:]
	tg, err := c.liveByAlias(catalog.TargetGroup, tgArn)
	if err != nil {
		return err
	}
	if lb, _ := c.liveByAlias(catalog.LoadBalancer, lbArn); lb == nil || tg == nil {
		return c.errorf("ValidationException", "Invalid resource label %s: the load balancer or target group does not exist", label)
	}
	if targetGroupLoadBalancer(c, tg) != lbArn {
		return c.errorf("ValidationException", "Target group %s is not associated with load balancer %s", tgArn, lbArn)
	}
	return nil
}

// validateAlarm checks what PutMetricAlarm checks (CloudWatch API
// Reference: PutMetricAlarm), each a ValidationError: ComparisonOperator
// and EvaluationPeriods (≥ 1) required; DatapointsToAlarm at most
// EvaluationPeriods (the M of an M out of N alarm); without Metrics, a
// MetricName and Namespace, exactly one of Statistic and
// ExtendedStatistic, and a Period of 10, 20, 30 or a multiple of 60; a
// Threshold or ThresholdMetricId.
func validateAlarm(c *txc, r, old *record) error {
	p := r.Props
	if str(p, "ComparisonOperator") == "" {
		return c.errorf("ValidationError", "1 validation error detected: Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null")
	}
	eval, ok := num(p, "EvaluationPeriods")
	if !ok || eval < 1 {
		return c.errorf("ValidationError", "1 validation error detected: Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null")
	}
	if d, ok := num(p, "DatapointsToAlarm"); ok && d > eval {
		return c.errorf("ValidationError", "DatapointsToAlarm must be less than or equal to EvaluationPeriods")
	}
	if len(list(p, "Metrics")) == 0 {
		if str(p, "MetricName") == "" || str(p, "Namespace") == "" {
			return c.errorf("ValidationError", "MetricName and Namespace must be specified when Metrics is not")
		}
		if (str(p, "Statistic") == "") == (str(p, "ExtendedStatistic") == "") {
			return c.errorf("ValidationError", "Exactly one of Statistic and ExtendedStatistic must be specified")
		}
		period, ok := num(p, "Period")
		if !ok || !(period == 10 || period == 20 || period == 30 || (period >= 60 && int(period)%60 == 0)) {
			return c.errorf("ValidationError", "Period must be 10, 20, 30 or a multiple of 60")
		}
	}
	if _, ok := num(p, "Threshold"); !ok && str(p, "ThresholdMetricId") == "" {
		return c.errorf("ValidationError", "Threshold or ThresholdMetricId must be specified")
	}
	return nil
}
