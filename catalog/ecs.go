package catalog

import (
	"strconv"
	"strings"
)

func init() {
	Register(&Type{
		Name:           Cluster,
		TagAPI:         TagAPILowerKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"ClusterName"}, Tags: TagsList},
		References: []Reference{
			{Path: "CapacityProviders", Type: CapacityProvider},
			{Path: "DefaultCapacityProviderStrategy.CapacityProvider", Type: CapacityProvider},
		},
		Short: "cluster",
		Loses: "the cluster its services run in",
		// DeleteCluster refuses a cluster that still has services
		// (ClusterContainsServicesException, ECS API Reference:
		// DeleteCluster).
		Children:     []string{Service},
		Stage:        StageFoundation,
		Attributes:   []string{"Arn"},
		ForceNew:     []string{"ClusterName"},
		NameProperty: "ClusterName",
		Tagged:       true,
		Ignore:       []string{"Arn"},
		// Once an associations resource manages the cluster's capacity
		// providers, what DescribeClusters reports for them is its state.
		OwnedBy: []Owner{
			{Property: "CapacityProviders", By: ClusterCapacityProviderAssoc},
			{Property: "DefaultCapacityProviderStrategy", By: ClusterCapacityProviderAssoc},
		},
		Normalise: normaliseCluster,
	})
	Register(&Type{
		Name:      ClusterCapacityProviderAssoc,
		Ownership: Ownership{Discovery: DiscoverThroughParent, Parent: Cluster},
		References: []Reference{
			{Path: "Cluster", Type: Cluster},
			{Path: "CapacityProviders", Type: CapacityProvider},
			{Path: "DefaultCapacityProviderStrategy.CapacityProvider", Type: CapacityProvider},
		},
		Short:      "capacity provider associations",
		Stage:      StageFoundation,
		Attributes: nil,
		ForceNew:   []string{"Cluster"},
		Normalise: func(p map[string]any) {
			ARNName(p, "Cluster", "cluster")
			Set(p, "CapacityProviders")
			normaliseStrategy(p, "DefaultCapacityProviderStrategy")
		},
	})
	Register(&Type{
		Name:           CapacityProvider,
		TagAPI:         TagAPILowerKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"Name"}, Tags: TagsList},
		References: []Reference{
			{Path: "AutoScalingGroupProvider.AutoScalingGroupArn", Type: AutoScalingGroup},
		},
		Short:        "capacity provider",
		Stage:        StageFoundation,
		Attributes:   []string{"Name", "Arn"},
		ForceNew:     []string{"Name", "AutoScalingGroupProvider.AutoScalingGroupArn"},
		NameProperty: "Name",
		Tagged:       true,
		Ignore:       []string{"Arn"},
		Normalise:    normaliseCapacityProvider,
	})
	Register(&Type{
		Name:           TaskDefinition,
		TagAPI:         TagAPILowerKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"TaskDefinitionArn"}, Tags: TagsList},
		References: []Reference{
			{Path: "ExecutionRoleArn", Type: IAMRole},
			{Path: "TaskRoleArn", Type: IAMRole},
			{Path: "ContainerDefinitions.LogConfiguration.Options.awslogs-group", Type: LogGroup},
		},
		Short:      "task definition",
		Stage:      StageRouting,
		Attributes: []string{"TaskDefinitionArn"},
		// Every property of a task definition is immutable; a change is a
		// new revision in the same family, never a replacement.
		Revisioned: true,
		Tagged:     true,
		Ignore: []string{"TaskDefinitionArn", "Revision", "Status", "RequiresAttributes",
			"Compatibilities", "RegisteredAt", "RegisteredBy", "DeregisteredAt"},
		MaybeSensitive: []string{"ContainerDefinitions.Environment.Value"},
		Normalise:      normaliseTaskDefinition,
	})
	Register(&Type{
		Name:           Service,
		TagAPI:         TagAPILowerKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"ServiceArn"}, Tags: TagsList},
		Deploys:        "TaskDefinition",
		DrainsOnDelete: true,
		References: []Reference{
			{Path: "Cluster", Type: Cluster},
			{Path: "TaskDefinition", Type: TaskDefinition},
			{Path: "LoadBalancers.TargetGroupArn", Type: TargetGroup},
			{Path: "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", Type: SecurityGroup},
			{Path: "CapacityProviderStrategy.CapacityProvider", Type: CapacityProvider},
			{Path: "Role", Type: IAMRole},
		},
		Short:      "service",
		Loses:      "its running tasks stop",
		Stage:      StageServices,
		Attributes: []string{"ServiceArn", "Name"},
		ForceNew: []string{"ServiceName", "Cluster", "LaunchType", "SchedulingStrategy", "Role",
			"DeploymentController"},
		NameProperty: "ServiceName",
		// Service names are unique per cluster: one moving to another
		// cluster is created there before the old one goes.
		NameScope:   []string{"Cluster"},
		HealthGated: true,
		Tagged:      true,
		Ignore: []string{"ServiceArn", "Name", "Status", "RunningCount", "PendingCount",
			"Deployments", "Events", "CreatedAt", "CreatedBy", "TaskSets"},
		OwnedBy: []Owner{{Property: "DesiredCount", By: ScalableTarget}},
		// Since June 2025 CreateService turns Availability Zone rebalancing
		// on by default, except where the placement strategy cannot honour
		// it (binpack), and services created before keep it off: AWS's
		// choice, not gantry's, unless the configuration sets it.
		Reconcile: func(d, l map[string]any) {
			if _, set := d["AvailabilityZoneRebalancing"]; !set {
				delete(l, "AvailabilityZoneRebalancing")
			}
		},
		Redeploys: []string{"TaskDefinition", "NetworkConfiguration", "CapacityProviderStrategy",
			"PlatformVersion", "LoadBalancers", "ServiceRegistries", "PlacementConstraints",
			"PlacementStrategies", "EnableExecuteCommand", "ServiceConnectConfiguration",
			"VolumeConfigurations"},
		Normalise: normaliseService,
	})
}

func normaliseCluster(p map[string]any) {
	settings := List(p, "ClusterSettings")
	has := false
	for _, e := range settings {
		if o, ok := e.(map[string]any); ok && o["Name"] == "containerInsights" {
			has = true
		}
	}
	if !has {
		// DescribeClusters reports the account default, disabled, when the
		// cluster was created without the setting.
		p["ClusterSettings"] = append(settings, map[string]any{"Name": "containerInsights", "Value": "disabled"})
	}
	SetBy(p, "ClusterSettings", "Name")
	Set(p, "CapacityProviders")
	normaliseStrategy(p, "DefaultCapacityProviderStrategy")
}

// normaliseStrategy: a capacity provider strategy is a set by provider
// name; Base and Weight default to 0.
func normaliseStrategy(p map[string]any, key string) {
	Objs(p, key, func(s map[string]any) {
		Numbers(s, "Base", "Weight")
		Default(s, "Base", 0.0)
		Default(s, "Weight", 0.0)
	})
	SetBy(p, key, "CapacityProvider")
}

// normaliseCapacityProvider fills CreateCapacityProvider's defaults for an
// Auto Scaling group provider.
func normaliseCapacityProvider(p map[string]any) {
	asg := Obj(p, "AutoScalingGroupProvider")
	if asg == nil {
		return
	}
	Default(asg, "ManagedTerminationProtection", "DISABLED")
	Default(asg, "ManagedDraining", "ENABLED")
	if ms := Obj(asg, "ManagedScaling"); ms != nil {
		Numbers(ms, "TargetCapacity", "MinimumScalingStepSize", "MaximumScalingStepSize", "InstanceWarmupPeriod")
		Defaults(ms, map[string]any{
			"Status":                 "DISABLED",
			"TargetCapacity":         100.0,
			"MinimumScalingStepSize": 1.0,
			"MaximumScalingStepSize": 10000.0,
			"InstanceWarmupPeriod":   300.0,
		})
	}
}

// normaliseTaskDefinition fills what RegisterTaskDefinition fills in and
// DescribeTaskDefinition returns: container cpu 0, essential true, host
// ports equal to container ports in awsvpc mode, protocol tcp, health
// check timings; and treats environment, secrets, port mappings and
// compatibilities as sets. Task-level Cpu and Memory are strings in
// CloudFormation ("256"), and "1 vCPU"/"2 GB" forms are converted to units.
func normaliseTaskDefinition(p map[string]any) {
	p["Cpu"] = taskSize(p["Cpu"], "vcpu")
	p["Memory"] = taskSize(p["Memory"], "gb")
	Default(p, "NetworkMode", "bridge")
	Set(p, "RequiresCompatibilities")
	rp := DefaultObj(p, "RuntimePlatform")
	Default(rp, "OperatingSystemFamily", "LINUX")
	Default(rp, "CpuArchitecture", "X86_64")
	Default(p, "EnableFaultInjection", false)
	mode, _ := p["NetworkMode"].(string)
	Objs(p, "ContainerDefinitions", func(c map[string]any) { normaliseContainer(c, mode) })
	SetBy(p, "ContainerDefinitions", "Name")
	Objs(p, "Volumes", func(v map[string]any) { Default(v, "ConfiguredAtLaunch", false) })
	SetBy(p, "Volumes", "Name")
	Set(p, "PlacementConstraints")
	if e := Obj(p, "EphemeralStorage"); e != nil {
		Number(e, "SizeInGiB")
	}
}

func normaliseContainer(c map[string]any, networkMode string) {
	Numbers(c, "Cpu", "Memory", "MemoryReservation", "StartTimeout", "StopTimeout")
	Default(c, "Cpu", 0.0)
	Default(c, "Essential", true)
	Default(c, "VersionConsistency", "enabled")
	Objs(c, "PortMappings", func(pm map[string]any) {
		Numbers(pm, "ContainerPort", "HostPort")
		Default(pm, "Protocol", "tcp")
		if s, ok := pm["Protocol"].(string); ok {
			pm["Protocol"] = strings.ToLower(s)
		}
		if networkMode == "awsvpc" || networkMode == "host" {
			Default(pm, "HostPort", pm["ContainerPort"])
		}
	})
	SetBy(c, "PortMappings", "ContainerPort")
	SetBy(c, "Environment", "Name")
	SetBy(c, "Secrets", "Name")
	Set(c, "EnvironmentFiles")
	Set(c, "MountPoints")
	Set(c, "VolumesFrom")
	SetBy(c, "SystemControls", "Namespace")
	SetBy(c, "Ulimits", "Name")
	Set(c, "Links")
	Set(c, "DnsServers")
	Set(c, "DnsSearchDomains")
	Set(c, "DockerSecurityOptions")
	SetBy(c, "ExtraHosts", "Hostname")
	SetBy(c, "DependsOn", "ContainerName")
	if hc := Obj(c, "HealthCheck"); hc != nil {
		Numbers(hc, "Interval", "Timeout", "Retries", "StartPeriod")
		Defaults(hc, map[string]any{"Interval": 30.0, "Timeout": 5.0, "Retries": 3.0, "StartPeriod": 0.0})
	}
	if lc := Obj(c, "LogConfiguration"); lc != nil {
		if o := Obj(lc, "Options"); o != nil {
			for k, v := range o {
				if s, ok := Scalar(v); ok {
					o[k] = s
				}
			}
		}
		SetBy(lc, "SecretOptions", "Name")
	}
}

// taskSize converts a task-level Cpu or Memory value to the string of
// units CloudFormation and DescribeTaskDefinition use: 256, "256",
// "0.25 vCPU" → "256"; "2 GB" → "2048".
func taskSize(v any, unit string) any {
	switch x := v.(type) {
	case float64:
		return FormatNumber(x)
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		if strings.HasSuffix(s, unit) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, unit)), 64)
			if err == nil {
				return FormatNumber(n * 1024)
			}
		}
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return FormatNumber(n)
		}
	}
	return v
}

// normaliseService fills CreateService's defaults as DescribeServices
// reports them and treats subnets, security groups, load balancers and the
// capacity provider strategy as sets.
func normaliseService(p map[string]any) {
	ARNName(p, "Cluster", "cluster")
	// A task definition is named the same by its ARN and by family:revision.
	ARNName(p, "TaskDefinition", "task-definition")
	Number(p, "DesiredCount")
	Number(p, "HealthCheckGracePeriodSeconds")
	normaliseStrategy(p, "CapacityProviderStrategy")
	Defaults(p, map[string]any{
		"SchedulingStrategy":            "REPLICA",
		"PropagateTags":                 "NONE",
		"EnableECSManagedTags":          false,
		"EnableExecuteCommand":          false,
		"HealthCheckGracePeriodSeconds": 0.0,
	})
	if fargate(p) {
		Default(p, "PlatformVersion", "LATEST")
	}

	Default(DefaultObj(p, "DeploymentController"), "Type", "ECS")
	dc := DefaultObj(p, "DeploymentConfiguration")
	Numbers(dc, "MaximumPercent", "MinimumHealthyPercent", "BakeTimeInMinutes")
	Default(dc, "MaximumPercent", 200.0)
	if p["SchedulingStrategy"] == "DAEMON" {
		Default(dc, "MinimumHealthyPercent", 0.0)
	} else {
		Default(dc, "MinimumHealthyPercent", 100.0)
	}
	Default(dc, "Strategy", "ROLLING")
	cb := DefaultObj(dc, "DeploymentCircuitBreaker")
	Default(cb, "Enable", false)
	Default(cb, "Rollback", false)
	al := DefaultObj(dc, "Alarms")
	Default(al, "Enable", false)
	Default(al, "Rollback", false)
	Set(al, "AlarmNames")
	if nc := Obj(p, "NetworkConfiguration"); nc != nil {
		if aw := Obj(nc, "AwsvpcConfiguration"); aw != nil {
			Default(aw, "AssignPublicIp", "DISABLED")
			Sets(aw, "Subnets", "SecurityGroups")
		}
	}
	Objs(p, "LoadBalancers", func(lb map[string]any) { Number(lb, "ContainerPort") })
	Set(p, "LoadBalancers")
	Set(p, "PlacementConstraints")
	Set(p, "ServiceRegistries")
	// ECS fills in its service-linked role for services behind a load
	// balancer; a role gantry never sets is not a difference.
	if r, ok := p["Role"].(string); ok && strings.Contains(r, "aws-service-role/ecs.amazonaws.com") {
		delete(p, "Role")
	}
}

// fargate reports whether the service runs on Fargate, where ECS reports a
// platform version.
func fargate(p map[string]any) bool {
	if p["LaunchType"] == "FARGATE" {
		return true
	}
	for _, e := range List(p, "CapacityProviderStrategy") {
		if o, ok := e.(map[string]any); ok {
			if s, _ := o["CapacityProvider"].(string); strings.HasPrefix(s, "FARGATE") {
				return true
			}
		}
	}
	return false
}
