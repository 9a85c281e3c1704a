package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// serviceProps are AWS::ECS::Service's properties that DescribeServices
// returns under the same names (PlacementStrategies, Role and Cluster are
// renamed from the API's PlacementStrategy, RoleArn and ClusterArn).
var serviceProps = []string{"ServiceName", "Cluster", "TaskDefinition", "DesiredCount", "LaunchType",
	"CapacityProviderStrategy", "PlatformVersion", "DeploymentConfiguration", "DeploymentController",
	"NetworkConfiguration", "LoadBalancers", "ServiceRegistries", "HealthCheckGracePeriodSeconds",
	"SchedulingStrategy", "EnableECSManagedTags", "PropagateTags", "EnableExecuteCommand", "PlacementConstraints",
	"PlacementStrategies", "Role", "AvailabilityZoneRebalancing"}

// serviceUpdatable are what UpdateService changes in place.
var serviceUpdatable = []string{"TaskDefinition", "DesiredCount", "CapacityProviderStrategy", "PlatformVersion",
	"DeploymentConfiguration", "DeploymentController", "NetworkConfiguration", "LoadBalancers", "ServiceRegistries",
	"HealthCheckGracePeriodSeconds", "EnableECSManagedTags", "PropagateTags", "EnableExecuteCommand",
	"PlacementConstraints", "PlacementStrategies", "AvailabilityZoneRebalancing", "ServiceConnectConfiguration",
	"VolumeConfigurations"}

func init() {
	register(&handler{Type: catalog.Service, ARN: arnResource("ecs", "service/"), List: listServices,
		Create: createService, Update: updateService, Tag: ecsTag, Delete: deleteService})
}

// serviceCluster returns the cluster name of a service ARN
// (service/CLUSTER/NAME; the old format service/NAME has none).
func serviceCluster(arn string) string {
	parts := strings.Split(lastPart(arn, ":service/"), "/")
	if len(parts) == 2 {
		return parts[0]
	}
	return "default"
}

// listServices describes the tagged services cluster by cluster, 10 per
// call (the API's limit).
func listServices(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	byCluster := map[string][]string{}
	for _, t := range tagged {
		cl := serviceCluster(t.ARN)
		byCluster[cl] = append(byCluster[cl], t.ARN)
	}
	var out []*provider.Observed
	for _, cl := range sortedKeys(byCluster) {
		for _, batch := range chunks(byCluster[cl], 10) {
			svcs, err := describeServices(ctx, c, cl, batch)
			if err != nil {
				return nil, err
			}
			for _, s := range svcs {
				if aws.ToString(s.Status) != provider.ServiceActive {
					continue // draining or gone: no longer a resource to plan
				}
				if c.listing != nil {
					for _, d := range s.Deployments {
						if st := aws.ToString(d.Status); st == "PRIMARY" || st == "ACTIVE" {
							c.listing.run(aws.ToString(d.TaskDefinition), aws.ToString(s.ServiceArn))
						}
					}
				}
				out = append(out, serviceObserved(s))
			}
		}
	}
	return out, nil
}

func describeServices(ctx context.Context, c *call, cluster string, ids []string) ([]ecstypes.Service, error) {
	res, err := c.p.r.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: ids,
		Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	if isCode(err, "ClusterNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	return res.Services, nil
}

func serviceObserved(s ecstypes.Service) *provider.Observed {
	m := fromSDK(s)
	rename(m, "ClusterArn", "Cluster")
	rename(m, "PlacementStrategy", "PlacementStrategies")
	rename(m, "RoleArn", "Role")
	// DesiredCount 0 and the false booleans are values, which fromSDK's
	// pruning drops: put them back.
	m["DesiredCount"] = float64(s.DesiredCount)
	m["EnableECSManagedTags"] = s.EnableECSManagedTags
	m["EnableExecuteCommand"] = s.EnableExecuteCommand
	arn := aws.ToString(s.ServiceArn)
	o := observed(catalog.Service, arn, "", keep(m, serviceProps...),
		map[string]string{"ServiceArn": arn, "Name": aws.ToString(s.ServiceName)}, ecsTagMap(s.Tags))
	// DescribeServices returned the deployments too: the plan's warnings
	// about unsettled ones need no call per service.
	o.Deployment = deploymentHealth(s)
	return o
}

func readService(ctx context.Context, c *call, cluster, service string) (*provider.Observed, string, error) {
	svcs, err := describeServices(ctx, c, cluster, []string{service})
	if err != nil || len(svcs) == 0 {
		return nil, "", err
	}
	return serviceObserved(svcs[0]), aws.ToString(svcs[0].Status), nil
}

// serviceInput converts properties to CreateService's or UpdateService's
// input (the API's PlacementStrategy is CloudFormation's PlacementStrategies).
func serviceInput(p map[string]any, out any, keys ...string) error {
	m := keep(p, keys...)
	rename(m, "PlacementStrategies", "PlacementStrategy")
	return toSDK(m, out)
}

func createService(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	cluster, name := clusterName(str(p, "Cluster")), str(p, "ServiceName")
	// The service name is unique in its cluster: adopt the scope's own.
	ex, status, err := readService(ctx, c, cluster, name)
	if err != nil {
		return nil, err
	}
	if ex != nil && status == provider.ServiceActive {
		read := func(ctx context.Context) (*provider.Observed, error) { return ex, nil }
		return adopt(ctx, c, c.errorf("ecs:CreateService", "InvalidParameterException",
			"service %s exists in cluster %s and does not carry this environment's gantry tags", name, cluster),
			read, updateService, req)
	}
	in := &ecs.CreateServiceInput{Tags: ecsTags(req.Tags)}
	if err := serviceInput(p, in, append(serviceProps, "ServiceConnectConfiguration", "VolumeConfigurations")...); err != nil {
		return nil, c.errorf("ecs:CreateService", "ValidationError", "%v", err)
	}
	res, err := c.p.w.ecs.CreateService(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(res.Service.ServiceArn)
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) {
		o, _, err := readService(ctx, c, cluster, arn)
		return o, err
	})
}

// updateService sends UpdateService with the settings that differ, and
// DesiredCount only when the request has it (a scalable target owns it
// otherwise).
func updateService(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.Service, p, live.Properties)
	var changed []string
	for _, k := range serviceUpdatable {
		if _, ok := p[k]; ok && !equal(want[k], have[k]) {
			changed = append(changed, k)
		}
	}
	var out *provider.Observed
	if len(changed) > 0 {
		in := &ecs.UpdateServiceInput{Cluster: aws.String(serviceCluster(live.ID)), Service: aws.String(live.ID)}
		if err := serviceInput(p, in, changed...); err != nil {
			return nil, c.errorf("ecs:UpdateService", "ValidationError", "%v", err)
		}
		res, err := c.p.w.ecs.UpdateService(ctx, in)
		if err != nil {
			return nil, c.err(err)
		}
		out = serviceObserved(*res.Service)
	}
	if err := ecsSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	o, _, err := readService(ctx, c, serviceCluster(live.ID), live.ID)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return out, nil
	}
	return o, nil
}

// deleteService scales the service to zero, then deletes it with force,
// so ECS drains the remaining tasks itself; the service is DRAINING until
// they stopped, which the applier follows through Health.
func deleteService(ctx context.Context, c *call, live *provider.Observed) error {
	cluster := aws.String(serviceCluster(live.ID))
	// A daemon service has no desired count to set (one task per
	// instance): DeleteService stops its tasks.
	if str(live.Properties, "SchedulingStrategy") != string(ecstypes.SchedulingStrategyDaemon) {
		_, err := c.p.w.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: cluster, Service: aws.String(live.ID), DesiredCount: aws.Int32(0)})
		if notFound(err) || isCode(err, "ServiceNotActiveException") {
			return nil
		}
		if err != nil {
			return c.err(err)
		}
	}
	_, err := c.p.w.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: cluster, Service: aws.String(live.ID), Force: aws.Bool(true)})
	if notFound(err) || isCode(err, "ServiceNotActiveException") {
		return nil
	}
	return c.err(err)
}

// Health implements provider.Provider from DescribeServices (deployments,
// counts, rollbacks) and DescribeTargetHealth of the service's target
// groups; it never waits.
func (p *Provider) Health(ctx context.Context, scope provider.Scope, service *provider.Observed) (*provider.Health, error) {
	c := &call{p: p, scope: scope, address: service.Address, typ: catalog.Service}
	svcs, err := describeServices(ctx, c, serviceCluster(service.ID), []string{service.ID})
	if err != nil {
		return nil, err
	}
	if len(svcs) == 0 || aws.ToString(svcs[0].Status) == provider.ServiceInactive {
		return nil, &provider.OpError{Address: service.Address, Type: catalog.Service, Operation: "ecs:DescribeServices",
			Code: "ServiceNotFoundException", Message: "service " + service.ID + " not found", NotFound: true}
	}
	s := svcs[0]
	h := deploymentHealth(s)
	h.Targets, err = targetCounts(ctx, c, s.LoadBalancers)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func deploymentHealth(s ecstypes.Service) *provider.Health {
	h := &provider.Health{Status: aws.ToString(s.Status), Desired: int(s.DesiredCount), Running: int(s.RunningCount)}
	var primary *ecstypes.Deployment
	for i, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			primary = &s.Deployments[i]
		}
	}
	if primary == nil {
		return h
	}
	h.DeploymentID, h.TaskDefinition = aws.ToString(primary.Id), aws.ToString(primary.TaskDefinition)
	h.RolloutState, h.RolloutStateReason = string(primary.RolloutState), aws.ToString(primary.RolloutStateReason)
	h.Pending = int(primary.PendingCount)
	for _, d := range s.Deployments {
		if aws.ToString(d.Id) == h.DeploymentID {
			continue
		}
		h.OlderRunning += int(d.RunningCount)
		// A circuit-breaker or alarm rollback leaves the failed
		// deployment behind and starts a new PRIMARY of an older task
		// definition.
		if d.RolloutState == ecstypes.DeploymentRolloutStateFailed && aws.ToString(d.TaskDefinition) != h.TaskDefinition &&
			primary.CreatedAt != nil && d.CreatedAt != nil && primary.CreatedAt.After(*d.CreatedAt) {
			h.RolledBack = true
		}
	}
	if strings.Contains(strings.ToLower(h.RolloutStateReason), "rolling back") ||
		strings.Contains(strings.ToLower(h.RolloutStateReason), "rolled back") {
		h.RolledBack = true
	}
	return h
}

// targetCounts counts the targets of the service's target groups by
// state, one DescribeTargetHealth per group.
func targetCounts(ctx context.Context, c *call, lbs []ecstypes.LoadBalancer) (map[string]int, error) {
	var out map[string]int
	seen := map[string]bool{}
	for _, lb := range lbs {
		tg := aws.ToString(lb.TargetGroupArn)
		if tg == "" || seen[tg] {
			continue
		}
		seen[tg] = true
		res, err := c.p.r.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, c.err(err)
		}
		if out == nil {
			out = map[string]int{}
		}
		for _, d := range res.TargetHealthDescriptions {
			if d.TargetHealth != nil {
				out[string(d.TargetHealth.State)]++
			}
		}
	}
	return out, nil
}
