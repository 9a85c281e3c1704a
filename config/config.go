package config

// Project is a whole configuration repository, resolved per environment.
type Project struct {
	Name string `json:"project"`
	// Environments in name order. Each holds the effective clusters, load
	// balancers, services and repositories for that environment.
	Environments []*Environment `json:"environments"`
}

// Env returns the environment with the given name, or nil.
func (p *Project) Env(name string) *Environment {
	for _, e := range p.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// EnvNames lists the environment names in order.
func (p *Project) EnvNames() []string {
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	return names
}

// Environment is one AWS account and region, with everything that runs there.
// Services that are disabled in this environment are not listed.
type Environment struct {
	Name          string            `json:"name"`
	Account       string            `json:"account"`
	Region        string            `json:"region"`
	Network       Network           `json:"network"`
	Tags          map[string]string `json:"tags,omitempty"`
	Notifications Notifications     `json:"notifications,omitempty"`
	// AWS, when set, is the role gantry assumes for everything in this
	// environment; nil means the credentials the SDK's chain finds.
	AWS *AWSAccess `json:"aws,omitempty"`

	Clusters      []*Cluster      `json:"clusters"`      // by name
	LoadBalancers []*LoadBalancer `json:"loadBalancers"` // by name
	Services      []*Service      `json:"services"`      // by name, enabled only
	Repositories  []*Repository   `json:"repositories"`  // by name
}

// Cluster returns the named cluster, or nil.
func (e *Environment) Cluster(name string) *Cluster {
	for _, c := range e.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// LoadBalancer returns the named load balancer, or nil.
func (e *Environment) LoadBalancer(name string) *LoadBalancer {
	for _, l := range e.LoadBalancers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Network is the existing VPC an environment runs in.
type Network struct {
	VPC            string   `json:"vpc"`
	PublicSubnets  []string `json:"publicSubnets"`
	PrivateSubnets []string `json:"privateSubnets"`
}

// AWSAccess is how gantry reaches an environment's account: the IAM role
// it assumes there, from the credentials the AWS SDK's chain finds.
type AWSAccess struct {
	RoleARN    string `json:"roleArn"`
	ExternalID string `json:"externalId,omitempty"`
}

// Notifications says where alarms notify.
type Notifications struct {
	AlarmTopic string `json:"alarmTopic,omitempty"` // SNS topic ARN, may be empty
}

// Cluster is an ECS cluster and the capacity behind it.
type Cluster struct {
	Name              string   `json:"name"`
	ContainerInsights bool     `json:"containerInsights"`
	Capacity          Capacity `json:"capacity"`
	// RetainOnDelete: once removed from the configuration, gantry keeps
	// it and what it made for it (graph.TagRetain) and stops managing it.
	RetainOnDelete bool `json:"retainOnDelete,omitempty"`
}

// Capacity is either Fargate (Fargate and/or FargateSpot set) or EC2.
// When the user wrote no capacity at all, the loader fills Fargate weight 1.
type Capacity struct {
	Fargate     *Strategy `json:"fargate,omitempty"`
	FargateSpot *Strategy `json:"fargateSpot,omitempty"`
	EC2         *EC2      `json:"ec2,omitempty"`
}

// IsEC2 reports whether the cluster runs tasks on its own EC2 instances.
func (c Capacity) IsEC2() bool { return c.EC2 != nil }

// Strategy is one capacity provider's share of the tasks.
type Strategy struct {
	Base   int `json:"base"`
	Weight int `json:"weight"`
}

// EC2 is an Auto Scaling group of ECS-optimised instances.
type EC2 struct {
	// InstanceType is the one type the user wrote as instanceType; ""
	// when they wrote instanceTypes.
	InstanceType string `json:"instanceType,omitempty"`
	// InstanceTypes is the fleet's types in the user's order (the
	// on-demand priority): instanceTypes, or instanceType as a list of one.
	InstanceTypes []string `json:"instanceTypes"`
	// Weights are the units of capacity an instance of a type counts for;
	// nil without weights (every instance counts 1).
	Weights           map[string]int `json:"weights,omitempty"`
	MinInstances      int            `json:"minInstances"`
	MaxInstances      int            `json:"maxInstances"`
	TargetUtilization int            `json:"targetUtilization"`
	RootVolumeGiB     int            `json:"rootVolumeGiB,omitempty"` // 0: the AMI's default
	// Spot is nil for an all on-demand fleet.
	Spot *Spot `json:"spot,omitempty"`
	// AMI is AMIRecommended or a pinned AMI id ("ami-...").
	AMI     string  `json:"ami"`
	Refresh Refresh `json:"refresh"`
}

// AMIRecommended is EC2.AMI for the current ECS-optimised AMI of the
// fleet's architecture.
const AMIRecommended = "recommended"

// Types returns the fleet's instance types: InstanceTypes, or InstanceType
// as a list of one (for an EC2 built without the loader).
func (e *EC2) Types() []string {
	if len(e.InstanceTypes) == 0 && e.InstanceType != "" {
		return []string{e.InstanceType}
	}
	return e.InstanceTypes
}

// Mixed reports whether the fleet needs a mixed instances policy: more than
// one type, weights, or Spot. A single on-demand type is a plain group.
func (e *EC2) Mixed() bool {
	return len(e.Types()) > 1 || len(e.Weights) > 0 || e.Spot != nil
}

// Weight is the units of capacity an instance of type t counts for: its
// weight, or 1.
func (e *EC2) Weight(t string) int {
	if w, ok := e.Weights[t]; ok {
		return w
	}
	return 1
}

// Spot is how an EC2 fleet buys Spot capacity above an on-demand base.
type Spot struct {
	OnDemandBase         int    `json:"onDemandBase"`
	OnDemandPercentAbove int    `json:"onDemandPercentAbove"`
	Strategy             string `json:"strategy"` // price-capacity-optimized | capacity-optimized | lowest-price
}

// Refresh is how a changed launch template reaches running instances.
type Refresh struct {
	MinHealthyPercent int `json:"minHealthyPercent"`
}

// LoadBalancer is a shared Application Load Balancer.
type LoadBalancer struct {
	Name               string   `json:"name"`
	Scheme             string   `json:"scheme"` // internet-facing | internal
	HTTPS              *HTTPS   `json:"https,omitempty"`
	RedirectHTTP       bool     `json:"redirectHTTP"`
	IdleTimeoutSeconds int      `json:"idleTimeoutSeconds"`
	IngressCIDRs       []string `json:"ingressCidrs"`
	// RetainOnDelete: once removed from the configuration, gantry keeps
	// it and what it made for it (graph.TagRetain) and stops managing it.
	RetainOnDelete bool `json:"retainOnDelete,omitempty"`
}

// HTTPS is the 443 listener's TLS settings.
type HTTPS struct {
	Certificate string `json:"certificate"`
	SSLPolicy   string `json:"sslPolicy"`
}

// Service is an ECS service as it runs in one environment.
type Service struct {
	Name        string                `json:"name"`
	Cluster     string                `json:"cluster"`
	Image       string                `json:"image"`
	Platform    string                `json:"platform"` // linux/amd64 | linux/arm64
	CPU         int                   `json:"cpu"`
	Memory      int                   `json:"memory"`
	Port        int                   `json:"port,omitempty"` // 0: none
	Command     []string              `json:"command,omitempty"`
	EntryPoint  []string              `json:"entryPoint,omitempty"`
	Env         map[string]EnvVar     `json:"env,omitempty"`
	Secrets     map[string]Secret     `json:"secrets,omitempty"`
	HealthCheck *ContainerHealthCheck `json:"healthCheck,omitempty"`
	Route       *Route                `json:"route,omitempty"`
	Scale       Scale                 `json:"scale"`
	Alarms      []*Alarm              `json:"alarms,omitempty"` // by name
	Deploy      Deploy                `json:"deploy"`
	Logs        Logs                  `json:"logs"`
	Permissions []Permission          `json:"permissions,omitempty"`
	Sidecars    []*Sidecar            `json:"sidecars,omitempty"` // by name
	// RetainOnDelete: once removed from the configuration, gantry keeps
	// it and what it made for it (graph.TagRetain) and stops managing it.
	RetainOnDelete bool `json:"retainOnDelete,omitempty"`
}

// EnvVar is an environment variable value. Sensitive values (marked with
// @sensitive() in CUE) are masked wherever gantry prints them.
type EnvVar struct {
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// Secret is a reference to a value ECS injects at task start. Exactly one
// of the two is set.
type Secret struct {
	SSM            string `json:"ssm,omitempty"`            // parameter name, e.g. /shop/api/db
	SecretsManager string `json:"secretsManager,omitempty"` // secret ARN
}

// ContainerHealthCheck is the container-level (Docker) health check.
type ContainerHealthCheck struct {
	Command            []string `json:"command"`
	IntervalSeconds    int      `json:"intervalSeconds"`
	TimeoutSeconds     int      `json:"timeoutSeconds"`
	Retries            int      `json:"retries"`
	StartPeriodSeconds int      `json:"startPeriodSeconds"`
}

// Route puts a service behind a load balancer.
type Route struct {
	LoadBalancer               string            `json:"loadBalancer"`
	Host                       string            `json:"host,omitempty"`
	Paths                      []string          `json:"paths"`
	Priority                   int               `json:"priority,omitempty"` // 0: assigned by gantry
	HealthCheck                TargetHealthCheck `json:"healthCheck"`
	DeregistrationDelaySeconds int               `json:"deregistrationDelaySeconds"`
}

// TargetHealthCheck is the target group's HTTP health check.
type TargetHealthCheck struct {
	Path               string `json:"path"`
	HealthyThreshold   int    `json:"healthyThreshold"`
	UnhealthyThreshold int    `json:"unhealthyThreshold"`
	IntervalSeconds    int    `json:"intervalSeconds"`
	TimeoutSeconds     int    `json:"timeoutSeconds"`
	Matcher            string `json:"matcher"`
}

// Scale is the task count and its autoscaling targets (0: no such target).
type Scale struct {
	Min               int `json:"min"`
	Max               int `json:"max"`
	CPUTarget         int `json:"cpuTarget,omitempty"`
	MemoryTarget      int `json:"memoryTarget,omitempty"`
	RequestsPerTarget int `json:"requestsPerTarget,omitempty"`
}

// Autoscaled reports whether the service has any scaling target, in which
// case Application Auto Scaling owns the desired count.
func (s Scale) Autoscaled() bool {
	return s.CPUTarget > 0 || s.MemoryTarget > 0 || s.RequestsPerTarget > 0
}

// Alarm is a CloudWatch alarm on one of the service's metrics.
type Alarm struct {
	Name       string   `json:"name"`
	Metric     string   `json:"metric"`
	Above      *float64 `json:"above,omitempty"`
	Below      *float64 `json:"below,omitempty"`
	ForMinutes int      `json:"forMinutes"`
	Statistic  string   `json:"statistic"`
}

// Deploy is the ECS deployment configuration.
type Deploy struct {
	CircuitBreaker    bool     `json:"circuitBreaker"`
	MinHealthyPercent int      `json:"minHealthyPercent"`
	MaxPercent        int      `json:"maxPercent"`
	RollbackOnAlarms  []string `json:"rollbackOnAlarms,omitempty"`
}

// Logs is the service's CloudWatch log group settings.
type Logs struct {
	RetentionDays int `json:"retentionDays"`
}

// Permission is one statement of the task role's policy.
type Permission struct {
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
}

// Sidecar is an extra container in the service's task.
type Sidecar struct {
	Name      string            `json:"name"`
	Image     string            `json:"image"`
	CPU       int               `json:"cpu,omitempty"`
	Memory    int               `json:"memory,omitempty"`
	Env       map[string]EnvVar `json:"env,omitempty"`
	Secrets   map[string]Secret `json:"secrets,omitempty"`
	Essential bool              `json:"essential"`
	Port      int               `json:"port,omitempty"`
}

// Repository is an ECR repository.
type Repository struct {
	Name          string `json:"name"`
	ScanOnPush    bool   `json:"scanOnPush"`
	ImmutableTags bool   `json:"immutableTags"`
	KeepImages    int    `json:"keepImages"`
	// RetainOnDelete: once removed from the configuration, gantry keeps
	// it and what it made for it (graph.TagRetain) and stops managing it.
	RetainOnDelete bool `json:"retainOnDelete,omitempty"`
}
