package compiler

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

func fp(f float64) *float64 { return &f }

// testEnv is an environment built in Go that exercises every compile
// path: Fargate and EC2 capacity, HTTPS with redirect and a plain HTTP
// load balancer, sidecars, both kinds of secrets, sensitive values, every
// scaling target, ECS and ALB alarms, and a service without a route.
func testEnv() *config.Environment {
	return &config.Environment{
		Name:    "prod",
		Account: "222222222222",
		Region:  "eu-west-1",
		Network: config.Network{
			VPC:            "vpc-0123456789abcdef0",
			PublicSubnets:  []string{"subnet-00000000000000001", "subnet-00000000000000002"},
			PrivateSubnets: []string{"subnet-00000000000000011", "subnet-00000000000000012", "subnet-00000000000000013"},
		},
		Tags:          map[string]string{"team": "core", "cost-center": "cc-1"},
		Notifications: config.Notifications{AlarmTopic: "arn:aws:sns:eu-west-1:222222222222:oncall"},
		Clusters: []*config.Cluster{
			{Name: "batch", Capacity: config.Capacity{EC2: &config.EC2{
				InstanceType: "c7g.large", MinInstances: 0, MaxInstances: 6, TargetUtilization: 90, RootVolumeGiB: 40,
			}}},
			{Name: "main", ContainerInsights: true, Capacity: config.Capacity{
				Fargate:     &config.Strategy{Base: 1, Weight: 1},
				FargateSpot: &config.Strategy{Weight: 3},
			}},
		},
		LoadBalancers: []*config.LoadBalancer{
			{Name: "internal", Scheme: "internal", IdleTimeoutSeconds: 60, IngressCIDRs: []string{"10.0.0.0/8"}},
			{Name: "public", Scheme: "internet-facing", RedirectHTTP: true, IdleTimeoutSeconds: 60,
				IngressCIDRs: []string{"0.0.0.0/0"},
				HTTPS:        &config.HTTPS{Certificate: "arn:aws:acm:eu-west-1:222222222222:certificate/abc", SSLPolicy: defaultSSLPolicy}},
		},
		Services: []*config.Service{
			{
				Name: "api", Cluster: "main", Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/api:1.7.3",
				Platform: "linux/amd64", CPU: 512, Memory: 1024, Port: 8080,
				Command: []string{"/app/api", "serve"},
				Env: map[string]config.EnvVar{
					"LOG_LEVEL": {Value: "info"},
					"API_TOKEN": {Value: "s3cr3t", Sensitive: true},
				},
				Secrets: map[string]config.Secret{
					"DATABASE_URL": {SSM: "/shop/api/database-url"},
					"STRIPE":       {SecretsManager: "arn:aws:secretsmanager:eu-west-1:222222222222:secret:stripe-AbCdEf"},
				},
				HealthCheck: &config.ContainerHealthCheck{Command: []string{"CMD-SHELL", "true"}, IntervalSeconds: 15, TimeoutSeconds: 5, Retries: 3},
				Route: &config.Route{LoadBalancer: "public", Host: "shop.example.com", Paths: []string{"/api/*"},
					HealthCheck:                config.TargetHealthCheck{Path: "/healthz", HealthyThreshold: 2, UnhealthyThreshold: 2, IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200"},
					DeregistrationDelaySeconds: 30},
				Scale: config.Scale{Min: 4, Max: 12, CPUTarget: 60, MemoryTarget: 70, RequestsPerTarget: 800},
				Alarms: []*config.Alarm{
					{Name: "errors5xx", Metric: "HTTPCode_Target_5XX_Count", Above: fp(25), ForMinutes: 3, Statistic: "Sum"},
					{Name: "highCPU", Metric: "CPUUtilization", Above: fp(85), ForMinutes: 5, Statistic: "Average"},
				},
				Deploy:      config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200, RollbackOnAlarms: []string{"errors5xx"}},
				Logs:        config.Logs{RetentionDays: 30},
				Permissions: []config.Permission{{Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::assets/*"}}},
				Sidecars: []*config.Sidecar{{
					Name: "proxy", Image: "public.ecr.aws/nginx/nginx:1.27", CPU: 64, Memory: 128, Essential: true, Port: 9901,
					Secrets: map[string]config.Secret{"TOKEN": {SSM: "proxy-token"}},
				}},
			},
			{
				Name: "admin", Cluster: "main", Image: "ghcr.io/acme/admin:2", Platform: "linux/amd64", CPU: 256, Memory: 512, Port: 3000,
				Route: &config.Route{LoadBalancer: "internal", Paths: []string{"/*"},
					HealthCheck:                config.TargetHealthCheck{Path: "/", HealthyThreshold: 5, UnhealthyThreshold: 2, IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200"},
					DeregistrationDelaySeconds: 10},
				Scale:  config.Scale{Min: 1, Max: 1},
				Deploy: config.Deploy{MinHealthyPercent: 0, MaxPercent: 100},
				Logs:   config.Logs{RetentionDays: 7},
			},
			{
				Name: "worker", Cluster: "batch", Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/worker:0.9.4",
				Platform: "linux/arm64", CPU: 1024, Memory: 2048,
				Scale:  config.Scale{Min: 2, Max: 8, CPUTarget: 70},
				Deploy: config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200},
				Logs:   config.Logs{RetentionDays: 30},
			},
		},
		Repositories: []*config.Repository{
			{Name: "api", ScanOnPush: true, ImmutableTags: true, KeepImages: 50},
			{Name: "worker", ScanOnPush: true, KeepImages: 20},
		},
	}
}

// compileJSON compiles env and returns the graph and its JSON.
func compileJSON(t testing.TB, env *config.Environment, project string, opts CompileOptions) (*graph.Graph, []byte) {
	t.Helper()
	g, err := Compile(env, project, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return g, graphJSON(t, g)
}

func graphJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// props returns the properties of the resource at addr, failing the test
// when it is missing.
func props(t testing.TB, g *graph.Graph, addr string) map[string]any {
	t.Helper()
	r := g.Get(addr)
	if r == nil {
		t.Fatalf("no resource %s", addr)
	}
	return r.Properties
}
