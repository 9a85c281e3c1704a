package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Auto Scaling groups. The Tagging API does not list them: they are found
// with DescribeAutoScalingGroups filtered by gantry's tags.

// asgProps are AWS::AutoScaling::AutoScalingGroup's properties that
// DescribeAutoScalingGroups returns under the same names.
var asgProps = []string{"AutoScalingGroupName", "MinSize", "MaxSize", "DesiredCapacity", "LaunchTemplate",
	"MixedInstancesPolicy", "AvailabilityZones", "HealthCheckType", "HealthCheckGracePeriod", "DefaultCooldown",
	"TargetGroupARNs", "TerminationPolicies", "NewInstancesProtectedFromScaleIn", "CapacityRebalance",
	"MaxInstanceLifetime", "DesiredCapacityType", "DefaultInstanceWarmup", "PlacementGroup", "Context"}

// asgUpdatable are what UpdateAutoScalingGroup changes in place.
var asgUpdatable = []string{"MinSize", "MaxSize", "DesiredCapacity", "LaunchTemplate", "MixedInstancesPolicy",
	"AvailabilityZones", "VPCZoneIdentifier", "HealthCheckType", "HealthCheckGracePeriod", "DefaultCooldown",
	"TerminationPolicies", "NewInstancesProtectedFromScaleIn", "CapacityRebalance", "MaxInstanceLifetime",
	"DesiredCapacityType", "DefaultInstanceWarmup", "PlacementGroup", "Context"}

func init() {
	register(&handler{Type: catalog.AutoScalingGroup, List: listAutoScalingGroups, Create: createAutoScalingGroup,
		Update: updateAutoScalingGroup,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.asg.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: asgTags(live.ID, tags)})
			return c.err(err)
		},
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			// ForceDelete terminates the group's instances with it, as a
			// destroy means; without it AWS refuses a group that has any.
			_, err := c.p.w.asg.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
				AutoScalingGroupName: aws.String(live.ID), ForceDelete: aws.Bool(true)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
}

// asgTags: gantry's own tags are not propagated to instances (they are
// not gantry's resources); the others are, as CloudFormation users expect.
func asgTags(name string, m map[string]string) []asgtypes.Tag {
	var out []asgtypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, asgtypes.Tag{Key: aws.String(k), Value: aws.String(m[k]), ResourceId: aws.String(name),
			ResourceType: aws.String("auto-scaling-group"), PropagateAtLaunch: aws.Bool(!strings.HasPrefix(k, "gantry:"))})
	}
	return out
}

func listAutoScalingGroups(ctx context.Context, c *call, _ []taggedARN) ([]*provider.Observed, error) {
	out, err := describeAutoScalingGroups(ctx, c, &autoscaling.DescribeAutoScalingGroupsInput{Filters: []asgtypes.Filter{
		{Name: aws.String("tag:" + graph.TagProject), Values: []string{c.scope.Project}},
		{Name: aws.String("tag:" + graph.TagEnvironment), Values: []string{c.scope.Environment}},
	}})
	if err != nil {
		return nil, err
	}
	for _, o := range out {
		if err := readNewestRefresh(ctx, c, o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readNewestRefresh reads the newest instance refresh of a group gantry
// owns into its Fleet, so that plans warn of a refresh under way or
// failed: one DescribeInstanceRefreshes call with MaxRecords 1 (AWS lists
// the newest first), and none for a group without instances (an EC2
// cluster scaled to zero: nothing to refresh).
func readNewestRefresh(ctx context.Context, c *call, o *provider.Observed) error {
	if o.Fleet == nil || o.Fleet.Instances == 0 {
		return nil
	}
	r, err := c.p.Refresh(ctx, c.scope, o, "")
	if err != nil {
		return err
	}
	o.Fleet.Refresh = r
	return nil
}

func describeAutoScalingGroups(ctx context.Context, c *call, in *autoscaling.DescribeAutoScalingGroupsInput) ([]*provider.Observed, error) {
	var out []*provider.Observed
	pg := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.p.r.asg, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, g := range page.AutoScalingGroups {
			if g.Status != nil && strings.HasPrefix(*g.Status, "Delete") {
				continue // "Delete in progress": gone as far as gantry is concerned
			}
			out = append(out, asgObserved(g))
		}
	}
	return out, nil
}

func asgObserved(g asgtypes.AutoScalingGroup) *provider.Observed {
	props := keep(fromSDK(g), asgProps...)
	for _, k := range []string{"MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown"} {
		// CloudFormation types these as strings.
		if v, ok := props[k]; ok {
			props[k], _ = catalog.Scalar(v)
		}
	}
	if s := aws.ToString(g.VPCZoneIdentifier); s != "" {
		props["VPCZoneIdentifier"] = anyStrings(strings.Split(s, ","))
	}
	if mc := metricsCollection(g.EnabledMetrics); mc != nil {
		props["MetricsCollection"] = mc
	}
	tags := map[string]string{}
	for _, t := range g.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	name := aws.ToString(g.AutoScalingGroupName)
	o := observed(catalog.AutoScalingGroup, name, "", props,
		map[string]string{"AutoScalingGroupName": name, "Arn": aws.ToString(g.AutoScalingGroupARN)}, tags)
	o.Fleet = asgFleet(g)
	return o
}

// asgFleet counts the group's instances and those not launched from its
// launch template and version, from what DescribeAutoScalingGroups
// returns (Instance, LaunchTemplate). A group that names its version as
// $Latest or $Default cannot be compared without reading the template:
// its instances are not counted as outdated. The newest refresh is read
// apart (readNewestRefresh).
// Instances in Standby are not counted outdated: gantry's refreshes
// ignore them (catalog: StandbyInstances Ignore) until they are back in
// service.
func asgFleet(g asgtypes.AutoScalingGroup) *provider.Fleet {
	spec := g.LaunchTemplate
	if spec == nil && g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil {
		spec = g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
	}
	f := &provider.Fleet{Instances: len(g.Instances)}
	if spec == nil || strings.HasPrefix(aws.ToString(spec.Version), "$") {
		return f
	}
	for _, in := range g.Instances {
		if standby(in.LifecycleState) {
			continue
		}
		lt := in.LaunchTemplate
		if lt == nil || aws.ToString(lt.LaunchTemplateId) != aws.ToString(spec.LaunchTemplateId) ||
			aws.ToString(lt.Version) != aws.ToString(spec.Version) {
			f.Outdated++
		}
	}
	return f
}

// standby reports whether an instance is in, entering or leaving
// Standby (EC2 Auto Scaling API Reference: Instance, LifecycleState).
func standby(s asgtypes.LifecycleState) bool {
	return s == asgtypes.LifecycleStateStandby || s == asgtypes.LifecycleStateEnteringStandby
}

func readAutoScalingGroup(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	obs, err := describeAutoScalingGroups(ctx, c, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil || len(obs) == 0 {
		return nil, err
	}
	return obs[0], nil
}

// asgInput converts properties to the SDK's input: sizes are strings in
// CloudFormation, the subnets a list where the API has a comma-separated
// string.
func asgInput(p map[string]any, out any, keys ...string) error {
	m := keep(p, keys...)
	numbersIn(m, "MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown")
	if lt, ok := m["LaunchTemplate"].(map[string]any); ok {
		stringsIn(lt, "Version")
	}
	if _, ok := m["VPCZoneIdentifier"]; ok {
		m["VPCZoneIdentifier"] = strings.Join(stringList(m["VPCZoneIdentifier"]), ",")
	}
	return toSDK(m, out)
}

func createAutoScalingGroup(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "AutoScalingGroupName")
	in := &autoscaling.CreateAutoScalingGroupInput{}
	if err := asgInput(p, in, append(asgProps, "VPCZoneIdentifier", "ServiceLinkedRoleARN")...); err != nil {
		return nil, c.errorf("autoscaling:CreateAutoScalingGroup", "ValidationError", "%v", err)
	}
	in.Tags = asgTags(name, req.Tags)
	_, err := c.p.w.asg.CreateAutoScalingGroup(ctx, in)
	read := func(ctx context.Context) (*provider.Observed, error) { return readAutoScalingGroup(ctx, c, name) }
	if isCode(err, "AlreadyExists") {
		return adopt(ctx, c, err, read, updateAutoScalingGroup, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	if _, ok := p["MetricsCollection"]; ok {
		if err := syncMetricsCollection(ctx, c, name, canonical(catalog.AutoScalingGroup, p), map[string]any{}); err != nil {
			return nil, err
		}
	}
	return mustRead(ctx, c, name, read)
}

// updateAutoScalingGroup sends only the settings that differ: the call is
// a partial update, and DesiredCapacity, which a capacity provider owns,
// is sent only when the request has it.
func updateAutoScalingGroup(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.AutoScalingGroup, p, live.Properties)
	var changed []string
	for _, k := range asgUpdatable {
		if _, ok := p[k]; ok && !equal(want[k], have[k]) {
			changed = append(changed, k)
		}
	}
	if len(changed) > 0 {
		in := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(live.ID)}
		if err := asgInput(p, in, changed...); err != nil {
			return nil, c.errorf("autoscaling:UpdateAutoScalingGroup", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.asg.UpdateAutoScalingGroup(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if err := syncASGTargetGroups(ctx, c, live.ID, want, have); err != nil {
		return nil, err
	}
	if _, ok := p["MetricsCollection"]; ok || have["MetricsCollection"] != nil {
		if err := syncMetricsCollection(ctx, c, live.ID, want, have); err != nil {
			return nil, err
		}
	}
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.asg.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: asgTags(live.ID, t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			tags := map[string]string{}
			for _, k := range keys {
				tags[k] = live.Tags[k]
			}
			_, err := c.p.w.asg.DeleteTags(ctx, &autoscaling.DeleteTagsInput{Tags: asgTags(live.ID, tags)})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readAutoScalingGroup(ctx, c, live.ID) })
}

// syncASGTargetGroups attaches and detaches target groups (not a setting
// UpdateAutoScalingGroup changes).
func syncASGTargetGroups(ctx context.Context, c *call, name string, want, have map[string]any) error {
	w, h := stringList(want["TargetGroupARNs"]), stringList(have["TargetGroupARNs"])
	if add := minus(w, h); len(add) > 0 {
		if _, err := c.p.w.asg.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{
			AutoScalingGroupName: aws.String(name), TargetGroupARNs: add}); err != nil {
			return c.err(err)
		}
	}
	if drop := minus(h, w); len(drop) > 0 {
		if _, err := c.p.w.asg.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{
			AutoScalingGroupName: aws.String(name), TargetGroupARNs: drop}); err != nil {
			return c.err(err)
		}
	}
	return nil
}

// metricsCollection turns the group's enabled metrics into
// CloudFormation's MetricsCollection: one entry per granularity.
func metricsCollection(enabled []asgtypes.EnabledMetric) []any {
	byGranularity := map[string][]any{}
	for _, m := range enabled {
		g := aws.ToString(m.Granularity)
		byGranularity[g] = append(byGranularity[g], aws.ToString(m.Metric))
	}
	var out []any
	for _, g := range sortedKeys(byGranularity) {
		out = append(out, map[string]any{"Granularity": g, "Metrics": byGranularity[g]})
	}
	return out
}

// syncMetricsCollection enables the metrics want has and disables the
// ones have has and want lacks (canonical trees). An entry without
// Metrics means every metric, as EnableMetricsCollection reads it.
func syncMetricsCollection(ctx context.Context, c *call, name string, want, have map[string]any) error {
	metrics := func(p map[string]any) (map[string]bool, string) {
		out, gran := map[string]bool{}, ""
		for _, e := range catalog.List(p, "MetricsCollection") {
			o, _ := e.(map[string]any)
			gran = str(o, "Granularity")
			ms := stringList(o["Metrics"])
			if len(ms) == 0 {
				out["*"] = true
			}
			for _, m := range ms {
				out[m] = true
			}
		}
		return out, gran
	}
	w, gran := metrics(want)
	h, _ := metrics(have)
	if gran == "" {
		gran = "1Minute" // the only granularity the API has
	}
	if !equal(want["MetricsCollection"], have["MetricsCollection"]) && len(w) > 0 {
		in := &autoscaling.EnableMetricsCollectionInput{AutoScalingGroupName: aws.String(name), Granularity: aws.String(gran)}
		if !w["*"] {
			in.Metrics = sortedKeys(w)
		}
		if _, err := c.p.w.asg.EnableMetricsCollection(ctx, in); err != nil {
			return c.err(err)
		}
	}
	var off []string
	for m := range h {
		if !w[m] && !w["*"] && m != "*" {
			off = append(off, m)
		}
	}
	if len(w) == 0 && len(h) > 0 || len(off) > 0 {
		in := &autoscaling.DisableMetricsCollectionInput{AutoScalingGroupName: aws.String(name)}
		if len(w) > 0 {
			in.Metrics = minus(off, nil)
		}
		if _, err := c.p.w.asg.DisableMetricsCollection(ctx, in); err != nil {
			return c.err(err)
		}
	}
	return nil
}
