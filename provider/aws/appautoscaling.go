package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Application Auto Scaling: scalable targets and their scaling policies.
// Targets take tags; policies do not, and are owned through their target,
// which carries each policy's address in a child tag (see childTag).
// gantry makes scalable targets of ECS services only, so the "ecs"
// namespace is the one read.

const aasNamespace = aastypes.ServiceNamespaceEcs

func init() {
	register(&handler{Type: catalog.ScalableTarget, ARN: arnResource("application-autoscaling", "scalable-target/"),
		List: listScalableTargets, Create: createScalableTarget, Update: updateScalableTarget,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.aas.TagResource(ctx, &aas.TagResourceInput{ResourceARN: aws.String(live.Attributes["Arn"]), Tags: tags})
			return c.err(err)
		},
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			p := live.Properties
			_, err := c.p.w.aas.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{
				ResourceId: aws.String(str(p, "ResourceId")), ScalableDimension: aastypes.ScalableDimension(str(p, "ScalableDimension")),
				ServiceNamespace: aastypes.ServiceNamespace(str(p, "ServiceNamespace"))})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
	register(&handler{Type: catalog.ScalingPolicy,
		// Listed with their scalable targets.
		List:   func(context.Context, *call, []taggedARN) ([]*provider.Observed, error) { return nil, nil },
		Create: putScalingPolicy, Update: func(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
			return putScalingPolicy(ctx, c, req)
		},
		Tag: childRetag(catalog.ScalingPolicy), Delete: deleteScalingPolicy})
}

// targetID is a scalable target's identifier, as CloudFormation's Ref
// returns it.
func targetID(resource, dimension, namespace string) string {
	return resource + "|" + dimension + "|" + namespace
}

// policyTarget returns the target a policy's properties name, by the
// three fields or by ScalingTargetId.
func policyTarget(p map[string]any) (resource, dimension, namespace string) {
	if id := str(p, "ScalingTargetId"); id != "" {
		if parts := strings.Split(id, "|"); len(parts) == 3 {
			return parts[0], parts[1], parts[2]
		}
	}
	return str(p, "ResourceId"), str(p, "ScalableDimension"), str(p, "ServiceNamespace")
}

func listScalableTargets(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	if len(tagged) == 0 {
		return nil, nil
	}
	tags := tagsByARN(tagged)
	targets, err := describeScalableTargets(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	var out, owned []*provider.Observed
	var actions map[string][]any
	for _, t := range targets {
		if tg, ok := tags[aws.ToString(t.ScalableTargetARN)]; ok {
			if actions == nil {
				// One paged read of the namespace's scheduled actions,
				// once there is an owned target to give them to.
				if actions, err = scheduledActions(ctx, c, "", ""); err != nil {
					return nil, err
				}
			}
			o := withScheduledActions(scalableTargetObserved(t, tg), actions)
			owned = append(owned, o)
			out = append(out, o)
		}
	}
	policies, err := listScalingPolicies(ctx, c, owned, tags)
	if err != nil {
		return nil, err
	}
	return append(out, policies...), nil
}

// describeScalableTargets pages the namespace's targets (of resourceIDs
// only, when given, 50 per call).
func describeScalableTargets(ctx context.Context, c *call, resourceIDs []string) ([]aastypes.ScalableTarget, error) {
	var out []aastypes.ScalableTarget
	batches := chunks(resourceIDs, 50)
	if len(resourceIDs) == 0 {
		batches = [][]string{nil}
	}
	for _, ids := range batches {
		pg := aas.NewDescribeScalableTargetsPaginator(c.p.r.aas, &aas.DescribeScalableTargetsInput{ServiceNamespace: aasNamespace, ResourceIds: ids})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, c.err(err)
			}
			out = append(out, page.ScalableTargets...)
		}
	}
	return out, nil
}

func scalableTargetObserved(t aastypes.ScalableTarget, tags map[string]string) *provider.Observed {
	props := keep(fromSDK(t), "ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity",
		"RoleARN", "SuspendedState")
	if t.MinCapacity != nil {
		props["MinCapacity"] = float64(*t.MinCapacity) // 0 is a value
	}
	id := targetID(aws.ToString(t.ResourceId), string(t.ScalableDimension), string(t.ServiceNamespace))
	return observed(catalog.ScalableTarget, id, "", props,
		map[string]string{"Id": id, "Arn": aws.ToString(t.ScalableTargetARN)}, tags)
}

// readScalableTarget reads one target with all its tags (child tags
// included, which observed leaves out of Tags: they are returned apart).
func readScalableTarget(ctx context.Context, c *call, resource, dimension string) (*provider.Observed, map[string]string, error) {
	targets, err := describeScalableTargets(ctx, c, []string{resource})
	if err != nil {
		return nil, nil, err
	}
	for _, t := range targets {
		if string(t.ScalableDimension) != dimension {
			continue
		}
		res, err := c.p.r.aas.ListTagsForResource(ctx, &aas.ListTagsForResourceInput{ResourceARN: t.ScalableTargetARN})
		if err != nil {
			return nil, nil, c.err(err)
		}
		actions, err := scheduledActions(ctx, c, resource, dimension)
		if err != nil {
			return nil, nil, err
		}
		return withScheduledActions(scalableTargetObserved(t, res.Tags), actions), res.Tags, nil
	}
	return nil, nil, nil
}

func createScalableTarget(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	// RegisterScalableTarget of an existing target updates it: look first,
	// so that only the scope's own is adopted.
	ex, _, err := readScalableTarget(ctx, c, str(p, "ResourceId"), str(p, "ScalableDimension"))
	if err != nil {
		return nil, err
	}
	if ex != nil {
		read := func(context.Context) (*provider.Observed, error) { return ex, nil }
		return adopt(ctx, c, c.errorf("application-autoscaling:RegisterScalableTarget", "AlreadyExists",
			"%s is already a scalable target without this environment's gantry tags", ex.ID), read, updateScalableTarget, req)
	}
	return registerScalableTarget(ctx, c, p, nil, req.Tags)
}

// registerScalableTarget registers (creates or updates) the target and
// syncs its scheduled actions with live's (nil for a new target).
func registerScalableTarget(ctx context.Context, c *call, p, live map[string]any, tags map[string]string) (*provider.Observed, error) {
	in := &aas.RegisterScalableTargetInput{Tags: tags}
	if err := toSDK(keep(p, "ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity",
		"RoleARN", "SuspendedState"), in); err != nil {
		return nil, c.errorf("application-autoscaling:RegisterScalableTarget", "ValidationError", "%v", err)
	}
	if _, err := c.p.w.aas.RegisterScalableTarget(ctx, in); err != nil {
		return nil, c.err(err)
	}
	if err := syncScheduledActions(ctx, c, p, live); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, str(p, "ResourceId"), func(ctx context.Context) (*provider.Observed, error) {
		o, _, err := readScalableTarget(ctx, c, str(p, "ResourceId"), str(p, "ScalableDimension"))
		return o, err
	})
}

func updateScalableTarget(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.ScalableTarget, p, live.Properties)
	if differs(want, have, "MinCapacity", "MaxCapacity", "RoleARN", "SuspendedState") {
		// RegisterScalableTarget is the update call; tags are synced apart.
		if _, err := registerScalableTarget(ctx, c, p, live.Properties, nil); err != nil {
			return nil, err
		}
	} else if differs(want, have, "ScheduledActions") {
		if err := syncScheduledActions(ctx, c, p, live.Properties); err != nil {
			return nil, err
		}
	}
	arn := aws.String(live.Attributes["Arn"])
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.aas.TagResource(ctx, &aas.TagResourceInput{ResourceARN: arn, Tags: t})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.aas.UntagResource(ctx, &aas.UntagResourceInput{ResourceARN: arn, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) {
		o, _, err := readScalableTarget(ctx, c, str(live.Properties, "ResourceId"), str(live.Properties, "ScalableDimension"))
		return o, err
	})
}

// --- scaling policies ---

// listScalingPolicies pages the namespace's policies once (the API
// filters by one resource id at a time, which would be a call per
// target) and keeps those whose address their owned target records.
func listScalingPolicies(ctx context.Context, c *call, targets []*provider.Observed, tags map[string]map[string]string) ([]*provider.Observed, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	byTarget := map[string]map[string]string{}
	for _, t := range targets {
		byTarget[t.ID] = tags[t.Attributes["Arn"]]
	}
	var out []*provider.Observed
	pg := aas.NewDescribeScalingPoliciesPaginator(c.p.r.aas, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aasNamespace})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, sp := range page.ScalingPolicies {
			ttags := byTarget[targetID(aws.ToString(sp.ResourceId), string(sp.ScalableDimension), string(sp.ServiceNamespace))]
			if addr := ttags[childTag(catalog.ScalingPolicy, aws.ToString(sp.PolicyName))]; addr != "" {
				out = append(out, scalingPolicyObserved(sp, addr))
			}
		}
	}
	return out, nil
}

func scalingPolicyObserved(sp aastypes.ScalingPolicy, addr string) *provider.Observed {
	props := keep(fromSDK(sp), "PolicyName", "PolicyType", "ResourceId", "ScalableDimension", "ServiceNamespace",
		"TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration", "PredictiveScalingPolicyConfiguration")
	arn := aws.ToString(sp.PolicyARN)
	return observed(catalog.ScalingPolicy, arn, addr, props, map[string]string{"Arn": arn}, nil)
}

func readScalingPolicy(ctx context.Context, c *call, resource, dimension, name, addr string) (*provider.Observed, error) {
	res, err := c.p.r.aas.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aasNamespace,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimension(dimension), PolicyNames: []string{name}})
	if err != nil {
		return nil, c.err(err)
	}
	for _, sp := range res.ScalingPolicies {
		if aws.ToString(sp.PolicyName) == name { // the filter is the API's; checked all the same
			return scalingPolicyObserved(sp, addr), nil
		}
	}
	return nil, nil
}

// putScalingPolicy creates or updates a policy (PutScalingPolicy does
// both) on a target the scope owns, and records its address on the target.
// A policy of the same name that another address owns is refused.
func putScalingPolicy(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	resource, dimension, namespace := policyTarget(p)
	name := str(p, "PolicyName")
	target, ttags, err := readScalableTarget(ctx, c, resource, dimension)
	if err != nil {
		return nil, err
	}
	if target == nil || !ownedBy(ttags, c.scope) {
		return nil, c.errorf("application-autoscaling:PutScalingPolicy", "ObjectNotFoundException",
			"no scalable target %s owned by this environment", targetID(resource, dimension, namespace))
	}
	key := childTag(catalog.ScalingPolicy, name)
	if a := ttags[key]; a != "" && a != req.Address && !strings.HasPrefix(a, req.Address+"#") {
		return nil, c.errorf("application-autoscaling:PutScalingPolicy", "AlreadyExists",
			"policy %s of %s belongs to %s", name, target.ID, a)
	}
	m := keep(p, "PolicyName", "PolicyType", "TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration",
		"PredictiveScalingPolicyConfiguration")
	m["ResourceId"], m["ScalableDimension"], m["ServiceNamespace"] = resource, dimension, namespace
	in := &aas.PutScalingPolicyInput{}
	if err := toSDK(m, in); err != nil {
		return nil, c.errorf("application-autoscaling:PutScalingPolicy", "ValidationError", "%v", err)
	}
	if _, err := c.p.w.aas.PutScalingPolicy(ctx, in); err != nil {
		return nil, c.err(err)
	}
	if ttags[key] != req.Address {
		if _, err := c.p.w.aas.TagResource(ctx, &aas.TagResourceInput{ResourceARN: aws.String(target.Attributes["Arn"]),
			Tags: map[string]string{key: req.Address}}); err != nil {
			return nil, c.err(err)
		}
	}
	return mustRead(ctx, c, name, func(ctx context.Context) (*provider.Observed, error) {
		return readScalingPolicy(ctx, c, resource, dimension, name, req.Address)
	})
}

func deleteScalingPolicy(ctx context.Context, c *call, live *provider.Observed) error {
	resource, dimension, namespace := policyTarget(live.Properties)
	name := str(live.Properties, "PolicyName")
	_, err := c.p.w.aas.DeleteScalingPolicy(ctx, &aas.DeleteScalingPolicyInput{PolicyName: aws.String(name),
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimension(dimension),
		ServiceNamespace: aastypes.ServiceNamespace(namespace)})
	if err != nil && !notFound(err) {
		return c.err(err)
	}
	target, _, err := readScalableTarget(ctx, c, resource, dimension)
	if err != nil || target == nil {
		return err
	}
	_, err = c.p.w.aas.UntagResource(ctx, &aas.UntagResourceInput{ResourceARN: aws.String(target.Attributes["Arn"]),
		TagKeys: []string{childTag(catalog.ScalingPolicy, name)}})
	if notFound(err) {
		return nil
	}
	return c.err(err)
}

// retagChild records a new address for an untaggable resource in its
// parent's child tag.
func retagChild(ctx context.Context, c *call, typ string, live *provider.Observed, addr string) error {
	switch typ {
	case catalog.ScalingPolicy:
		resource, dimension, _ := policyTarget(live.Properties)
		target, _, err := readScalableTarget(ctx, c, resource, dimension)
		if err != nil {
			return err
		}
		if target == nil {
			return &provider.OpError{Address: live.Address, Type: typ, Operation: "application-autoscaling:TagResource",
				Code: "ObjectNotFoundException", Message: "the policy's scalable target is gone", NotFound: true}
		}
		_, err = c.p.w.aas.TagResource(ctx, &aas.TagResourceInput{ResourceARN: aws.String(target.Attributes["Arn"]),
			Tags: map[string]string{childTag(typ, str(live.Properties, "PolicyName")): addr}})
		return c.err(err)
	case catalog.ClusterCapacityProviderAssoc:
		name := clusterName(live.ID)
		cl, err := readCluster(ctx, c, name)
		if err != nil {
			return err
		}
		if cl == nil {
			return &provider.OpError{Address: live.Address, Type: typ, Operation: "ecs:TagResource",
				Code: "ClusterNotFoundException", Message: "cluster " + name + " not found", NotFound: true}
		}
		return ecsTag(ctx, c, cl, map[string]string{childTag(typ, name): addr})
	}
	return nil
}
