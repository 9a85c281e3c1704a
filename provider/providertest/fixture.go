package providertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

// fixture is a configuration that compiles to every resource type gantry
// manages: a Fargate cluster and an EC2 cluster (launch template, Auto
// Scaling group, capacity provider, instance role and profile), a load
// balancer with a listener, a routed, autoscaled and alarmed service with
// its target group, rule, roles, log group and security group, a worker on
// the EC2 cluster, and an ECR repository. Names carry the environment, so
// tests sharing one account never collide.
var fixture = template.Must(template.New("app.cue").Parse(`package conformance

project: "{{.Project}}"

environments: {{.Env}}: {
	account: "{{.Account}}"
	region:  "{{.Region}}"
	network: {
		vpc: "{{.Network.VPC}}"
		publicSubnets: [{{.Quoted .Network.PublicSubnets}}]
		privateSubnets: [{{.Quoted .Network.PrivateSubnets}}]
	}
}

clusters: main: {}
clusters: batch: capacity: ec2: {
	instanceType:      "{{.Type}}"
	minInstances:      0
	maxInstances:      2
	targetUtilization: 90
}

loadBalancers: public: scheme: "internet-facing"

repositories: "{{.Repo}}": {scanOnPush: true, keepImages: 10}

services: api: {
	cluster: "main"
	image:   "{{.Image "api"}}"
	cpu:     256
	memory:  512
	port:    8080
	route: {
		loadBalancer: "public"
		paths: ["/api/*"]
		healthCheck: path: "/healthz"
		deregistrationDelaySeconds: 0
	}
	scale: {min: 2, max: 4, cpuTarget: 60}
	alarms: errors: {metric: "HTTPCode_Target_5XX_Count", above: 10, forMinutes: 2}
	deploy: circuitBreaker: true
}

services: worker: {
	cluster: "batch"
	image:   "{{.Image "worker"}}"
	cpu:     256
	memory:  512
	scale: {min: 1, max: 1}
	deploy: circuitBreaker: true
}
`))

// config is one test's configuration: its project and environment, and
// the image tag of each service.
type config struct {
	Project, Env    string
	Account, Region string
	Network         Network
	Tags            map[string]string
	// InstanceType is the EC2 cluster's instance type ("" for t3.medium).
	InstanceType string
}

// Type is the EC2 cluster's instance type.
func (c *config) Type() string {
	if c.InstanceType == "" {
		return "t3.medium"
	}
	return c.InstanceType
}

// Repo is the test's ECR repository.
func (c *config) Repo() string { return c.Project + "-" + c.Env }

// Image is the image a service runs, from the repository.
func (c *config) Image(service string) string {
	tag := c.Tags[service]
	if tag == "" {
		tag = "1.0.0"
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s:%s-%s", c.Account, c.Region, c.Repo(), service, tag)
}

// Quoted lists strings as CUE string literals.
func (c *config) Quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// write renders the configuration into dir.
func (c *config) write(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	if err := fixture.Execute(&b, c); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.cue"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
