package planner

import (
	"fmt"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

func f64(f float64) *float64 { return &f }

// testEnvironment is an environment built in Go whose compiled graph holds
// every resource type in the catalog: Fargate and EC2 clusters, an HTTPS
// load balancer with redirect and an internal HTTP one, services with
// routes, sidecars, secrets of both kinds, sensitive values, every scaling
// target and alarms, a worker without a route, and repositories. extra
// adds that many more routed web services, for size tests.
func testEnvironment(extra int) *config.Environment {
	env := &config.Environment{
		Name:    "prod",
		Account: "222222222222",
		Region:  "eu-west-1",
		Network: config.Network{
			VPC:            "vpc-0c7d6e5f4a3b2c1d0",
			PublicSubnets:  []string{"subnet-0f1e2d3c4b5a60001", "subnet-0f1e2d3c4b5a60002"},
			PrivateSubnets: []string{"subnet-0f1e2d3c4b5a60011", "subnet-0f1e2d3c4b5a60012", "subnet-0f1e2d3c4b5a60013"},
		},
		Tags:          map[string]string{"team": "shop", "cost-center": "cc-1042"},
		Notifications: config.Notifications{AlarmTopic: "arn:aws:sns:eu-west-1:222222222222:shop-oncall"},
		Clusters: []*config.Cluster{
			{Name: "batch", Capacity: config.Capacity{EC2: &config.EC2{
				InstanceType: "c7g.large", MinInstances: 0, MaxInstances: 6, TargetUtilization: 90, RootVolumeGiB: 40}}},
			{Name: "main", ContainerInsights: true, Capacity: config.Capacity{
				Fargate: &config.Strategy{Base: 1, Weight: 1}, FargateSpot: &config.Strategy{Weight: 3}}},
		},
		LoadBalancers: []*config.LoadBalancer{
			{Name: "internal", Scheme: "internal", IdleTimeoutSeconds: 120, IngressCIDRs: []string{"10.0.0.0/8"}},
			{Name: "public", Scheme: "internet-facing", RedirectHTTP: true, IdleTimeoutSeconds: 60,
				IngressCIDRs: []string{"0.0.0.0/0"},
				HTTPS: &config.HTTPS{Certificate: "arn:aws:acm:eu-west-1:222222222222:certificate/0b9e8d7c",
					SSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"}},
		},
		Services: []*config.Service{
			{
				Name: "api", Cluster: "main", Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/api:1.7.3",
				Platform: "linux/amd64", CPU: 512, Memory: 1024, Port: 8080,
				Command: []string{"/app/api", "serve"},
				Env: map[string]config.EnvVar{
					"LOG_LEVEL": {Value: "info"}, "HTTP_ADDR": {Value: ":8080"},
					"API_TOKEN": {Value: testSecret, Sensitive: true},
				},
				Secrets: map[string]config.Secret{
					"DATABASE_URL": {SSM: "/shop/api/database-url"},
					"STRIPE_KEY":   {SecretsManager: "arn:aws:secretsmanager:eu-west-1:222222222222:secret:stripe-AbCdEf"},
				},
				HealthCheck: &config.ContainerHealthCheck{Command: []string{"CMD-SHELL", "wget -q -O /dev/null http://localhost:8080/healthz || exit 1"},
					IntervalSeconds: 15, TimeoutSeconds: 5, Retries: 3},
				Route: &config.Route{LoadBalancer: "public", Host: "shop.example.com", Paths: []string{"/api/*"},
					HealthCheck: config.TargetHealthCheck{Path: "/healthz", HealthyThreshold: 2, UnhealthyThreshold: 2,
						IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200"},
					DeregistrationDelaySeconds: 30},
				Scale: config.Scale{Min: 4, Max: 12, CPUTarget: 60, MemoryTarget: 70, RequestsPerTarget: 800},
				Alarms: []*config.Alarm{
					{Name: "errors5xx", Metric: "HTTPCode_Target_5XX_Count", Above: f64(25), ForMinutes: 3, Statistic: "Sum"},
					{Name: "highCPU", Metric: "CPUUtilization", Above: f64(85), ForMinutes: 5, Statistic: "Average"},
				},
				Deploy:      config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200, RollbackOnAlarms: []string{"errors5xx"}},
				Logs:        config.Logs{RetentionDays: 30},
				Permissions: []config.Permission{{Actions: []string{"s3:GetObject", "s3:ListBucket"}, Resources: []string{"arn:aws:s3:::shop-assets/*", "arn:aws:s3:::shop-assets"}}},
				Sidecars: []*config.Sidecar{{
					Name: "proxy", Image: "public.ecr.aws/nginx/nginx:1.27", CPU: 64, Memory: 128, Essential: true, Port: 9901,
					Env:     map[string]config.EnvVar{"UPSTREAM": {Value: "127.0.0.1:8080"}},
					Secrets: map[string]config.Secret{"TOKEN": {SSM: "/shop/proxy/token"}},
				}},
			},
			{
				Name: "admin", Cluster: "main", Image: "ghcr.io/acme/admin:2", Platform: "linux/amd64", CPU: 256, Memory: 512, Port: 3000,
				Route: &config.Route{LoadBalancer: "internal", Paths: []string{"/*"},
					HealthCheck: config.TargetHealthCheck{Path: "/", HealthyThreshold: 5, UnhealthyThreshold: 2,
						IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200-299"},
					DeregistrationDelaySeconds: 10},
				Scale:  config.Scale{Min: 1, Max: 1},
				Deploy: config.Deploy{MinHealthyPercent: 0, MaxPercent: 100},
				Logs:   config.Logs{RetentionDays: 7},
			},
			{
				Name: "worker", Cluster: "batch", Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/worker:0.9.4",
				Platform: "linux/arm64", CPU: 1024, Memory: 2048,
				Command: []string{"/app/worker", "--queue", "orders"},
				Env:     map[string]config.EnvVar{"QUEUE_URL": {Value: "https://sqs.eu-west-1.amazonaws.com/222222222222/shop-orders"}},
				Scale:   config.Scale{Min: 2, Max: 8, CPUTarget: 70},
				Deploy:  config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200},
				Logs:    config.Logs{RetentionDays: 30},
				Permissions: []config.Permission{{Actions: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
					Resources: []string{"arn:aws:sqs:eu-west-1:*:shop-orders"}}},
			},
		},
		Repositories: []*config.Repository{
			{Name: "api", ScanOnPush: true, ImmutableTags: true, KeepImages: 50},
			{Name: "worker", ScanOnPush: true, KeepImages: 20},
		},
	}
	for i := 0; i < extra; i++ {
		if i%servicesPerLB == 0 {
			env.LoadBalancers = append(env.LoadBalancers, &config.LoadBalancer{
				Name: webLB(i), Scheme: "internet-facing", IdleTimeoutSeconds: 60, IngressCIDRs: []string{"0.0.0.0/0"}})
		}
		env.Services = append(env.Services, webService(i, "1.0.0"))
	}
	return env
}

// servicesPerLB keeps every load balancer under ALB's 100 rules per
// listener.
const servicesPerLB = 90

func webLB(i int) string { return fmt.Sprintf("web%d", i/servicesPerLB) }

// webService is a routed Fargate web service, the common case.
func webService(i int, version string) *config.Service {
	name := fmt.Sprintf("web%03d", i)
	return &config.Service{
		Name: name, Cluster: "main", Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/" + name + ":" + version,
		Platform: "linux/amd64", CPU: 256, Memory: 512, Port: 3000,
		Env: map[string]config.EnvVar{"NODE_ENV": {Value: "production"}, "SERVICE": {Value: name}},
		Route: &config.Route{LoadBalancer: webLB(i), Host: name + ".shop.example.com", Paths: []string{"/*"},
			HealthCheck: config.TargetHealthCheck{Path: "/", HealthyThreshold: 5, UnhealthyThreshold: 2,
				IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200"},
			DeregistrationDelaySeconds: 30},
		Scale:  config.Scale{Min: 2, Max: 6, CPUTarget: 70},
		Alarms: []*config.Alarm{{Name: "highCPU", Metric: "CPUUtilization", Above: f64(90), ForMinutes: 5, Statistic: "Average"}},
		Deploy: config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200},
		Logs:   config.Logs{RetentionDays: 30},
	}
}

// testSecret is the value of a sensitive environment variable: no
// rendering of any plan may contain it.
const testSecret = "s3cr3t-d0-n0t-pr1nt"

func compileEnv(t testing.TB, env *config.Environment, pinned map[string]int) *graph.Graph {
	t.Helper()
	g, err := compiler.Compile(env, "shop", compiler.CompileOptions{PinnedPriorities: pinned})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func envScope(env *config.Environment) provider.Scope {
	return provider.Scope{Project: "shop", Environment: env.Name, Account: env.Account, Region: env.Region}
}

func TestTestEnvironmentHasEveryType(t *testing.T) {
	g := compileEnv(t, testEnvironment(0), nil)
	have := map[string]bool{}
	for _, r := range g.Resources {
		have[r.Type] = true
	}
	for _, ty := range catalog.All() {
		if !have[ty.Name] {
			t.Errorf("the test environment compiles no %s", ty.Name)
		}
	}
}
