package compiler

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

func TestCompileDeterministic(t *testing.T) {
	_, first := compileJSON(t, testEnv(), "shop", CompileOptions{})
	for i := 0; i < 10; i++ {
		// A fresh environment each time: Go randomises map iteration, so
		// any output that depended on it would differ between runs.
		_, again := compileJSON(t, testEnv(), "shop", CompileOptions{})
		if !bytes.Equal(first, again) {
			t.Fatalf("compile %d differs from the first compile", i+2)
		}
	}
}

func TestCompileAddresses(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	var got []string
	for _, r := range g.Resources {
		got = append(got, r.Address+" "+r.Type)
	}
	want := []string{
		"cluster/batch AWS::ECS::Cluster",
		"cluster/batch/auto-scaling-group AWS::AutoScaling::AutoScalingGroup",
		"cluster/batch/capacity-provider AWS::ECS::CapacityProvider",
		"cluster/batch/capacity-provider-associations AWS::ECS::ClusterCapacityProviderAssociations",
		"cluster/batch/instance-profile AWS::IAM::InstanceProfile",
		"cluster/batch/instance-role AWS::IAM::Role",
		"cluster/batch/launch-template AWS::EC2::LaunchTemplate",
		"cluster/batch/security-group AWS::EC2::SecurityGroup",
		"cluster/main AWS::ECS::Cluster",
		"load-balancer/internal AWS::ElasticLoadBalancingV2::LoadBalancer",
		"load-balancer/internal/listener-http AWS::ElasticLoadBalancingV2::Listener",
		"load-balancer/internal/security-group AWS::EC2::SecurityGroup",
		"load-balancer/public AWS::ElasticLoadBalancingV2::LoadBalancer",
		"load-balancer/public/listener-http AWS::ElasticLoadBalancingV2::Listener",
		"load-balancer/public/listener-https AWS::ElasticLoadBalancingV2::Listener",
		"load-balancer/public/security-group AWS::EC2::SecurityGroup",
		"repository/api AWS::ECR::Repository",
		"repository/worker AWS::ECR::Repository",
		"service/admin AWS::ECS::Service",
		"service/admin/execution-role AWS::IAM::Role",
		"service/admin/log-group AWS::Logs::LogGroup",
		"service/admin/rule-http AWS::ElasticLoadBalancingV2::ListenerRule",
		"service/admin/security-group AWS::EC2::SecurityGroup",
		"service/admin/target-group AWS::ElasticLoadBalancingV2::TargetGroup",
		"service/admin/task-definition AWS::ECS::TaskDefinition",
		"service/admin/task-role AWS::IAM::Role",
		"service/api AWS::ECS::Service",
		"service/api/alarm/errors5xx AWS::CloudWatch::Alarm",
		"service/api/alarm/highCPU AWS::CloudWatch::Alarm",
		"service/api/execution-role AWS::IAM::Role",
		"service/api/log-group AWS::Logs::LogGroup",
		"service/api/rule-https AWS::ElasticLoadBalancingV2::ListenerRule",
		"service/api/scalable-target AWS::ApplicationAutoScaling::ScalableTarget",
		"service/api/scaling/cpu AWS::ApplicationAutoScaling::ScalingPolicy",
		"service/api/scaling/memory AWS::ApplicationAutoScaling::ScalingPolicy",
		"service/api/scaling/requests AWS::ApplicationAutoScaling::ScalingPolicy",
		"service/api/security-group AWS::EC2::SecurityGroup",
		"service/api/target-group AWS::ElasticLoadBalancingV2::TargetGroup",
		"service/api/task-definition AWS::ECS::TaskDefinition",
		"service/api/task-role AWS::IAM::Role",
		"service/worker AWS::ECS::Service",
		"service/worker/execution-role AWS::IAM::Role",
		"service/worker/log-group AWS::Logs::LogGroup",
		"service/worker/scalable-target AWS::ApplicationAutoScaling::ScalableTarget",
		"service/worker/scaling/cpu AWS::ApplicationAutoScaling::ScalingPolicy",
		"service/worker/security-group AWS::EC2::SecurityGroup",
		"service/worker/task-definition AWS::ECS::TaskDefinition",
		"service/worker/task-role AWS::IAM::Role",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addresses:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// stageOf is the apply stage of each type the compiler emits, from the
// catalog when the type is registered there, else from the stage comments
// in catalog/catalog.go (the catalog's registrations come with the
// planner).
func stageOf(t *testing.T, typ string) catalog.Stage {
	if ct, ok := catalog.Lookup(typ); ok {
		return ct.Stage
	}
	stages := map[string]catalog.Stage{
		catalog.IAMRole:                      catalog.StageIdentity,
		catalog.IAMInstanceProfile:           catalog.StageIdentity,
		catalog.SecurityGroup:                catalog.StageIdentity,
		catalog.ECRRepository:                catalog.StageFoundation,
		catalog.LogGroup:                     catalog.StageFoundation,
		catalog.LoadBalancer:                 catalog.StageFoundation,
		catalog.Listener:                     catalog.StageFoundation,
		catalog.Cluster:                      catalog.StageFoundation,
		catalog.LaunchTemplate:               catalog.StageFoundation,
		catalog.AutoScalingGroup:             catalog.StageFoundation,
		catalog.CapacityProvider:             catalog.StageFoundation,
		catalog.ClusterCapacityProviderAssoc: catalog.StageFoundation,
		catalog.TaskDefinition:               catalog.StageRouting,
		catalog.TargetGroup:                  catalog.StageRouting,
		catalog.ListenerRule:                 catalog.StageRouting,
		catalog.Alarm:                        catalog.StageRouting,
		catalog.Service:                      catalog.StageServices,
		catalog.ScalableTarget:               catalog.StageScaling,
		catalog.ScalingPolicy:                catalog.StageScaling,
	}
	s, ok := stages[typ]
	if !ok {
		t.Fatalf("no stage for %s", typ)
	}
	return s
}

// checkInvariants asserts what every compiled graph must satisfy.
func checkInvariants(t *testing.T, g *graph.Graph) {
	t.Helper()
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	if !sort.SliceIsSorted(g.Resources, func(i, j int) bool { return g.Resources[i].Address < g.Resources[j].Address }) {
		t.Error("resources are not sorted by address")
	}
	idx := g.Index()
	for _, r := range g.Resources {
		// Every dependency is in the same or an earlier stage, so a
		// stage-by-stage apply never waits on a later stage.
		for _, d := range r.DependsOn {
			if ds, rs := stageOf(t, idx[d].Type), stageOf(t, r.Type); ds > rs {
				t.Errorf("%s (%s) depends on %s (%s), a later stage", r.Address, rs, d, ds)
			}
		}
		// Every reference is in DependsOn, and names an attribute the
		// catalog says the referenced type has (the providers fill those).
		for _, ref := range graph.Refs(r.Properties) {
			if !contains(r.DependsOn, ref.Address) {
				t.Errorf("%s references %s without depending on it", r.Address, ref)
			}
			if ct, ok := catalog.Lookup(idx[ref.Address].Type); ok && !contains(ct.Attributes, ref.Attribute) {
				t.Errorf("%s references %s, not an attribute of %s %v", r.Address, ref, ct.Name, ct.Attributes)
			}
		}
		if catalog.MustLookup(r.Type).Tagged {
			if r.Tags[graph.TagAddress] != r.Address || r.Tags[graph.TagProject] != g.Project || r.Tags[graph.TagEnvironment] != g.Environment {
				t.Errorf("%s: ownership tags %v", r.Address, r.Tags)
			}
		} else if r.Tags != nil {
			t.Errorf("%s: %s takes no tags, got %v", r.Address, r.Type, r.Tags)
		}
		checkNameLimits(t, r)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkNameLimits asserts the AWS length limits of every name property.
func checkNameLimits(t *testing.T, r *graph.Resource) {
	t.Helper()
	limits := map[string]map[string]int{
		catalog.LoadBalancer:       {"Name": maxLoadBalancerName},
		catalog.TargetGroup:        {"Name": maxTargetGroupName},
		catalog.IAMRole:            {"RoleName": maxRoleName},
		catalog.IAMInstanceProfile: {"InstanceProfileName": maxInstanceProfileName},
		catalog.LaunchTemplate:     {"LaunchTemplateName": maxLaunchTemplateName},
		catalog.SecurityGroup:      {"GroupName": maxSecurityGroupName},
		catalog.Cluster:            {"ClusterName": maxClusterName},
		catalog.Service:            {"ServiceName": maxServiceName},
		catalog.TaskDefinition:     {"Family": maxFamilyName},
		catalog.CapacityProvider:   {"Name": maxCapacityProviderName},
		catalog.AutoScalingGroup:   {"AutoScalingGroupName": maxASGName},
		catalog.Alarm:              {"AlarmName": maxAlarmName},
		catalog.ScalingPolicy:      {"PolicyName": maxScalingPolicyName},
		catalog.LogGroup:           {"LogGroupName": maxLogGroupName},
		catalog.ECRRepository:      {"RepositoryName": maxRepositoryName},
	}
	for prop, max := range limits[r.Type] {
		name, _ := r.Properties[prop].(string)
		if name == "" || len(name) > max {
			t.Errorf("%s: %s %q is empty or longer than %d", r.Address, prop, name, max)
		}
		if (r.Type == catalog.LoadBalancer || r.Type == catalog.TargetGroup) && (strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-")) {
			t.Errorf("%s: %s %q begins or ends with a hyphen", r.Address, prop, name)
		}
	}
}

func TestCompileInvariants(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	checkInvariants(t, g)
	if len(g.Resources) == 0 {
		t.Fatal("empty graph")
	}
}

// TestCompileLongNames compiles names at the config's length limits: the
// AWS limits hold, and two services sharing a 28-character prefix still get
// distinct shortened names.
func TestCompileLongNames(t *testing.T) {
	env := testEnv()
	env.Name = "preproductio"         // 12, the limit
	project := "abcdefghijklmnopqrst" // 20, the limit
	long1 := strings.Repeat("s", 27) + "1"
	long2 := strings.Repeat("s", 27) + "2"
	env.LoadBalancers[1].Name = strings.Repeat("l", 28)
	for _, s := range env.Services {
		if s.Route != nil && s.Route.LoadBalancer == "public" {
			s.Route.LoadBalancer = env.LoadBalancers[1].Name
		}
	}
	env.Services[0].Name = long1
	env.Services[1].Name = long2
	g, _ := compileJSON(t, env, project, CompileOptions{})
	checkInvariants(t, g)
	tg1 := props(t, g, servicePart(long1, "target-group"))["Name"].(string)
	tg2 := props(t, g, servicePart(long2, "target-group"))["Name"].(string)
	r1 := props(t, g, servicePart(long1, "execution-role"))["RoleName"].(string)
	r2 := props(t, g, servicePart(long2, "execution-role"))["RoleName"].(string)
	if tg1 == tg2 || r1 == r2 {
		t.Errorf("shortened names collide: %s %s / %s %s", tg1, tg2, r1, r2)
	}
	if len(tg1) != 32 || len(r1) != 64 {
		t.Errorf("names should use the whole limit: %q (%d), %q (%d)", tg1, len(tg1), r1, len(r1))
	}
}

func TestTargetGroupNameChangesWithForceNewProperties(t *testing.T) {
	g1, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	env := testEnv()
	env.Services[0].Port = 8081
	g2, _ := compileJSON(t, env, "shop", CompileOptions{})
	n1 := props(t, g1, "service/api/target-group")["Name"]
	n2 := props(t, g2, "service/api/target-group")["Name"]
	if n1 == n2 {
		t.Errorf("port change kept target group name %v", n1)
	}
	env = testEnv()
	env.Services[0].Route.DeregistrationDelaySeconds = 5 // updatable in place
	g3, _ := compileJSON(t, env, "shop", CompileOptions{})
	if n3 := props(t, g3, "service/api/target-group")["Name"]; n3 != n1 {
		t.Errorf("an in-place change renamed the target group: %v -> %v", n1, n3)
	}
}

// statements returns the policy statements of a role's only inline policy,
// by Sid (or by index when there is no Sid).
func statements(t *testing.T, role map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	pols, _ := role["Policies"].([]any)
	for _, p := range pols {
		doc := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for i, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			sid, _ := st["Sid"].(string)
			if sid == "" {
				sid = fmt.Sprint(i)
			}
			out[sid] = st
		}
	}
	return out
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestExecutionRoleLeastPrivilege(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	api := statements(t, props(t, g, "service/api/execution-role"))
	want := map[string][]string{
		"PullImagesAuth": {"*"},
		// The sidecar's image is on public ECR: nothing to grant for it.
		"PullImages":     {"arn:aws:ecr:eu-west-1:222222222222:repository/api"},
		"WriteLogs":      {"arn:aws:logs:eu-west-1:222222222222:log-group:/ecs/shop-prod-api:*"},
		"ReadParameters": {"arn:aws:ssm:eu-west-1:222222222222:parameter/proxy-token", "arn:aws:ssm:eu-west-1:222222222222:parameter/shop/api/database-url"},
		"ReadSecrets": {
			"arn:aws:secretsmanager:eu-west-1:222222222222:secret:stripe-AbCdEf",
			"arn:aws:secretsmanager:eu-west-1:222222222222:secret:stripe-AbCdEf-??????",
		},
	}
	if len(api) != len(want) {
		t.Errorf("api execution role statements: %v", api)
	}
	for sid, res := range want {
		st, ok := api[sid]
		if !ok {
			t.Errorf("api execution role: no statement %s", sid)
			continue
		}
		if got := asStrings(st["Resource"]); !reflect.DeepEqual(got, res) {
			t.Errorf("%s resources = %v, want %v", sid, got, res)
		}
	}
	if got := asStrings(api["ReadSecrets"]["Action"]); !reflect.DeepEqual(got, []string{"secretsmanager:GetSecretValue"}) {
		t.Errorf("ReadSecrets actions = %v", got)
	}

	// admin pulls from GHCR and has no secrets: logs only.
	admin := statements(t, props(t, g, "service/admin/execution-role"))
	if len(admin) != 1 || admin["WriteLogs"] == nil {
		t.Errorf("admin execution role should only write logs: %v", admin)
	}

	// Trust: ECS tasks of this account only.
	trust := props(t, g, "service/api/task-role")["AssumeRolePolicyDocument"].(map[string]any)
	st := trust["Statement"].([]any)[0].(map[string]any)
	cond := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	if cond["aws:SourceAccount"] != "222222222222" || st["Principal"].(map[string]any)["Service"] != "ecs-tasks.amazonaws.com" {
		t.Errorf("task role trust policy: %v", st)
	}
}

func TestTaskRolePermissions(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	if _, ok := props(t, g, "service/admin/task-role")["Policies"]; ok {
		t.Error("a service without permissions got a task role policy")
	}
	api := statements(t, props(t, g, "service/api/task-role"))
	if len(api) != 1 || !reflect.DeepEqual(asStrings(api["0"]["Action"]), []string{"s3:GetObject"}) ||
		!reflect.DeepEqual(asStrings(api["0"]["Resource"]), []string{"arn:aws:s3:::assets/*"}) {
		t.Errorf("api task role: %v", api)
	}
}

func ingress(t *testing.T, g *graph.Graph, addr string) []any {
	t.Helper()
	return props(t, g, addr)["SecurityGroupIngress"].([]any)
}

func TestSecurityGroups(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	// Tasks: from their load balancer's group on their port, only.
	api := ingress(t, g, "service/api/security-group")
	if len(api) != 1 {
		t.Fatalf("api ingress: %v", api)
	}
	rule := api[0].(map[string]any)
	if rule["FromPort"] != 8080 || rule["ToPort"] != 8080 || rule["IpProtocol"] != "tcp" ||
		rule["SourceSecurityGroupId"] != (graph.Ref{Address: "load-balancer/public/security-group", Attribute: "GroupId"}) {
		t.Errorf("api ingress rule: %v", rule)
	}
	if _, open := rule["CidrIp"]; open {
		t.Error("task ingress open to a CIDR")
	}
	if w := ingress(t, g, "service/worker/security-group"); len(w) != 0 {
		t.Errorf("a service without route has ingress: %v", w)
	}
	if c := ingress(t, g, "cluster/batch/security-group"); len(c) != 0 {
		t.Errorf("container instances have ingress: %v", c)
	}
	// Load balancers: the listener ports from ingressCidrs, only.
	var got []string
	for _, r := range ingress(t, g, "load-balancer/public/security-group") {
		r := r.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v-%v", r["CidrIp"], r["FromPort"], r["ToPort"]))
	}
	if want := []string{"0.0.0.0/0:80-80", "0.0.0.0/0:443-443"}; !reflect.DeepEqual(got, want) {
		t.Errorf("public LB ingress %v, want %v", got, want)
	}
	got = nil
	for _, r := range ingress(t, g, "load-balancer/internal/security-group") {
		r := r.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v-%v", r["CidrIp"], r["FromPort"], r["ToPort"]))
	}
	if want := []string{"10.0.0.0/8:80-80"}; !reflect.DeepEqual(got, want) {
		t.Errorf("internal LB ingress %v, want %v", got, want)
	}
	if s := props(t, g, "load-balancer/internal")["Subnets"]; !reflect.DeepEqual(s, strs(testEnv().Network.PrivateSubnets)) {
		t.Errorf("internal load balancer in %v, want the private subnets", s)
	}
}

func TestEC2Cluster(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	data := props(t, g, "cluster/batch/launch-template")["LaunchTemplateData"].(map[string]any)
	if data["ImageId"] != "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id" {
		t.Errorf("ImageId %v", data["ImageId"])
	}
	ud, err := base64.StdEncoding.DecodeString(data["UserData"].(string))
	if err != nil || !strings.Contains(string(ud), "ECS_CLUSTER=shop-prod-batch\n") {
		t.Errorf("UserData %q (%v)", ud, err)
	}
	if md := data["MetadataOptions"].(map[string]any); md["HttpTokens"] != "required" {
		t.Errorf("IMDSv2 not required: %v", md)
	}
	ebs := data["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)
	if ebs["VolumeSize"] != 40 || ebs["VolumeType"] != "gp3" || ebs["Encrypted"] != true {
		t.Errorf("root volume %v", ebs)
	}
	asg := g.Get("cluster/batch/auto-scaling-group")
	if asg.Properties["MinSize"] != "0" || asg.Properties["MaxSize"] != "6" || asg.Properties["NewInstancesProtectedFromScaleIn"] != true {
		t.Errorf("ASG %v", asg.Properties)
	}
	if v, ok := asg.Tags["AmazonECSManaged"]; !ok || v != "" {
		t.Errorf("ASG tags %v", asg.Tags)
	}
	cp := props(t, g, "cluster/batch/capacity-provider")["AutoScalingGroupProvider"].(map[string]any)
	if cp["ManagedTerminationProtection"] != "ENABLED" || cp["ManagedScaling"].(map[string]any)["TargetCapacity"] != 90 {
		t.Errorf("capacity provider %v", cp)
	}
	w := g.Get("service/worker")
	strategy := w.Properties["CapacityProviderStrategy"].([]any)[0].(map[string]any)
	if strategy["CapacityProvider"] != "shop-prod-batch" || !contains(w.DependsOn, "cluster/batch/capacity-provider-associations") {
		t.Errorf("worker strategy %v deps %v", strategy, w.DependsOn)
	}
	if _, ok := w.Properties["PlatformVersion"]; ok {
		t.Error("EC2 service with a Fargate platform version")
	}
	td := props(t, g, "service/worker/task-definition")
	if !reflect.DeepEqual(td["RequiresCompatibilities"], l{"EC2"}) || td["RuntimePlatform"].(map[string]any)["CpuArchitecture"] != "ARM64" {
		t.Errorf("worker task definition %v %v", td["RequiresCompatibilities"], td["RuntimePlatform"])
	}
	// Fargate clusters carry their providers inline.
	main := props(t, g, "cluster/main")
	if !reflect.DeepEqual(main["CapacityProviders"], l{"FARGATE", "FARGATE_SPOT"}) {
		t.Errorf("main capacity providers %v", main["CapacityProviders"])
	}
	if _, ok := props(t, g, "cluster/batch")["CapacityProviders"]; ok {
		t.Error("EC2 cluster lists capacity providers inline as well as through associations")
	}
}

func TestArchitectureMismatch(t *testing.T) {
	env := testEnv()
	env.Services[2].Platform = "linux/amd64" // worker, on the Graviton cluster
	_, err := Compile(env, "shop", CompileOptions{})
	if err == nil || !strings.Contains(err.Error(), "service worker") || !strings.Contains(err.Error(), "arm64") {
		t.Fatalf("err = %v", err)
	}
}

func TestECSService(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	api := g.Get("service/api")
	p := api.Properties
	if p["DesiredCount"] != 4 || p["PropagateTags"] != "SERVICE" || p["EnableECSManagedTags"] != true || p["HealthCheckGracePeriodSeconds"] != 60 {
		t.Errorf("api service %v", p)
	}
	net := p["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
	if net["AssignPublicIp"] != "DISABLED" || !reflect.DeepEqual(net["Subnets"], strs(testEnv().Network.PrivateSubnets)) {
		t.Errorf("api network %v", net)
	}
	dc := p["DeploymentConfiguration"].(map[string]any)
	if !reflect.DeepEqual(dc["Alarms"], m{"AlarmNames": l{"shop-prod-api-errors5xx"}, "Enable": true, "Rollback": true}) {
		t.Errorf("deployment alarms %v", dc["Alarms"])
	}
	if !reflect.DeepEqual(dc["DeploymentCircuitBreaker"], m{"Enable": true, "Rollback": true}) {
		t.Errorf("circuit breaker %v", dc["DeploymentCircuitBreaker"])
	}
	for _, d := range []string{"service/api/rule-https", "service/api/alarm/errors5xx"} {
		if !contains(api.DependsOn, d) {
			t.Errorf("api service does not depend on %s", d)
		}
	}
	// A fixed count: no scalable target.
	if g.Get("service/admin/scalable-target") != nil {
		t.Error("fixed-count service has a scalable target")
	}
	// ALB request count: ResourceLabel joins the full names.
	cfg := props(t, g, "service/api/scaling/requests")["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
	label := cfg["PredefinedMetricSpecification"].(map[string]any)["ResourceLabel"]
	want := graph.Join{Parts: []any{graph.Ref{Address: "load-balancer/public", Attribute: "LoadBalancerFullName"}, "/",
		graph.Ref{Address: "service/api/target-group", Attribute: "TargetGroupFullName"}}}
	if !reflect.DeepEqual(label, want) {
		t.Errorf("ResourceLabel %v", label)
	}
	if rid := props(t, g, "service/api/scalable-target")["ResourceId"]; rid != "service/shop-prod-main/shop-prod-api" {
		t.Errorf("ResourceId %v", rid)
	}
}

func TestAlarms(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	cpu := props(t, g, "service/api/alarm/highCPU")
	if cpu["Namespace"] != "AWS/ECS" || !reflect.DeepEqual(cpu["Dimensions"], l{
		m{"Name": "ClusterName", "Value": "shop-prod-main"}, m{"Name": "ServiceName", "Value": "shop-prod-api"},
	}) || cpu["EvaluationPeriods"] != 5 || cpu["Period"] != 60 || cpu["Threshold"] != 85.0 {
		t.Errorf("highCPU %v", cpu)
	}
	errs := props(t, g, "service/api/alarm/errors5xx")
	if errs["Namespace"] != "AWS/ApplicationELB" || errs["TreatMissingData"] != "notBreaching" ||
		!reflect.DeepEqual(errs["AlarmActions"], l{"arn:aws:sns:eu-west-1:222222222222:oncall"}) {
		t.Errorf("errors5xx %v", errs)
	}
	env := testEnv()
	env.Notifications.AlarmTopic = ""
	g, _ = compileJSON(t, env, "shop", CompileOptions{})
	if _, ok := props(t, g, "service/api/alarm/errors5xx")["AlarmActions"]; ok {
		t.Error("alarm actions without a topic")
	}
}

func TestSensitiveValues(t *testing.T) {
	g, raw := compileJSON(t, testEnv(), "shop", CompileOptions{})
	if !bytes.Contains(raw, []byte(`"$sensitive": "s3cr3t"`)) {
		t.Error("sensitive value not wrapped in the graph")
	}
	masked := graphJSON(t, g.Masked())
	if bytes.Contains(masked, []byte("s3cr3t")) {
		t.Error("masked graph still shows the sensitive value")
	}
	if !bytes.Contains(graphJSON(t, g), []byte("s3cr3t")) {
		t.Error("Masked changed the original graph")
	}
}

// TestPropertiesAreJSONRoundTrip checks that the graph survives a JSON
// round trip unchanged (plan files carry it as JSON).
func TestPropertiesAreJSONRoundTrip(t *testing.T) {
	g, raw := compileJSON(t, testEnv(), "shop", CompileOptions{})
	var back graph.Graph
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if again := graphJSON(t, &back); !bytes.Equal(raw, again) {
		t.Error("JSON round trip changed the graph")
	}
	_ = g
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*config.Environment)
		want   string
	}{
		{"unknown cluster", func(e *config.Environment) { e.Services[0].Cluster = "nope" }, `service api: cluster "nope" does not exist`},
		{"route without port", func(e *config.Environment) { e.Services[0].Port = 0 }, "route needs port"},
		{"ALB alarm without route", func(e *config.Environment) {
			e.Services[2].Alarms = []*config.Alarm{{Name: "x", Metric: "RequestCount", Above: fp(1), ForMinutes: 1}}
		}, "needs a route"},
		{"rollback on unknown alarm", func(e *config.Environment) { e.Services[0].Deploy.RollbackOnAlarms = []string{"nope"} }, `no alarm "nope"`},
		{"sidecar named like service", func(e *config.Environment) { e.Services[0].Sidecars[0].Name = "api" }, "sidecar"},
		{"duplicate explicit priority", func(e *config.Environment) {
			e.Services[0].Route.Priority = 7
			e.Services[1].Route = &config.Route{LoadBalancer: "public", Paths: []string{"/x"}, Priority: 7}
		}, "both have priority 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv()
			tc.mutate(env)
			_, err := Compile(env, "shop", CompileOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
