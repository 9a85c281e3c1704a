package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

// Fixed choices for every service; docs/compile.md explains each.
const (
	logStreamPrefix        = "ecs"
	minGracePeriodSeconds  = 60
	scaleOutCooldown       = 60
	scaleInCooldown        = 300
	alarmPeriodSeconds     = 60
	defaultTGInterval      = 30
	defaultTGTimeout       = 5
	defaultTGHealthy       = 5
	defaultTGUnhealthy     = 2
	defaultTGMatcher       = "200"
	defaultTGHealthPath    = "/"
	defaultContainerHCInt  = 30
	defaultContainerHCTime = 5
	defaultContainerHCRetr = 3
)

// services compiles every enabled service of the environment.
func (b *builder) services() error {
	for _, s := range b.env.Services {
		if err := b.service(s); err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
	}
	return nil
}

// svc carries what the parts of one service share.
type svc struct {
	s           *config.Service
	cluster     *config.Cluster
	lb          *config.LoadBalancer // nil without route
	clusterName string
	serviceName string
	logGroup    string
	tgAddr      string // "" without route
	ruleAddrs   []string
	alarmAddrs  map[string]string // alarm name → address
}

func (b *builder) service(s *config.Service) error {
	v := &svc{s: s, alarmAddrs: map[string]string{}}
	v.cluster = b.env.Cluster(s.Cluster)
	if v.cluster == nil {
		return fmt.Errorf("cluster %q does not exist", s.Cluster)
	}
	if s.Route != nil {
		v.lb = b.env.LoadBalancer(s.Route.LoadBalancer)
		if v.lb == nil {
			return fmt.Errorf("load balancer %q does not exist", s.Route.LoadBalancer)
		}
		if s.Port == 0 {
			return fmt.Errorf("route needs port")
		}
	}
	if err := b.checkArch(v); err != nil {
		return err
	}
	v.clusterName = b.n.cluster(v.cluster.Name)
	v.serviceName = b.n.service(s.Name)
	v.logGroup = b.n.logGroup(s.Name)

	steps := []func(*svc) error{
		b.serviceLogGroup, b.serviceIdentity, b.taskDefinition,
		b.targetGroup, b.alarms, b.ecsService, b.scaling,
	}
	for _, step := range steps {
		if err := step(v); err != nil {
			return err
		}
	}
	return nil
}

// checkArch refuses a task whose platform the cluster's instances cannot
// run (an arm64 image on x86 instances would never start).
func (b *builder) checkArch(v *svc) error {
	if !v.cluster.Capacity.IsEC2() {
		return nil
	}
	// Every type of a mix must run the task: the checks keep a mix to
	// one architecture, and this refuses one that is not.
	for _, t := range v.cluster.Capacity.EC2.Types() {
		arch, err := instanceArch(t)
		if err != nil {
			return err
		}
		if want := cpuArchitecture(v.s.Platform); !strings.EqualFold(want, arch) {
			return fmt.Errorf("platform %s cannot run on cluster %s, whose %s instances are %s",
				platformOrDefault(v.s.Platform), v.cluster.Name, t, arch)
		}
	}
	return nil
}

func platformOrDefault(p string) string {
	if p == "" {
		return "linux/amd64"
	}
	return p
}

// cpuArchitecture maps a platform to ECS's RuntimePlatform name.
func cpuArchitecture(platform string) string {
	if platform == "linux/arm64" {
		return "ARM64"
	}
	return "X86_64"
}

func (b *builder) serviceLogGroup(v *svc) error {
	_, err := b.add(servicePart(v.s.Name, "log-group"), catalog.LogGroup, v.logGroup, m{
		"LogGroupName":    v.logGroup,
		"RetentionInDays": v.s.Logs.RetentionDays,
	})
	return err
}

// serviceIdentity: the two roles and the task security group, which
// admits the load balancer's group on the service's port and nothing else
// (no ingress at all without a route).
func (b *builder) serviceIdentity(v *svc) error {
	if err := b.serviceRoles(v.s, v.logGroup); err != nil {
		return err
	}
	ingress := l{}
	if v.lb != nil {
		ingress = l{m{
			"IpProtocol":            "tcp",
			"FromPort":              v.s.Port,
			"ToPort":                v.s.Port,
			"SourceSecurityGroupId": ref(loadBalancerPart(v.lb.Name, "security-group"), "GroupId"),
			"Description":           "from load balancer " + v.lb.Name,
		}}
	}
	name := b.n.securityGroup(v.s.Name, "tasks")
	return b.securityGroup(servicePart(v.s.Name, "security-group"), name, "gantry: tasks of service "+v.s.Name, ingress)
}

// environment is a container's Environment list, by name. Values marked
// sensitive are wrapped so no renderer ever prints them.
func environment(env map[string]config.EnvVar) l {
	out := l{}
	for _, k := range sortedKeys(env) {
		var val any = env[k].Value
		if env[k].Sensitive {
			val = graph.Sensitive{Value: env[k].Value}
		}
		out = append(out, m{"Name": k, "Value": val})
	}
	return out
}

// secrets is a container's Secrets list, by name: references that ECS
// resolves at task start, never values.
func (b *builder) secrets(sec map[string]config.Secret) l {
	out := l{}
	for _, k := range sortedKeys(sec) {
		from := sec[k].SecretsManager
		if sec[k].SSM != "" {
			from = ssmParameterARN(b.part, b.env.Region, b.env.Account, sec[k].SSM)
		}
		out = append(out, m{"Name": k, "ValueFrom": from})
	}
	return out
}

func portMappings(port int) l {
	if port == 0 {
		return l{}
	}
	return l{m{"ContainerPort": port, "HostPort": port, "Protocol": "tcp"}}
}

func (b *builder) logConfiguration(v *svc) m {
	return m{
		"LogDriver": "awslogs",
		"Options": m{
			"awslogs-group":         v.logGroup,
			"awslogs-region":        b.env.Region,
			"awslogs-stream-prefix": logStreamPrefix,
		},
	}
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// taskDefinition: one task family per service, awsvpc networking, the
// service's container (named after the service) first, then its sidecars
// by name, all logging to the service's log group.
func (b *builder) taskDefinition(v *svc) error {
	s := v.s
	main := m{
		"Name":             s.Name,
		"Image":            s.Image,
		"Essential":        true,
		"PortMappings":     portMappings(s.Port),
		"Environment":      environment(s.Env),
		"Secrets":          b.secrets(s.Secrets),
		"LogConfiguration": b.logConfiguration(v),
	}
	if len(s.Command) > 0 {
		main["Command"] = strs(s.Command)
	}
	if len(s.EntryPoint) > 0 {
		main["EntryPoint"] = strs(s.EntryPoint)
	}
	if hc := s.HealthCheck; hc != nil {
		main["HealthCheck"] = m{
			"Command":     strs(hc.Command),
			"Interval":    orDefault(hc.IntervalSeconds, defaultContainerHCInt),
			"Timeout":     orDefault(hc.TimeoutSeconds, defaultContainerHCTime),
			"Retries":     orDefault(hc.Retries, defaultContainerHCRetr),
			"StartPeriod": hc.StartPeriodSeconds,
		}
	}
	containers := l{main}
	for _, sc := range s.Sidecars {
		if sc.Name == s.Name {
			return fmt.Errorf("sidecar %q has the name of the service's own container", sc.Name)
		}
		c := m{
			"Name":             sc.Name,
			"Image":            sc.Image,
			"Essential":        sc.Essential,
			"PortMappings":     portMappings(sc.Port),
			"Environment":      environment(sc.Env),
			"Secrets":          b.secrets(sc.Secrets),
			"LogConfiguration": b.logConfiguration(v),
		}
		if sc.CPU > 0 {
			c["Cpu"] = sc.CPU
		}
		if sc.Memory > 0 {
			// A reservation, not a hard limit: the sidecar's share of the
			// task's memory, without killing it on a short spike.
			c["MemoryReservation"] = sc.Memory
		}
		containers = append(containers, c)
	}

	compat := "FARGATE"
	if v.cluster.Capacity.IsEC2() {
		compat = "EC2"
	}
	family := b.n.family(s.Name)
	_, err := b.add(servicePart(s.Name, "task-definition"), catalog.TaskDefinition, family, m{
		"Family":                  family,
		"Cpu":                     strconv.Itoa(s.CPU),
		"Memory":                  strconv.Itoa(s.Memory),
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": l{compat},
		"RuntimePlatform": m{
			"CpuArchitecture":       cpuArchitecture(s.Platform),
			"OperatingSystemFamily": "LINUX",
		},
		"ExecutionRoleArn":     ref(servicePart(s.Name, "execution-role"), "Arn"),
		"TaskRoleArn":          ref(servicePart(s.Name, "task-role"), "Arn"),
		"ContainerDefinitions": containers,
	},
		// The awslogs driver writes to a group that must exist first.
		servicePart(s.Name, "log-group"))
	return err
}

// targetGroup: ip targets on the service's port, the HTTP health check,
// the deregistration delay; and the listener rules that forward to it on
// every forwarding listener of the load balancer.
func (b *builder) targetGroup(v *svc) error {
	if v.lb == nil {
		return nil
	}
	s, r := v.s, v.s.Route
	hc := r.HealthCheck
	const protocol, protocolVersion, targetType = "HTTP", "HTTP1", "ip"
	forceNew := strings.Join([]string{strconv.Itoa(s.Port), protocol, protocolVersion, targetType, b.env.Network.VPC}, "|")
	name := b.n.targetGroup(s.Name, forceNew)
	path := hc.Path
	if path == "" {
		path = defaultTGHealthPath
	}
	matcher := hc.Matcher
	if matcher == "" {
		matcher = defaultTGMatcher
	}
	v.tgAddr = servicePart(s.Name, "target-group")
	if _, err := b.add(v.tgAddr, catalog.TargetGroup, name, m{
		"Name":                       name,
		"Port":                       s.Port,
		"Protocol":                   protocol,
		"ProtocolVersion":            protocolVersion,
		"TargetType":                 targetType,
		"VpcId":                      b.env.Network.VPC,
		"IpAddressType":              "ipv4",
		"HealthCheckEnabled":         true,
		"HealthCheckProtocol":        "HTTP",
		"HealthCheckPort":            "traffic-port",
		"HealthCheckPath":            path,
		"HealthCheckIntervalSeconds": orDefault(hc.IntervalSeconds, defaultTGInterval),
		"HealthCheckTimeoutSeconds":  orDefault(hc.TimeoutSeconds, defaultTGTimeout),
		"HealthyThresholdCount":      orDefault(hc.HealthyThreshold, defaultTGHealthy),
		"UnhealthyThresholdCount":    orDefault(hc.UnhealthyThreshold, defaultTGUnhealthy),
		"Matcher":                    m{"HttpCode": matcher},
		"TargetGroupAttributes": l{
			m{"Key": "deregistration_delay.timeout_seconds", "Value": strconv.Itoa(r.DeregistrationDelaySeconds)},
		},
	}); err != nil {
		return err
	}

	paths := r.Paths
	if len(paths) == 0 {
		paths = []string{"/*"}
	}
	chunks := ruleChunks(r.Host, paths)
	for _, ln := range listeners(v.lb) {
		if !ln.forwards {
			continue
		}
		for i, chunk := range chunks {
			addr := servicePart(s.Name, "rule-"+ln.kind)
			if i > 0 {
				addr += "-" + strconv.Itoa(i+1)
			}
			explicit := 0
			if r.Priority > 0 {
				explicit = r.Priority + i
			}
			b.rules = append(b.rules, &ruleSpec{
				Address:     addr,
				Listener:    ln.addr,
				Identity:    s.Name + "#" + strconv.Itoa(i+1),
				Host:        r.Host,
				Paths:       chunk,
				Explicit:    explicit,
				TargetGroup: v.tgAddr,
			})
			v.ruleAddrs = append(v.ruleAddrs, addr)
		}
	}
	return nil
}

// Metrics an alarm may watch.
var (
	ecsMetrics = map[string]bool{"CPUUtilization": true, "MemoryUtilization": true}
	albMetrics = map[string]bool{
		"RequestCount": true, "RequestCountPerTarget": true, "TargetResponseTime": true,
		"HTTPCode_Target_2XX_Count": true, "HTTPCode_Target_3XX_Count": true,
		"HTTPCode_Target_4XX_Count": true, "HTTPCode_Target_5XX_Count": true,
		"HealthyHostCount": true, "UnHealthyHostCount": true, "TargetConnectionErrorCount": true,
	}
	// countMetrics have no data point when nothing happened: a missing
	// data point is a zero.
	countMetrics = map[string]bool{
		"RequestCount": true, "RequestCountPerTarget": true,
		"HTTPCode_Target_2XX_Count": true, "HTTPCode_Target_3XX_Count": true,
		"HTTPCode_Target_4XX_Count": true, "HTTPCode_Target_5XX_Count": true,
		"TargetConnectionErrorCount": true,
	}
)

// alarms: one CloudWatch alarm per configured alarm, one-minute periods,
// notifying the environment's topic when it has one.
func (b *builder) alarms(v *svc) error {
	for _, a := range v.s.Alarms {
		if err := b.alarm(v, a); err != nil {
			return err
		}
	}
	return nil
}

// alarm adds the CloudWatch alarm of one configured alarm and records its
// address for the service's deployment alarms.
func (b *builder) alarm(v *svc, a *config.Alarm) error {
	addr := servicePart(v.s.Name, "alarm/"+a.Name)
	name := b.n.alarm(v.s.Name, a.Name)
	props := m{
		"AlarmName":         name,
		"MetricName":        a.Metric,
		"Period":            alarmPeriodSeconds,
		"EvaluationPeriods": a.ForMinutes,
		"DatapointsToAlarm": a.ForMinutes,
		"ActionsEnabled":    true,
	}
	namespace, dimensions, err := b.alarmMetric(v, a)
	if err != nil {
		return err
	}
	props["Namespace"] = namespace
	props["Dimensions"] = dimensions
	operator, threshold, verb, err := alarmComparison(a)
	if err != nil {
		return err
	}
	props["ComparisonOperator"] = operator
	props["Threshold"] = threshold
	stat := alarmStatistic(a)
	// CloudWatch takes percentiles (p99) as extended statistics, apart
	// from the plain ones.
	if strings.HasPrefix(stat, "p") {
		props["ExtendedStatistic"] = stat
	} else {
		props["Statistic"] = stat
	}
	props["TreatMissingData"] = treatMissingData(a.Metric, verb)
	props["AlarmDescription"] = fmt.Sprintf("gantry: %s %s %s %s for %d minute(s), service %s in %s",
		a.Metric, stat, verb, strconv.FormatFloat(threshold, 'f', -1, 64), a.ForMinutes, v.s.Name, b.env.Name)
	if topic := b.env.Notifications.AlarmTopic; topic != "" {
		props["AlarmActions"] = l{topic}
		props["OKActions"] = l{topic}
	}
	if _, err := b.add(addr, catalog.Alarm, name, props); err != nil {
		return err
	}
	v.alarmAddrs[a.Name] = addr
	return nil
}

// alarmMetric returns the namespace and dimensions that select the
// alarm's metric for this service: the service itself for ECS metrics,
// its target group on its load balancer for ALB metrics, which a service
// without a route does not have.
func (b *builder) alarmMetric(v *svc, a *config.Alarm) (string, l, error) {
	switch {
	case ecsMetrics[a.Metric]:
		return "AWS/ECS", l{
			m{"Name": "ClusterName", "Value": v.clusterName},
			m{"Name": "ServiceName", "Value": v.serviceName},
		}, nil
	case albMetrics[a.Metric]:
		if v.lb == nil {
			return "", nil, fmt.Errorf("alarm %s: metric %s needs a route", a.Name, a.Metric)
		}
		return "AWS/ApplicationELB", l{
			m{"Name": "LoadBalancer", "Value": ref(loadBalancerAddr(v.lb.Name), "LoadBalancerFullName")},
			m{"Name": "TargetGroup", "Value": ref(v.tgAddr, "TargetGroupFullName")},
		}, nil
	default:
		return "", nil, fmt.Errorf("alarm %s: unknown metric %q", a.Name, a.Metric)
	}
}

// alarmComparison returns the alarm's comparison operator and threshold,
// and the verb ("above" or "below") its description and missing-data
// treatment use.
func alarmComparison(a *config.Alarm) (operator string, threshold float64, verb string, err error) {
	switch {
	case a.Above != nil:
		return "GreaterThanThreshold", *a.Above, "above", nil
	case a.Below != nil:
		return "LessThanThreshold", *a.Below, "below", nil
	default:
		return "", 0, "", fmt.Errorf("alarm %s: needs above or below", a.Name)
	}
}

// alarmStatistic is the configured statistic, or by default Sum for a
// count (the number of events in the period) and Average for the rest.
func alarmStatistic(a *config.Alarm) string {
	if a.Statistic != "" {
		return a.Statistic
	}
	if countMetrics[a.Metric] {
		return "Sum"
	}
	return "Average"
}

// treatMissingData: for counts a missing point means zero, which is fine
// for "above" and a breach for "below". For the rest, missing data keeps
// the state.
func treatMissingData(metric, verb string) string {
	switch {
	case countMetrics[metric] && verb == "above":
		return "notBreaching"
	case countMetrics[metric]:
		return "breaching"
	default:
		return "missing"
	}
}

// ecsService: the service on its cluster's capacity, in the private
// subnets with no public IP, attached to its target group, with the
// circuit breaker and alarm rollback.
func (b *builder) ecsService(v *svc) error {
	s := v.s
	deploy := m{
		"MinimumHealthyPercent": s.Deploy.MinHealthyPercent,
		"MaximumPercent":        s.Deploy.MaxPercent,
		"DeploymentCircuitBreaker": m{
			"Enable":   s.Deploy.CircuitBreaker,
			"Rollback": s.Deploy.CircuitBreaker,
		},
	}
	deps := []string{}
	if len(s.Deploy.RollbackOnAlarms) > 0 {
		var alarmNames l
		for _, a := range s.Deploy.RollbackOnAlarms {
			addr, ok := v.alarmAddrs[a]
			if !ok {
				return fmt.Errorf("deploy.rollbackOnAlarms: no alarm %q", a)
			}
			alarmNames = append(alarmNames, b.n.alarm(s.Name, a))
			deps = append(deps, addr)
		}
		deploy["Alarms"] = m{"AlarmNames": alarmNames, "Enable": true, "Rollback": true}
	}
	props := m{
		"ServiceName":              v.serviceName,
		"Cluster":                  ref(clusterAddr(v.cluster.Name), "Arn"),
		"TaskDefinition":           ref(servicePart(s.Name, "task-definition"), "TaskDefinitionArn"),
		"DesiredCount":             s.Scale.Min,
		"SchedulingStrategy":       "REPLICA",
		"CapacityProviderStrategy": b.serviceStrategy(v.cluster),
		"DeploymentController":     m{"Type": "ECS"},
		"DeploymentConfiguration":  deploy,
		"NetworkConfiguration": m{"AwsvpcConfiguration": m{
			"AssignPublicIp": "DISABLED",
			"SecurityGroups": l{ref(servicePart(s.Name, "security-group"), "GroupId")},
			"Subnets":        strs(b.env.Network.PrivateSubnets),
		}},
		"PropagateTags":        "SERVICE",
		"EnableECSManagedTags": true,
		"EnableExecuteCommand": false,
	}
	if v.cluster.Capacity.IsEC2() {
		// Spread tasks over availability zones, then pack instances.
		props["PlacementStrategies"] = l{
			m{"Type": "spread", "Field": "attribute:ecs.availability-zone"},
			m{"Type": "binpack", "Field": "memory"},
		}
		// The capacity provider must be attached to the cluster first.
		deps = append(deps, clusterPart(v.cluster.Name, "capacity-provider-associations"))
	} else {
		props["PlatformVersion"] = "LATEST"
	}
	if v.lb != nil {
		props["LoadBalancers"] = l{m{
			"ContainerName":  s.Name,
			"ContainerPort":  s.Port,
			"TargetGroupArn": ref(v.tgAddr, "TargetGroupArn"),
		}}
		grace := minGracePeriodSeconds
		if s.HealthCheck != nil && s.HealthCheck.StartPeriodSeconds > grace {
			grace = s.HealthCheck.StartPeriodSeconds
		}
		props["HealthCheckGracePeriodSeconds"] = grace
		// ECS refuses a target group that no listener forwards to yet.
		deps = append(deps, v.ruleAddrs...)
	}
	_, err := b.add(serviceAddr(s.Name), catalog.Service, v.serviceName, props, deps...)
	return err
}

// scaling: a scalable target between min and max and one target-tracking
// policy per configured target. Without targets the service runs a fixed
// DesiredCount of min and has no scalable target.
func (b *builder) scaling(v *svc) error {
	sc := v.s.Scale
	if !sc.Autoscaled() {
		return nil
	}
	resourceID := "service/" + v.clusterName + "/" + v.serviceName
	targetAddr := servicePart(v.s.Name, "scalable-target")
	if _, err := b.add(targetAddr, catalog.ScalableTarget, "", m{
		"ServiceNamespace":  "ecs",
		"ScalableDimension": "ecs:service:DesiredCount",
		"ResourceId":        resourceID,
		"MinCapacity":       sc.Min,
		"MaxCapacity":       sc.Max,
	}, serviceAddr(v.s.Name)); err != nil {
		return err
	}
	policy := func(kind string, target int, metric m) error {
		name := b.n.scalingPolicy(v.s.Name, kind)
		_, err := b.add(servicePart(v.s.Name, "scaling/"+kind), catalog.ScalingPolicy, name, m{
			"PolicyName":        name,
			"PolicyType":        "TargetTrackingScaling",
			"ServiceNamespace":  "ecs",
			"ScalableDimension": "ecs:service:DesiredCount",
			"ResourceId":        resourceID,
			"TargetTrackingScalingPolicyConfiguration": m{
				"TargetValue":                   target,
				"PredefinedMetricSpecification": metric,
				"ScaleOutCooldown":              scaleOutCooldown,
				"ScaleInCooldown":               scaleInCooldown,
				"DisableScaleIn":                false,
			},
		}, targetAddr)
		return err
	}
	if sc.CPUTarget > 0 {
		if err := policy("cpu", sc.CPUTarget, m{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}); err != nil {
			return err
		}
	}
	if sc.MemoryTarget > 0 {
		if err := policy("memory", sc.MemoryTarget, m{"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}); err != nil {
			return err
		}
	}
	if sc.RequestsPerTarget > 0 {
		if v.lb == nil {
			return fmt.Errorf("scale.requestsPerTarget needs a route")
		}
		label := graph.Join{Parts: []any{
			ref(loadBalancerAddr(v.lb.Name), "LoadBalancerFullName"), "/",
			ref(v.tgAddr, "TargetGroupFullName"),
		}}
		if err := policy("requests", sc.RequestsPerTarget, m{
			"PredefinedMetricType": "ALBRequestCountPerTarget",
			"ResourceLabel":        label,
		}); err != nil {
			return err
		}
	}
	return nil
}
