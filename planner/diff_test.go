package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

var testScope = provider.Scope{Project: "shop", Environment: "prod", Account: "222222222222", Region: "eu-west-1"}

func ownTags(addr string, extra ...string) map[string]string {
	t := map[string]string{graph.TagProject: "shop", graph.TagEnvironment: "prod", graph.TagAddress: addr}
	for i := 0; i+1 < len(extra); i += 2 {
		t[extra[i]] = extra[i+1]
	}
	return t
}

func res(addr, typ string, props map[string]any, deps ...string) *graph.Resource {
	r := &graph.Resource{Address: addr, Type: typ, Properties: props, DependsOn: deps}
	if t := catalog.MustLookup(typ); t.Tagged {
		r.Tags = ownTags(addr)
	}
	return r
}

func obs(addr, typ, id string, props map[string]any, attrs map[string]string) *provider.Observed {
	o := &provider.Observed{Address: addr, Type: typ, ID: id, Properties: props, Attributes: attrs}
	if t := catalog.MustLookup(typ); t.Tagged {
		o.Tags = ownTags(addr)
	}
	return o
}

func mustDiff(t *testing.T, g *graph.Graph, live []*provider.Observed) *Plan {
	t.Helper()
	g.Project, g.Environment = "shop", "prod"
	g.Sort()
	p, err := Diff(g, live, testScope, Options{Provider: "test", GantryVersion: "test",
		Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func changeOf(t *testing.T, p *Plan, addr string) *Change {
	t.Helper()
	c := p.Change(addr)
	if c == nil {
		t.Fatalf("no change for %s", addr)
	}
	return c
}

// taskDefinition is what the compiler emits for a service's task.
func taskDefinition(image string, env map[string]any) map[string]any {
	var envList []any
	for k, v := range env {
		envList = append(envList, map[string]any{"Name": k, "Value": v})
	}
	return map[string]any{
		"Family":                  "shop-prod-api",
		"Cpu":                     "256",
		"Memory":                  "512",
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []any{"FARGATE"},
		"RuntimePlatform":         map[string]any{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
		"ExecutionRoleArn":        graph.Ref{Address: "service/api/execution-role", Attribute: "Arn"},
		"ContainerDefinitions": []any{map[string]any{
			"Name":         "api",
			"Image":        image,
			"Essential":    true,
			"PortMappings": []any{map[string]any{"ContainerPort": 8080, "HostPort": 8080, "Protocol": "tcp"}},
			"Environment":  envList,
			"Secrets":      []any{map[string]any{"Name": "DB", "ValueFrom": "arn:aws:ssm:eu-west-1:222222222222:parameter/shop/db"}},
			"HealthCheck":  map[string]any{"Command": []any{"CMD-SHELL", "true"}, "Interval": 15},
			"LogConfiguration": map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
				"awslogs-group": "/ecs/shop-prod-api", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "ecs"}},
		}},
	}
}

// liveTaskDefinition is the same task definition as DescribeTaskDefinition
// returns it: defaults filled, sets reordered, read-only fields present.
func liveTaskDefinition(image string, env map[string]any, order []string) map[string]any {
	var envList []any
	for _, k := range order {
		envList = append(envList, map[string]any{"Name": k, "Value": env[k]})
	}
	return map[string]any{
		"Family":                  "shop-prod-api",
		"TaskDefinitionArn":       "arn:aws:ecs:eu-west-1:222222222222:task-definition/shop-prod-api:7",
		"Revision":                7.0,
		"Status":                  "ACTIVE",
		"Compatibilities":         []any{"EC2", "FARGATE"},
		"RequiresAttributes":      []any{map[string]any{"Name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}},
		"Cpu":                     "256",
		"Memory":                  "512",
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []any{"FARGATE"},
		"RuntimePlatform":         map[string]any{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
		"ExecutionRoleArn":        "arn:aws:iam::222222222222:role/shop-prod-api-execution",
		"Volumes":                 []any{},
		"PlacementConstraints":    []any{},
		"ContainerDefinitions": []any{map[string]any{
			"Name":           "api",
			"Image":          image,
			"Cpu":            0,
			"Essential":      true,
			"PortMappings":   []any{map[string]any{"ContainerPort": 8080.0, "HostPort": 8080.0, "Protocol": "tcp"}},
			"Environment":    envList,
			"Secrets":        []any{map[string]any{"Name": "DB", "ValueFrom": "arn:aws:ssm:eu-west-1:222222222222:parameter/shop/db"}},
			"MountPoints":    []any{},
			"VolumesFrom":    []any{},
			"SystemControls": []any{},
			"HealthCheck": map[string]any{"Command": []any{"CMD-SHELL", "true"}, "Interval": 15.0,
				"Timeout": 5.0, "Retries": 3.0},
			"LogConfiguration": map[string]any{"LogDriver": "awslogs", "SecretOptions": []any{}, "Options": map[string]any{
				"awslogs-stream-prefix": "ecs", "awslogs-group": "/ecs/shop-prod-api", "awslogs-region": "eu-west-1"}},
		}},
	}
}

var tdArn = "arn:aws:ecs:eu-west-1:222222222222:task-definition/shop-prod-api:7"

func serviceProps() map[string]any {
	return map[string]any{
		"ServiceName":    "shop-prod-api",
		"Cluster":        graph.Ref{Address: "cluster/main", Attribute: "Arn"},
		"TaskDefinition": graph.Ref{Address: "service/api/task-definition", Attribute: "TaskDefinitionArn"},
		"DesiredCount":   2,
		"CapacityProviderStrategy": []any{
			map[string]any{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
			map[string]any{"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
		},
		"DeploymentConfiguration": map[string]any{
			"MinimumHealthyPercent":    100,
			"MaximumPercent":           200,
			"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
		},
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
			"AssignPublicIp": "DISABLED",
			"Subnets":        []any{"subnet-1", "subnet-2", "subnet-3"},
		}},
		"PropagateTags":        "SERVICE",
		"EnableECSManagedTags": true,
		"PlatformVersion":      "LATEST",
	}
}

// liveService is the service as DescribeServices reads back.
func liveService(desiredCount float64) map[string]any {
	return map[string]any{
		"ServiceName":    "shop-prod-api",
		"ServiceArn":     "arn:aws:ecs:eu-west-1:222222222222:service/shop-prod-main/shop-prod-api",
		"Cluster":        "arn:aws:ecs:eu-west-1:222222222222:cluster/shop-prod-main",
		"TaskDefinition": tdArn,
		"DesiredCount":   desiredCount,
		"CapacityProviderStrategy": []any{
			map[string]any{"CapacityProvider": "FARGATE_SPOT", "Base": 0.0, "Weight": 3.0},
			map[string]any{"CapacityProvider": "FARGATE", "Base": 1.0, "Weight": 1.0},
		},
		"DeploymentConfiguration": map[string]any{
			"MinimumHealthyPercent":    100.0,
			"MaximumPercent":           200.0,
			"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			"Alarms":                   map[string]any{"AlarmNames": []any{}, "Enable": false, "Rollback": false},
			"Strategy":                 "ROLLING",
		},
		"DeploymentController": map[string]any{"Type": "ECS"},
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
			"AssignPublicIp": "DISABLED",
			"Subnets":        []any{"subnet-3", "subnet-1", "subnet-2"},
			"SecurityGroups": []any{},
		}},
		"SchedulingStrategy":            "REPLICA",
		"PropagateTags":                 "SERVICE",
		"EnableECSManagedTags":          true,
		"EnableExecuteCommand":          false,
		"HealthCheckGracePeriodSeconds": 0.0,
		"PlatformVersion":               "LATEST",
		"Role":                          "arn:aws:iam::222222222222:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
	}
}

// ecsWorld is a cluster, a role, a task definition and a service, desired
// and live, identical but for what AWS fills in and reorders.
func ecsWorld(image string, env map[string]any, withScaling bool) (*graph.Graph, []*provider.Observed) {
	g := &graph.Graph{Resources: []*graph.Resource{
		res("cluster/main", catalog.Cluster, map[string]any{"ClusterName": "shop-prod-main",
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}}}),
		res("service/api/execution-role", catalog.IAMRole, map[string]any{
			"RoleName": "shop-prod-api-execution",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"},
				"Action": "sts:AssumeRole"}},
			"Policies": []any{map[string]any{"PolicyName": "logs", "PolicyDocument": map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{
					map[string]any{"Effect": "Allow", "Action": []any{"logs:PutLogEvents", "logs:CreateLogStream"},
						"Resource": "arn:aws:logs:eu-west-1:222222222222:log-group:/ecs/shop-prod-api:*"},
					map[string]any{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
				}}}},
		}),
		res("service/api/task-definition", catalog.TaskDefinition, taskDefinition(image, env)),
		res("service/api", catalog.Service, serviceProps()),
	}}
	policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": []any{"*"}},
		map[string]any{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": []any{"arn:aws:logs:eu-west-1:222222222222:log-group:/ecs/shop-prod-api:*"}},
	}})
	trust := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`)
	var order []string
	for k := range env {
		order = append([]string{k}, order...)
	}
	live := []*provider.Observed{
		obs("cluster/main", catalog.Cluster, "shop-prod-main", map[string]any{"ClusterName": "shop-prod-main",
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}}},
			map[string]string{"Arn": "arn:aws:ecs:eu-west-1:222222222222:cluster/shop-prod-main"}),
		obs("service/api/execution-role", catalog.IAMRole, "shop-prod-api-execution", map[string]any{
			"RoleName": "shop-prod-api-execution", "Path": "/", "MaxSessionDuration": 3600.0,
			"AssumeRolePolicyDocument": trust,
			"Policies":                 []any{map[string]any{"PolicyName": "logs", "PolicyDocument": string(policy)}},
			"ManagedPolicyArns":        []any{},
		}, map[string]string{"Arn": "arn:aws:iam::222222222222:role/shop-prod-api-execution", "RoleId": "AROA1"}),
		obs("service/api/task-definition", catalog.TaskDefinition, tdArn, liveTaskDefinition("api:1.0", env, order),
			map[string]string{"TaskDefinitionArn": tdArn}),
		obs("service/api", catalog.Service, "arn:aws:ecs:eu-west-1:222222222222:service/shop-prod-main/shop-prod-api",
			liveService(2), map[string]string{"ServiceArn": "arn:aws:ecs:eu-west-1:222222222222:service/shop-prod-main/shop-prod-api", "Name": "shop-prod-api"}),
	}
	if withScaling {
		g.Resources = append(g.Resources, res("service/api/scalable-target", catalog.ScalableTarget, map[string]any{
			"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
			"ResourceId": "service/shop-prod-main/shop-prod-api", "MinCapacity": 2, "MaxCapacity": 8,
		}, "service/api"))
		live = append(live, obs("service/api/scalable-target", catalog.ScalableTarget,
			"service/shop-prod-main/shop-prod-api|ecs:service:DesiredCount|ecs", map[string]any{
				"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
				"ResourceId": "service/shop-prod-main/shop-prod-api", "MinCapacity": 2.0, "MaxCapacity": 8.0,
				"RoleARN":        "arn:aws:iam::222222222222:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
				"SuspendedState": map[string]any{"DynamicScalingInSuspended": false},
			}, map[string]string{"Id": "service/shop-prod-main/shop-prod-api|ecs:service:DesiredCount|ecs"}))
	}
	return g, live
}

var env3 = map[string]any{"LOG_LEVEL": "info", "HTTP_ADDR": ":8080", "MODE": "prod"}

func TestQuietWhenAWSFillsDefaultsAndReorders(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	p := mustDiff(t, g, live)
	for _, c := range p.Changes {
		if c.Action != NoOp {
			t.Errorf("%s: %s %v", c.Address, c.Action, c.Diffs)
		}
	}
	if p.HasChanges() {
		t.Fatalf("want no changes, got %s", summaryLine(p))
	}
}

func TestImageChangeIsNewRevisionAndServiceUpdate(t *testing.T) {
	g, live := ecsWorld("api:2.0", env3, false)
	p := mustDiff(t, g, live)
	td := changeOf(t, p, "service/api/task-definition")
	if td.Action != Update || td.Impact != ImpactRevision {
		t.Fatalf("task definition: %s %s, want update/new revision", td.Action, td.Impact)
	}
	if want := []PropertyDiff{{Path: "ContainerDefinitions[api].Image", Before: "api:1.0", After: "api:2.0"}}; !cmp.Equal(td.Diffs, want) {
		t.Errorf("task definition diffs:\n%s", cmp.Diff(want, td.Diffs))
	}
	svc := changeOf(t, p, "service/api")
	if svc.Action != Update || svc.Impact != ImpactNewRevision {
		t.Fatalf("service: %s %s, want update/%s", svc.Action, svc.Impact, ImpactNewRevision)
	}
	if want := []PropertyDiff{{Path: "TaskDefinition", Before: "shop-prod-api:7", After: NewRevision}}; !cmp.Equal(svc.Diffs, want) {
		t.Errorf("service diffs:\n%s", cmp.Diff(want, svc.Diffs))
	}
	if s := p.Summary(); s[Update] != 2 || s[Replace] != 0 || s[NoOp] != 2 {
		t.Errorf("summary %v", s)
	}
}

func TestDesiredCountOwnedByAutoscaling(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, true)
	live[3].Properties["DesiredCount"] = 7.0 // autoscaling scaled out
	p := mustDiff(t, g, live)
	if c := changeOf(t, p, "service/api"); c.Action != NoOp {
		t.Fatalf("autoscaled service: %s %v, want noop", c.Action, c.Diffs)
	} else if !cmp.Equal(c.Owned, []string{"DesiredCount"}) {
		t.Errorf("owned %v", c.Owned)
	}
	// Without a scalable target, the count is gantry's.
	g, live = ecsWorld("api:1.0", env3, false)
	live[3].Properties["DesiredCount"] = 7.0
	p = mustDiff(t, g, live)
	c := changeOf(t, p, "service/api")
	if c.Action != Update || c.Impact != ImpactInPlace || len(c.Diffs) != 1 || c.Diffs[0].Path != "DesiredCount" {
		t.Fatalf("fixed-count service: %s %s %v", c.Action, c.Impact, c.Diffs)
	}
}

func TestSensitiveValuesMaskedEverywhere(t *testing.T) {
	const secret = "hunter2-very-secret"
	env := map[string]any{"LOG_LEVEL": "info", "TOKEN": graph.Sensitive{Value: "new-" + secret}}
	g, live := ecsWorld("api:1.0", env, false)
	// Live holds the old secret, and a removed variable that may have been sensitive.
	cd := live[2].Properties["ContainerDefinitions"].([]any)[0].(map[string]any)
	cd["Environment"] = []any{
		map[string]any{"Name": "TOKEN", "Value": "old-" + secret},
		map[string]any{"Name": "OLD_PASSWORD", "Value": "gone-" + secret},
		map[string]any{"Name": "LOG_LEVEL", "Value": "info"},
	}
	p := mustDiff(t, g, live)
	td := changeOf(t, p, "service/api/task-definition")
	if td.Action != Update {
		t.Fatalf("want update, got %s", td.Action)
	}
	var buf bytes.Buffer
	for _, f := range Formats {
		if err := Render(&buf, p, f, RenderOptions{IncludeNoOp: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Encode(&buf, &Plan{Changes: p.Changes, Scope: p.Scope}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), secret) {
		t.Fatalf("a sensitive value leaked into a rendering:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "Environment[TOKEN].Value") || !strings.Contains(buf.String(), Masked) {
		t.Errorf("the masked change is not shown:\n%s", buf.String())
	}
	// An unchanged sensitive value is no change at all.
	env = map[string]any{"TOKEN": graph.Sensitive{Value: secret}}
	g, live = ecsWorld("api:1.0", env, false)
	if p := mustDiff(t, g, live); p.HasChanges() {
		t.Errorf("unchanged sensitive value planned a change: %v", p.Change("service/api/task-definition").Diffs)
	}
}

func TestDeletionsOfOwnedResourcesInReverseOrder(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	live = append(live,
		obs("service/old", catalog.Service, "old-svc", map[string]any{"ServiceName": "old"}, nil),
		obs("service/old/target-group", catalog.TargetGroup, "tg-arn", map[string]any{"Name": "old"}, nil),
		obs("service/old/rule-https", catalog.ListenerRule, "rule-arn", map[string]any{"Priority": 5.0}, nil),
		obs("service/old/task-role", catalog.IAMRole, "old-role", map[string]any{"RoleName": "old"}, nil),
	)
	// Not ours: another environment's resource the provider listed by mistake.
	stray := obs("service/stray", catalog.Service, "stray", map[string]any{}, nil)
	stray.Tags[graph.TagEnvironment] = "staging"
	live = append(live, stray)
	pr := &fakeProvider{live: live}
	read, err := Read(t.Context(), pr, testScope)
	if err != nil {
		t.Fatal(err)
	}
	p := mustDiff(t, g, read)
	var deletes []string
	for _, c := range p.Changes {
		if c.Action == Delete {
			deletes = append(deletes, c.Address)
			if c.Cause != CauseRemoved || c.Fingerprint == "" || c.LiveID == "" {
				t.Errorf("%s: cause %q fingerprint %q id %q", c.Address, c.Cause, c.Fingerprint, c.LiveID)
			}
		}
	}
	want := []string{"service/old", "service/old/rule-https", "service/old/target-group", "service/old/task-role"}
	if !cmp.Equal(deletes, want) {
		t.Errorf("deletions in order:\n%s", cmp.Diff(want, deletes))
	}
	if p.Change("service/stray") != nil {
		t.Error("a resource of another environment was planned")
	}
	// Deletions come last.
	if last := p.Changes[len(p.Changes)-1]; last.Action != Delete {
		t.Errorf("last change %s is %s", last.Address, last.Action)
	}
}

func TestReplacementListsWhatForcesIt(t *testing.T) {
	tg := func(port any) map[string]any {
		return map[string]any{"Name": "shop-prod-api", "Port": port, "Protocol": "HTTP", "TargetType": "ip",
			"VpcId": "vpc-1", "HealthCheckPath": "/healthz",
			"TargetGroupAttributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}}}
	}
	g := &graph.Graph{Resources: []*graph.Resource{res("service/api/target-group", catalog.TargetGroup, tg(9090))}}
	liveProps := tg(8080.0)
	liveProps["TargetGroupAttributes"] = []any{
		map[string]any{"Key": "stickiness.enabled", "Value": "false"},
		map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
		map[string]any{"Key": "some.future.attribute", "Value": "x"},
	}
	live := []*provider.Observed{obs("service/api/target-group", catalog.TargetGroup, "arn:tg", liveProps, nil)}
	p := mustDiff(t, g, live)
	c := changeOf(t, p, "service/api/target-group")
	if c.Action != Replace || !cmp.Equal(c.ForceNew, []string{"Port"}) || c.Impact != ImpactReplaceDeleteFirst {
		t.Fatalf("got %s %v %s, want replace [Port] %s", c.Action, c.ForceNew, c.Impact, ImpactReplaceDeleteFirst)
	}
	if want := []PropertyDiff{{Path: "Port", Before: 8080.0, After: 9090.0, ForceNew: true}}; !cmp.Equal(c.Diffs, want) {
		t.Errorf("diffs:\n%s", cmp.Diff(want, c.Diffs))
	}
}

func TestCauseFromAppliedHash(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	g.Project, g.Environment = "shop", "prod"
	g.Sort()
	cluster := g.Get("cluster/main")
	applied := AppliedHash(catalog.Cluster, cluster.Properties, cluster.Tags, nil)

	// Someone turned Container Insights off in the console: drift.
	live[0].Tags[TagApplied] = applied
	live[0].Properties["ClusterSettings"] = []any{map[string]any{"Name": "containerInsights", "Value": "disabled"}}
	if c := changeOf(t, mustDiff(t, g, live), "cluster/main"); c.Action != Update || c.Cause != CauseDrift {
		t.Errorf("console edit: %s cause %q, want update drift", c.Action, c.Cause)
	}
	// The configuration changed, live is as applied: config.
	g2, live2 := ecsWorld("api:1.0", env3, false)
	live2[0].Tags[TagApplied] = applied
	g2.Resources[0].Properties["ClusterSettings"] = []any{map[string]any{"Name": "containerInsights", "Value": "disabled"}}
	if c := changeOf(t, mustDiff(t, g2, live2), "cluster/main"); c.Cause != CauseConfig {
		t.Errorf("config change: cause %q, want config", c.Cause)
	}
	// Both moved.
	live2[0].Properties["ClusterSettings"] = []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}}
	if c := changeOf(t, mustDiff(t, g2, live2), "cluster/main"); c.Cause != CauseBoth {
		t.Errorf("both: cause %q, want %q", c.Cause, CauseBoth)
	}
	// No tag: unknown.
	delete(live2[0].Tags, TagApplied)
	if c := changeOf(t, mustDiff(t, g2, live2), "cluster/main"); c.Cause != CauseUnknown {
		t.Errorf("untagged: cause %q, want unknown", c.Cause)
	}
	// The tag itself is never a diff.
	g3, live3 := ecsWorld("api:1.0", env3, false)
	live3[0].Tags[TagApplied] = "whatever"
	if p := mustDiff(t, g3, live3); p.HasChanges() {
		t.Errorf("gantry:applied tag was diffed")
	}
}

func TestReferencesToCreatedResourcesAreKnownAfterApply(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	live = live[1:] // the cluster does not exist yet
	p := mustDiff(t, g, live)
	if c := changeOf(t, p, "cluster/main"); c.Action != Create || c.Cause != CauseNew {
		t.Fatalf("cluster: %s %s", c.Action, c.Cause)
	}
	c := changeOf(t, p, "service/api")
	// Cluster is ForceNew: a service moving to a new cluster is replaced.
	if c.Action != Replace || !cmp.Equal(c.ForceNew, []string{"Cluster"}) {
		t.Fatalf("service: %s %v", c.Action, c.ForceNew)
	}
	if c.Diffs[0].After != KnownAfterApply {
		t.Errorf("after %v, want %q", c.Diffs[0].After, KnownAfterApply)
	}
}

func TestFingerprintIgnoresOrderAndOwnedProperties(t *testing.T) {
	_, a := ecsWorld("api:1.0", env3, false)
	_, b := ecsWorld("api:1.0", env3, false)
	b[3].Properties = liveService(9) // only DesiredCount differs
	list := b[3].Properties["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
	list["Subnets"] = []any{"subnet-2", "subnet-3", "subnet-1"}
	if Fingerprint(a[3]) != Fingerprint(b[3]) {
		t.Error("fingerprint changed with set order or an owned property")
	}
	b[3].Properties["PlatformVersion"] = "1.4.0"
	if Fingerprint(a[3]) == Fingerprint(b[3]) {
		t.Error("fingerprint did not change with a property")
	}
}

func TestPinnedPriorities(t *testing.T) {
	live := []*provider.Observed{
		obs("service/api/rule-https", catalog.ListenerRule, "r1", map[string]any{"Priority": 10342.0}, nil),
		obs("service/web/rule-https", catalog.ListenerRule, "r2", map[string]any{"Priority": "20"}, nil),
		obs("service/web", catalog.Service, "s", map[string]any{"DesiredCount": 3.0}, nil),
	}
	want := map[string]int{"service/api/rule-https": 10342, "service/web/rule-https": 20}
	if got := Pinned(live); !cmp.Equal(got, want) {
		t.Errorf("%s", cmp.Diff(want, got))
	}
}

type fakeProvider struct {
	provider.Provider
	live []*provider.Observed
}

func (f *fakeProvider) Name() string { return "fake" }
func (f *fakeProvider) ListOwned(_ context.Context, _ provider.Scope) ([]*provider.Observed, error) {
	return f.live, nil
}
