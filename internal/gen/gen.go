package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options sizes a generated repository.
type Options struct {
	Services     int // number of services (each in its own file)
	Environments int // number of environments (1-9)
}

// servicesPerLB keeps every load balancer under the ALB limit of 100
// listener rules (one rule per routed service on the 443 listener).
const servicesPerLB = 80

// Write generates the repository into dir (created if needed).
func Write(dir string, o Options) error {
	if o.Environments < 1 || o.Environments > 9 {
		return fmt.Errorf("environments: want 1-9, got %d", o.Environments)
	}
	files := Files(o)
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var envNames = []string{"dev", "staging", "prod", "qa", "perf", "demo", "eu", "us", "ap"}

// productionEnv is the environment the policy holds to a stricter rule
// (two tasks at least): prod when there is one, else the last one
// generated, so that the policy only refines an environment that exists.
func productionEnv(envs []string) string {
	for _, e := range envs {
		if e == "prod" {
			return e
		}
	}
	return envs[len(envs)-1]
}

// Files returns the repository's files by relative path. o.Environments
// is clamped to 1-9 (Write rejects anything else).
func Files(o Options) map[string]string {
	envs := envNames[:min(max(o.Environments, 1), len(envNames))]
	prod := productionEnv(envs)
	routed := (o.Services + 1) / 2
	lbs := max(1, (routed+servicesPerLB-1)/servicesPerLB)
	files := map[string]string{
		"cue.mod/module.cue": "module: \"example.com/bench@v0\"\nlanguage: version: \"v0.17.0\"\n",
		"gantry.cue":         projectFile,
		"policy.cue":         policyFile(prod),
		"clusters.cue":       clustersFile(o.Services),
		"environments.cue":   environmentsFile(envs),
		"loadbalancers.cue":  loadBalancersFile(envs, lbs),
		"repositories.cue":   repositoriesFile(o.Services),
	}
	for i := range o.Services {
		files[fmt.Sprintf("services/svc%04d.cue", i)] = serviceFile(i, envs, prod, lbs)
	}
	return files
}

const projectFile = `package bench

// The project name prefixes every AWS resource.
project: "bench"

// Organisation-wide defaults.
services: [_]: {
	logs: retentionDays: *30 | int
	deploy: {
		circuitBreaker:    *true | bool
		minHealthyPercent: *100 | int
		maxPercent:        *200 | int
	}
}
`

// policyFile writes the organisation rules; prod is the environment that
// runs two tasks at least.
func policyFile(prod string) string {
	return fmt.Sprintf(`package bench

// Organisation rules, checked against every service in every environment.
services: [_]: memory: <=16384
environments: [_]: services: [_]: image: !~":latest$"
environments: %s: services: [_]: scale: min: >=2
`, prod)
}

// clustersFile sizes the EC2 cluster for the services: every fourth worker
// runs there, and validate checks that their tasks fit in maxInstances
// (by CPU, memory and, without ENI trunking, one awsvpc task per spare
// network interface). Two instances per service leave room to spare.
func clustersFile(services int) string {
	return fmt.Sprintf(clustersTemplate, max(20, 2*services))
}

const clustersTemplate = `package bench

clusters: {
	main: {
		containerInsights: true
		capacity: {
			fargate: {base: 1, weight: 1}
			fargateSpot: weight: 3
		}
	}
	batch: capacity: ec2: {
		instanceType:      "m7g.2xlarge"
		minInstances:      0
		maxInstances:      %d
		targetUtilization: 90
	}
}
`

func environmentsFile(envs []string) string {
	var b strings.Builder
	b.WriteString("package bench\n\nenvironments: {\n")
	for i, e := range envs {
		acct := strings.Repeat(fmt.Sprint(i+1), 12)
		fmt.Fprintf(&b, `	%s: {
		account: %q
		region:  "eu-west-1"
		network: {
			vpc: "vpc-0%016x"
			publicSubnets: ["subnet-0%016x", "subnet-0%016x"]
			privateSubnets: ["subnet-0%016x", "subnet-0%016x"]
		}
		tags: {team: "platform", "cost-center": "cc-%04d"}
		notifications: alarmTopic: "arn:aws:sns:eu-west-1:%s:oncall"
	}
`, e, acct, i+1, 10*i+1, 10*i+2, 10*i+3, 10*i+4, i, acct)
	}
	b.WriteString("}\n")
	return b.String()
}

func loadBalancersFile(envs []string, n int) string {
	var b strings.Builder
	b.WriteString("package bench\n\n")
	for l := range n {
		fmt.Fprintf(&b, "loadBalancers: lb%02d: {\n\tscheme: \"internet-facing\"\n\thttps: {}\n\tredirectHTTP: true\n\tidleTimeoutSeconds: 60\n}\n", l)
		for i, e := range envs {
			acct := strings.Repeat(fmt.Sprint(i+1), 12)
			fmt.Fprintf(&b, "environments: %s: loadBalancers: lb%02d: https: certificate: \"arn:aws:acm:eu-west-1:%s:certificate/%08d-0000-4000-8000-000000000000\"\n", e, l, acct, l)
		}
	}
	return b.String()
}

func repositoriesFile(n int) string {
	var b strings.Builder
	b.WriteString("package bench\n\nrepositories: {\n")
	for i := range n {
		fmt.Fprintf(&b, "\tsvc%04d: {scanOnPush: true, immutableTags: %v, keepImages: %d}\n", i, i%2 == 0, 20+i%50)
	}
	b.WriteString("}\n")
	return b.String()
}

// serviceFile writes one service: even services are routed web services on
// Fargate with alarms and a health check, odd ones are workers (every
// fourth on the EC2 cluster, arm64) with secrets and a sidecar.
func serviceFile(i int, envs []string, prod string, lbs int) string {
	name := fmt.Sprintf("svc%04d", i)
	var b strings.Builder
	b.WriteString("package bench\n\n")
	fmt.Fprintf(&b, "services: %s: {\n", name)
	if i%2 == 0 {
		k := i / 2
		fmt.Fprintf(&b, `	cluster: "main"
	cpu:     512
	memory:  1024
	port:    8080
	command: ["/app/%[1]s", "serve"]
	env: {
		LOG_LEVEL: "info"
		SERVICE:   %[1]q
	}
	secrets: DATABASE_URL: ssm: "/bench/%[1]s/database-url"
	healthCheck: {
		command: ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8080/healthz || exit 1"]
		intervalSeconds: 15
	}
	route: {
		loadBalancer: "lb%02[2]d"
		paths: ["/%[1]s/*"]
		healthCheck: {path: "/healthz", healthyThreshold: 2}
	}
	scale: {min: *2 | int, max: 12, cpuTarget: 60, requestsPerTarget: 800}
	alarms: {
		highCPU: {metric: "CPUUtilization", above: 85, forMinutes: 5}
		errors5xx: {metric: "HTTPCode_Target_5XX_Count", above: 25, forMinutes: 3}
	}
	deploy: rollbackOnAlarms: ["errors5xx"]
	permissions: [{
		actions: ["s3:GetObject"]
		resources: ["arn:aws:s3:::bench-assets/%[1]s/*"]
	}]
`, name, k/servicesPerLB)
	} else {
		cluster, platform := "main", "linux/amd64"
		if i%4 == 3 {
			cluster, platform = "batch", "linux/arm64"
		}
		fmt.Fprintf(&b, `	cluster:  %[2]q
	platform: %[3]q
	cpu:      1024
	memory:   2048
	command: ["/app/%[1]s", "--queue", %[1]q]
	secrets: API_TOKEN: secretsManager: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:%[1]s-token"
	scale: {min: *1 | int, max: 8, cpuTarget: 70}
	sidecars: "log-router": {
		image:  "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0"
		cpu:    64
		memory: 128
	}
	permissions: [{
		actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
		resources: ["arn:aws:sqs:eu-west-1:*:%[1]s"]
	}]
`, name, cluster, platform)
	}
	b.WriteString("}\n")
	for j, e := range envs {
		acct := strings.Repeat(fmt.Sprint(j+1), 12)
		fmt.Fprintf(&b, "\nenvironments: %s: services: %s: {\n", e, name)
		fmt.Fprintf(&b, "\timage: \"%s.dkr.ecr.eu-west-1.amazonaws.com/%s:1.%d.%d\"\n", acct, name, i%10, j)
		if i%2 == 0 {
			fmt.Fprintf(&b, "\troute: host: \"%s.example.com\"\n", e)
		}
		if e == prod {
			fmt.Fprintf(&b, "\tscale: min: %d\n", 2+i%3)
		} else {
			b.WriteString("\tscale: min: 1\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}
