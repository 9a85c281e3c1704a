package sandbox

import (
	"maps"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Properties whose change makes UpdateService start a new deployment
// (ECS API Reference: UpdateService; besides the task definition and
// forceNewDeployment). The reference also counts placement constraints and
// strategies and the two tag options among the parameters after whose
// change ECS starts new tasks; the sandbox starts no deployment for those
// (not modelled).
var deploymentProps = []string{
	"NetworkConfiguration", "LoadBalancers", "CapacityProviderStrategy", "LaunchType",
	"PlatformVersion", "ServiceRegistries", "ServiceConnectConfiguration", "VolumeConfigurations",
}

func init() {
	register(&handler{
		Type:     catalog.Service,
		Taggable: true,
		NameProp: "ServiceName",
		// DescribeServices returns the deployments with the service.
		Deployment: func(c *txc, r *record) *provider.Health {
			h := serviceHealth(r, c.now)
			h.Status = provider.ServiceActive
			return h
		},
		// Up to 255 letters, numbers, underscores and hyphens, unique in
		// the cluster (ECS API Reference: CreateService, serviceName).
		NameMax:  255,
		CreateOp: "ecs:CreateService",
		UpdateOp: "ecs:UpdateService",
		DeleteOp: "ecs:DeleteService",
		// ListServices: up to 100 a page; DescribeServices: up to 10
		// services a call (ECS API Reference).
		Reads: []readCall{
			{Op: "ecs:ListServices", Page: 100},
			{Op: "ecs:DescribeServices", Page: 10},
		},
		CreateOnly: []string{"ServiceName", "Cluster", "SchedulingStrategy", "Role", "DeploymentController"},
		Prepare: func(p map[string]any) {
			asNumber(p, "DesiredCount", "HealthCheckGracePeriodSeconds")
			prepareStrategy(p, "CapacityProviderStrategy")
			objs(p, "LoadBalancers", func(lb map[string]any) { asNumber(lb, "ContainerPort") })
			if dc := obj(p, "DeploymentConfiguration"); dc != nil {
				asNumber(dc, "MaximumPercent", "MinimumHealthyPercent")
			}
		},
		Key: func(c *txc, p map[string]any) (string, error) {
			name := str(p, "ServiceName")
			return serviceCluster(p) + "/" + name, nil
		},
		// A service named like an ACTIVE or DRAINING one of the cluster is
		// an error (ECS API Reference: DeleteService); the code and
		// messages are what CreateService answers (observed).
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			if ex.Status == "DRAINING" {
				return c.errorf("InvalidParameterException", "Unable to Start a service that is still Draining.")
			}
			return c.errorf("InvalidParameterException", "Creation of service was not idempotent.")
		},
		// ECS API Reference: ServiceNotFoundException.
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ServiceNotFoundException", "Service not found.")
		},
		Validate: validateService,
		Create: func(c *txc, r *record) error {
			cluster := serviceCluster(r.Props)
			r.ID = "arn:aws:ecs:" + c.region + ":" + c.account + ":service/" + cluster + "/" + str(r.Props, "ServiceName")
			r.Attrs = map[string]string{"ServiceArn": r.ID, "Name": str(r.Props, "ServiceName")}
			// CreateService without availabilityZoneRebalancing turns it
			// on (ECS API Reference: CreateService,
			// availabilityZoneRebalancing).
			r.Extra = map[string]string{"AvailabilityZoneRebalancing": "ENABLED"}
			if v := str(r.Props, "AvailabilityZoneRebalancing"); v != "" {
				r.Extra["AvailabilityZoneRebalancing"] = v
			}
			td, err := c.taskDefinition(str(r.Props, "TaskDefinition"))
			if err != nil {
				return err
			}
			return c.startDeployment(r, td)
		},
		Update: updateService,
		Read:   readService,
		NameRefs: func(p map[string]any) []string {
			out := []string{"ecs-cluster:" + serviceCluster(p)}
			return append(out, capacityProviderRefs(p)...)
		},
		RefName: func(r *record) string { return "ecs-service:" + r.Key },
		// DeleteService (with force) scales the service to zero: it is
		// DRAINING, still describable and its name taken, until its tasks
		// stop, then INACTIVE (ECS API Reference: DeleteService).
		Delete: func(c *txc, r *record) error {
			next := *r
			next.Status = "DRAINING"
			next.DeletedAt = c.now.Add(c.knobs.DeploymentDuration.D())
			if c.knobs.DeploymentDuration == 0 {
				next.Status = "INACTIVE"
			}
			return c.put(r, &next)
		},
	})
}

// serviceCluster is the name of the cluster a service names by name or
// ARN ("default" when it names none: ECS API Reference: CreateService,
// cluster).
func serviceCluster(p map[string]any) string {
	c := str(p, "Cluster")
	if c == "" {
		return "default"
	}
	return lastSegment(c, "/")
}

// drainingServices counts the deleted services of cluster (by name) that
// are still draining.
func drainingServices(c *txc, cluster string) (int, error) {
	n := 0
	err := c.scan(catalog.Service, func(r *record) error {
		if r.Status == "DRAINING" && !drained(r, c.now) && serviceCluster(r.Props) == cluster {
			n++
		}
		return nil
	})
	return n, err
}

// drained reports whether a deleted service has finished draining.
func drained(r *record, now time.Time) bool {
	return r.Status == "INACTIVE" || (r.Status == "DRAINING" && !now.Before(r.DeletedAt))
}

// validateService checks what CreateService and UpdateService check (ECS
// API Reference: CreateService, UpdateService, LoadBalancer): the cluster
// exists (ClusterNotFoundException); the task definition exists and is
// ACTIVE (ClientException; an INACTIVE one cannot start a service:
// DeregisterTaskDefinition); a launch type and a capacity provider
// strategy are not both given, and the strategy's providers are the
// cluster's; awsvpc needs a network configuration with subnets and
// existing security groups; a target group is associated with a load
// balancer, of target type ip under awsvpc, and names a container port
// of the task. All InvalidParameterException; messages as observed.
func validateService(c *txc, r, old *record) error {
	p := r.Props
	cl, err := c.liveByAlias(catalog.Cluster, serviceCluster(p))
	if err != nil {
		return err
	}
	if cl == nil {
		return c.notFound("ClusterNotFoundException", "Cluster not found.")
	}
	if str(p, "TaskDefinition") == "" {
		return c.errorf("InvalidParameterException", "TaskDefinition can not be blank.")
	}
	td, err := c.taskDefinition(str(p, "TaskDefinition"))
	if err != nil {
		return err
	}
	if td == nil {
		return c.errorf("ClientException", "Unable to describe task definition.")
	}
	if !td.live() {
		return c.errorf("ClientException", "TaskDefinition is inactive")
	}
	if d, ok := num(p, "DesiredCount"); ok && d < 0 {
		return c.errorf("InvalidParameterException", "Desired count must be at least 0.")
	}
	if str(p, "LaunchType") != "" && len(list(p, "CapacityProviderStrategy")) > 0 {
		return c.errorf("InvalidParameterException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	if strategy := list(p, "CapacityProviderStrategy"); len(strategy) > 0 {
		providers, _ := clusterProviders(c, cl)
		have := map[string]bool{}
		for _, cp := range providers {
			have[cp] = true
		}
		for _, e := range strategy {
			if !have[str(e.(map[string]any), "CapacityProvider")] {
				return c.errorf("InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
			}
		}
	}
	aw := obj(obj(p, "NetworkConfiguration"), "AwsvpcConfiguration")
	if str(td.Props, "NetworkMode") == "awsvpc" && aw == nil {
		return c.errorf("InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	if aw != nil {
		if len(list(aw, "Subnets")) == 0 {
			return c.errorf("InvalidParameterException", "subnets can not be empty.")
		}
		for _, sg := range strList(aw, "SecurityGroups") {
			if x, err := c.liveByAlias(catalog.SecurityGroup, sg); err != nil {
				return err
			} else if x == nil {
				return c.errorf("InvalidParameterException", "Error retrieving security group information for [%s]: The security group '%s' does not exist (ErrorCode: InvalidGroup.NotFound)", sg, sg)
			}
		}
	}
	return validateServiceLoadBalancers(c, p, td)
}

// validateServiceLoadBalancers checks a service's target groups: each
// exists, is associated with a load balancer, has target type ip under
// awsvpc, and names a container port of the task (ECS API Reference:
// CreateService, loadBalancers; LoadBalancer).
func validateServiceLoadBalancers(c *txc, p map[string]any, td *record) error {
	for _, e := range list(p, "LoadBalancers") {
		lb, _ := e.(map[string]any)
		arn := str(lb, "TargetGroupArn")
		if arn == "" {
			continue
		}
		tg, err := c.liveByAlias(catalog.TargetGroup, arn)
		if err != nil {
			return err
		}
		if tg == nil {
			return c.errorf("InvalidParameterException", "The target group with targetGroupArn %s does not exist.", arn)
		}
		if targetGroupLoadBalancer(c, tg) == "" {
			return c.errorf("InvalidParameterException", "The target group with targetGroupArn %s does not have an associated load balancer.", arn)
		}
		if str(td.Props, "NetworkMode") == "awsvpc" && str(tg.Props, "TargetType") != "ip" {
			tt := str(tg.Props, "TargetType")
			if tt == "" {
				tt = "instance"
			}
			return c.errorf("InvalidParameterException", "The provided target group %s has target type %s, which is incompatible with the awsvpc network mode specified in the task definition.", arn, tt)
		}
		if !containerHasPort(td, str(lb, "ContainerName"), lb["ContainerPort"]) {
			port, _ := scalarString(lb["ContainerPort"])
			return c.errorf("InvalidParameterException", "The container %s did not have a container port %s defined.", str(lb, "ContainerName"), port)
		}
	}
	return nil
}

func containerHasPort(td *record, name string, port any) bool {
	want, _ := toNumber(port)
	found := false
	objs(td.Props, "ContainerDefinitions", func(ct map[string]any) {
		if str(ct, "Name") != name {
			return
		}
		objs(ct, "PortMappings", func(pm map[string]any) {
			if cp, _ := num(pm, "ContainerPort"); cp == want {
				found = true
			}
		})
	})
	return found
}

// updateService starts a new deployment when the task definition or the
// network, load balancing or capacity of the service changes (or
// ForceNewDeployment is set); a change of desired count alone scales the
// current deployment.
func updateService(c *txc, old, r *record) error {
	c.noteDeregistration(old, r)
	r.Deployments = settle(old, c.now)
	r.Extra = maps.Clone(old.Extra)
	if v := str(r.Props, "AvailabilityZoneRebalancing"); v != "" {
		r.Extra["AvailabilityZoneRebalancing"] = v
	}
	td, err := c.taskDefinition(str(r.Props, "TaskDefinition"))
	if err != nil {
		return err
	}
	redeploy := td.ID != primaryTaskDefinition(old, c.now)
	for _, k := range deploymentProps {
		if !jsonEqual(old.Props[k], r.Props[k]) {
			redeploy = true
		}
	}
	if force, _ := boolean(r.Props, "ForceNewDeployment"); force {
		redeploy = true
	}
	if !redeploy {
		return nil
	}
	return c.startDeployment(r, td)
}

// readService fills CreateService's defaults as DescribeServices reports
// them: the cluster and task definition as ARNs (the task definition the
// service runs now, after any rollback), the deployment configuration in
// full, and the cluster's default capacity provider strategy for a
// service created without a launch type or strategy (ECS API Reference:
// CreateService, capacityProviderStrategy; Service, launchType: omitted
// when a strategy is used).
func readService(c *txc, r *record, p map[string]any) {
	readServiceCapacity(c, r, p)
	readServiceDefaults(r, p)
	readDeploymentConfiguration(c, r, p)
	if aw := obj(obj(p, "NetworkConfiguration"), "AwsvpcConfiguration"); aw != nil {
		// AwsVpcConfiguration, assignPublicIp: default DISABLED.
		setDefault(aw, "AssignPublicIp", "DISABLED")
		c.shuffleKey(r, "NetworkConfiguration", aw, "Subnets")
		c.shuffleKey(r, "NetworkConfiguration", aw, "SecurityGroups")
	}
	if len(list(p, "LoadBalancers")) > 0 {
		// ECS uses its service-linked role for a service behind a load
		// balancer unless a role is given (ECS API Reference:
		// CreateService, role).
		setDefault(p, "Role", "arn:aws:iam::"+c.account+":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
	}
	c.shuffleKey(r, "", p, "LoadBalancers")
	// forceNewDeployment is a request flag, not service state (ECS API
	// Reference: UpdateService; Service has no such field).
	delete(p, "ForceNewDeployment")
}

// readServiceCapacity reports where the service runs: its cluster and
// current task definition as ARNs, its launch type or capacity provider
// strategy (the cluster's default strategy when it named neither), and
// the Fargate platform version.
func readServiceCapacity(c *txc, r *record, p map[string]any) {
	cluster := serviceCluster(p)
	p["Cluster"] = "arn:aws:ecs:" + c.region + ":" + c.account + ":cluster/" + cluster
	if td := primaryTaskDefinition(r, c.now); td != "" {
		p["TaskDefinition"] = td
	}
	if str(p, "LaunchType") == "" && len(list(p, "CapacityProviderStrategy")) == 0 {
		if cl, _ := c.liveByAlias(catalog.Cluster, cluster); cl != nil {
			if _, strategy := clusterProviders(c, cl); len(strategy) > 0 {
				p["CapacityProviderStrategy"] = deepCopy(strategy)
			}
		}
		// Neither, and the cluster has no default strategy: the EC2
		// launch type (observed; CreateService states no default).
		if len(list(p, "CapacityProviderStrategy")) == 0 {
			p["LaunchType"] = "EC2"
		}
	}
	readStrategy(c, r, p, "CapacityProviderStrategy")
	fargate := str(p, "LaunchType") == "FARGATE"
	objs(p, "CapacityProviderStrategy", func(s map[string]any) {
		fargate = fargate || strings.HasPrefix(str(s, "CapacityProvider"), "FARGATE")
	})
	// CreateService, platformVersion: LATEST when not given (Fargate).
	if fargate {
		setDefault(p, "PlatformVersion", "LATEST")
	}
}

// readServiceDefaults fills CreateService's plain defaults.
func readServiceDefaults(r *record, p map[string]any) {
	setDefaults(p, map[string]any{
		// CreateService requires desiredCount for REPLICA; CloudFormation
		// defaults it to 1 for a new service (CloudFormation User Guide:
		// AWS::ECS::Service, DesiredCount).
		"DesiredCount": 1.0,
		// CreateService: schedulingStrategy REPLICA when not given;
		// propagateTags NONE; healthCheckGracePeriodSeconds 0.
		"SchedulingStrategy":            "REPLICA",
		"PropagateTags":                 "NONE",
		"HealthCheckGracePeriodSeconds": 0.0,
		// enableECSManagedTags and enableExecuteCommand: false unless
		// turned on; the empty lists are listed as [] (observed).
		"EnableECSManagedTags": false,
		"EnableExecuteCommand": false,
		"PlacementConstraints": []any{},
		"PlacementStrategies":  []any{},
		"ServiceRegistries":    []any{},
		"LoadBalancers":        []any{},
	})
	// CreateService, availabilityZoneRebalancing: ENABLED on create; an
	// update without it keeps the service's value; a service that never
	// had one is DISABLED.
	p["AvailabilityZoneRebalancing"] = r.Extra["AvailabilityZoneRebalancing"]
	if p["AvailabilityZoneRebalancing"] == "" {
		p["AvailabilityZoneRebalancing"] = "DISABLED"
	}
	// CreateService, deploymentController: ECS when not given.
	setDefault(objDefault(p, "DeploymentController"), "Type", "ECS")
}

// readDeploymentConfiguration fills the deployment configuration in full
// (ECS API Reference: DeploymentConfiguration): maximumPercent 200;
// minimumHealthyPercent 100 for REPLICA, 0 for DAEMON through the API;
// strategy ROLLING, the ECS controller's default; the circuit breaker and
// alarms off unless turned on (DeploymentCircuitBreaker,
// DeploymentAlarms).
func readDeploymentConfiguration(c *txc, r *record, p map[string]any) {
	dc := objDefault(p, "DeploymentConfiguration")
	minHealthy := 100.0
	if p["SchedulingStrategy"] == "DAEMON" {
		minHealthy = 0
	}
	setDefaults(dc, map[string]any{"MaximumPercent": 200.0, "MinimumHealthyPercent": minHealthy, "Strategy": "ROLLING"})
	setDefaults(objDefault(dc, "DeploymentCircuitBreaker"), map[string]any{"Enable": false, "Rollback": false})
	alarms := objDefault(dc, "Alarms")
	setDefaults(alarms, map[string]any{"AlarmNames": []any{}, "Enable": false, "Rollback": false})
	c.shuffleKey(r, "DeploymentConfiguration.Alarms", alarms, "AlarmNames")
}
