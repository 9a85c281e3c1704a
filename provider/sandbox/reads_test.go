package sandbox

import (
	"encoding/json"
	"testing"

	"github.com/gantry-gitops/gantry/provider"
)

func liveFixture(t *testing.T, k Knobs) (*Sandbox, *applied, map[string]*provider.Observed) {
	t.Helper()
	s, _ := newSandbox(t, k)
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	return s, a, liveByAddress(t, s, testScope)
}

func at(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			mv, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", keys, k)
			}
			v = mv[k]
		case int:
			lv, ok := v.([]any)
			if !ok || k >= len(lv) {
				t.Fatalf("%v: no index %d", keys, k)
			}
			v = lv[k]
		}
	}
	return v
}

func want(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equalJSON(got, want) {
		t.Errorf("%s = %s, want %s", what, jsonString(got), jsonString(want))
	}
}

func TestTaskDefinitionDefaults(t *testing.T) {
	_, _, live := liveFixture(t, Knobs{})
	td := live["service/svc0/task-definition"].Properties
	ct := at(t, td, "ContainerDefinitions", 0).(map[string]any)
	want(t, "Cpu", ct["Cpu"], 0)
	want(t, "Essential", ct["Essential"], true)
	want(t, "MountPoints", ct["MountPoints"], []any{})
	want(t, "VolumesFrom", ct["VolumesFrom"], []any{})
	want(t, "SystemControls", ct["SystemControls"], []any{})
	want(t, "PortMappings", ct["PortMappings"], l{m{"ContainerPort": 8080, "HostPort": 8080, "Protocol": "tcp"}})
	want(t, "HealthCheck", ct["HealthCheck"], m{"Command": l{"CMD-SHELL", "true"}, "Interval": 30, "Timeout": 5, "Retries": 3})
	want(t, "Volumes", td["Volumes"], []any{})
	want(t, "PlacementConstraints", td["PlacementConstraints"], []any{})
	want(t, "Cpu (task)", td["Cpu"], "256")
	want(t, "EnableFaultInjection", td["EnableFaultInjection"], false)
}

func TestServiceDefaults(t *testing.T) {
	_, a, live := liveFixture(t, Knobs{})
	p := live["service/svc0"].Properties
	want(t, "Cluster", p["Cluster"], "arn:aws:ecs:eu-west-1:111111111111:cluster/shop-staging-main")
	want(t, "TaskDefinition", p["TaskDefinition"], a.live["service/svc0/task-definition"].ID)
	want(t, "SchedulingStrategy", p["SchedulingStrategy"], "REPLICA")
	want(t, "DeploymentController", p["DeploymentController"], m{"Type": "ECS"})
	want(t, "PlatformVersion", p["PlatformVersion"], "LATEST")
	want(t, "EnableExecuteCommand", p["EnableExecuteCommand"], false)
	want(t, "AvailabilityZoneRebalancing", p["AvailabilityZoneRebalancing"], "ENABLED")
	want(t, "DeploymentConfiguration", p["DeploymentConfiguration"], m{
		"MinimumHealthyPercent": 100, "MaximumPercent": 200, "Strategy": "ROLLING",
		"DeploymentCircuitBreaker": m{"Enable": true, "Rollback": true},
		"Alarms":                   m{"AlarmNames": l{}, "Enable": false, "Rollback": false},
	})
	want(t, "Role", p["Role"], "arn:aws:iam::111111111111:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
	want(t, "PlacementStrategies", p["PlacementStrategies"], l{})
	// PropagateTags and EnableECSManagedTags were given; a service without
	// them reads back NONE and false.
	s, _ := newSandbox(t, Knobs{})
	b := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	req := b.request(t, "service/svc0")
	delete(req.Properties, "PropagateTags")
	delete(req.Properties, "EnableECSManagedTags")
	delete(req.Properties, "CapacityProviderStrategy")
	o, err := s.Update(ctx, testScope, b.live["service/svc0"], req)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "PropagateTags", o.Properties["PropagateTags"], "NONE")
	want(t, "EnableECSManagedTags", o.Properties["EnableECSManagedTags"], false)
	// Without a strategy, the cluster's default strategy is reported.
	if got := len(o.Properties["CapacityProviderStrategy"].([]any)); got != 2 {
		t.Errorf("CapacityProviderStrategy from the cluster: %d entries, want 2", got)
	}
	want(t, "LaunchType", o.Properties["LaunchType"], nil)
}

func TestTargetGroupAndLoadBalancerDefaults(t *testing.T) {
	_, _, live := liveFixture(t, Knobs{NoShuffle: true})
	tg := live["service/svc0/target-group"].Properties
	want(t, "HealthCheckIntervalSeconds", tg["HealthCheckIntervalSeconds"], 30)
	// HTTP target group: 6 seconds (ELBv2 API Reference: CreateTargetGroup).
	want(t, "HealthCheckTimeoutSeconds", tg["HealthCheckTimeoutSeconds"], 6)
	want(t, "HealthyThresholdCount", tg["HealthyThresholdCount"], 2)
	want(t, "UnhealthyThresholdCount", tg["UnhealthyThresholdCount"], 2)
	want(t, "Matcher", tg["Matcher"], m{"HttpCode": "200"})
	want(t, "HealthCheckPort", tg["HealthCheckPort"], "traffic-port")
	want(t, "ProtocolVersion", tg["ProtocolVersion"], "HTTP1")
	attrs := keyValues(tg, "TargetGroupAttributes")
	if len(attrs) != len(targetGroupAttributeDefaults) {
		t.Errorf("%d target group attributes, want all %d", len(attrs), len(targetGroupAttributeDefaults))
	}
	want(t, "deregistration delay", attrs["deregistration_delay.timeout_seconds"], "30")
	want(t, "stickiness", attrs["stickiness.enabled"], "false")
	want(t, "algorithm", attrs["load_balancing.algorithm.type"], "round_robin")
	want(t, "slow start", attrs["slow_start.duration_seconds"], "0")

	lb := live["load-balancer/public"].Properties
	la := keyValues(lb, "LoadBalancerAttributes")
	want(t, "drop_invalid_header_fields", la["routing.http.drop_invalid_header_fields.enabled"], "true")
	want(t, "deletion_protection", la["deletion_protection.enabled"], "false")
	want(t, "http2", la["routing.http2.enabled"], "true")
	want(t, "access_logs", la["access_logs.s3.enabled"], "false")
	want(t, "IpAddressType", lb["IpAddressType"], "ipv4")

	// Listener actions as DescribeListeners returns them.
	http := live["load-balancer/public/listener-http"].Properties
	want(t, "redirect", at(t, http, "DefaultActions", 0), m{"Type": "redirect", "Order": 1, "RedirectConfig": m{
		"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}"}})
	rule := live["service/svc0/rule-https"].Properties
	fwd := at(t, rule, "Actions", 0).(map[string]any)
	want(t, "ForwardConfig", fwd["ForwardConfig"], m{
		"TargetGroups":                l{m{"TargetGroupArn": fwd["TargetGroupArn"], "Weight": 1}},
		"TargetGroupStickinessConfig": m{"Enabled": false},
	})
	cond := at(t, rule, "Conditions", 0).(map[string]any)
	want(t, "host-header Values", cond["Values"], l{"shop.example.com"})
	https := live["load-balancer/public/listener-https"].Properties
	want(t, "MutualAuthentication", https["MutualAuthentication"], m{"Mode": "off"})
}

func TestOtherDefaults(t *testing.T) {
	_, _, live := liveFixture(t, Knobs{NoShuffle: true})
	sg := live["cluster/batch/security-group"].Properties
	want(t, "default egress", sg["SecurityGroupEgress"], l{m{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}})
	tasks := live["service/svc0/security-group"].Properties
	ingress := at(t, tasks, "SecurityGroupIngress", 0).(map[string]any)
	want(t, "SourceSecurityGroupOwnerId", ingress["SourceSecurityGroupOwnerId"], "111111111111")

	role := live["service/svc0/execution-role"].Properties
	want(t, "Path", role["Path"], "/")
	want(t, "MaxSessionDuration", role["MaxSessionDuration"], 3600)
	doc, ok := role["AssumeRolePolicyDocument"].(string)
	if !ok {
		t.Fatalf("AssumeRolePolicyDocument is %T, want a JSON string", role["AssumeRolePolicyDocument"])
	}
	compact, _ := json.Marshal(trust("ecs-tasks.amazonaws.com"))
	if doc == string(compact) {
		t.Error("policy document came back textually identical")
	}
	var parsed any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil || !equalJSON(parsed, trust("ecs-tasks.amazonaws.com")) {
		t.Errorf("policy document not semantically equal: %s", doc)
	}

	alarm := live["service/svc0/alarm/errors"].Properties
	want(t, "ActionsEnabled", alarm["ActionsEnabled"], true)
	want(t, "TreatMissingData", alarm["TreatMissingData"], "notBreaching")
	want(t, "AlarmActions", alarm["AlarmActions"], l{})

	repo := live["repository/api"].Properties
	want(t, "EncryptionConfiguration", repo["EncryptionConfiguration"], m{"EncryptionType": "AES256"})
	want(t, "RegistryId", at(t, repo, "LifecyclePolicy", "RegistryId"), "111111111111")

	st := live["service/svc0/scalable-target"].Properties
	want(t, "SuspendedState", st["SuspendedState"], m{"DynamicScalingInSuspended": false, "DynamicScalingOutSuspended": false, "ScheduledScalingSuspended": false})
	pol := live["service/svc0/scaling/requests"].Properties
	want(t, "ScalingTargetId → three fields", []any{pol["ResourceId"], pol["ScalableDimension"], pol["ServiceNamespace"], pol["ScalingTargetId"]},
		l{"service/shop-staging-main/shop-staging-svc0", "ecs:service:DesiredCount", "ecs", nil})
	want(t, "DisableScaleIn", at(t, pol, "TargetTrackingScalingPolicyConfiguration", "DisableScaleIn"), false)

	asg := live["cluster/batch/auto-scaling-group"].Properties
	want(t, "DesiredCapacity", asg["DesiredCapacity"], "0")
	want(t, "HealthCheckType", asg["HealthCheckType"], "EC2")
	want(t, "DefaultCooldown", asg["DefaultCooldown"], "300")
	want(t, "Version", at(t, asg, "LaunchTemplate", "Version"), "1")
	if live["cluster/batch/auto-scaling-group"].Tags["AmazonECSManaged"] != "" {
		t.Error("AmazonECSManaged has a value")
	} else if _, ok := live["cluster/batch/auto-scaling-group"].Tags["AmazonECSManaged"]; !ok {
		t.Error("ECS did not tag the group its capacity provider manages")
	}
	cp := live["cluster/batch/capacity-provider"].Properties
	want(t, "ManagedScaling", at(t, cp, "AutoScalingGroupProvider", "ManagedScaling"), m{
		"Status": "ENABLED", "TargetCapacity": 90, "MinimumScalingStepSize": 1, "MaximumScalingStepSize": 10000, "InstanceWarmupPeriod": 300})
	want(t, "ManagedDraining", at(t, cp, "AutoScalingGroupProvider", "ManagedDraining"), "ENABLED")
	cluster := live["cluster/batch"].Properties
	want(t, "ClusterSettings", cluster["ClusterSettings"], l{m{"Name": "containerInsights", "Value": "disabled"}})
	want(t, "cluster capacity providers (from the associations)", cluster["CapacityProviders"], l{"shop-staging-batch"})
	logs := live["service/svc0/log-group"].Properties
	want(t, "LogGroupClass", logs["LogGroupClass"], "STANDARD")
}

func TestSetLikeListsComeBackInAnotherOrder(t *testing.T) {
	_, a, live := liveFixture(t, Knobs{Seed: 3})
	given := at(t, a.request(t, "service/svc0/task-definition").Properties, "ContainerDefinitions", 0, "Environment")
	got := at(t, live["service/svc0/task-definition"].Properties, "ContainerDefinitions", 0, "Environment")
	if equalJSON(given, got) {
		t.Errorf("environment came back in the order given: %s", jsonString(got))
	}
	if !sameSet(given.([]any), got.([]any)) {
		t.Errorf("environment changed: %s vs %s", jsonString(given), jsonString(got))
	}
	// Reads are stable.
	_, _, again := liveFixture(t, Knobs{Seed: 3})
	if !equalJSON(got, at(t, again["service/svc0/task-definition"].Properties, "ContainerDefinitions", 0, "Environment")) {
		t.Error("two reads with one seed disagree")
	}
	// And with shuffling off they come back as given.
	_, _, plain := liveFixture(t, Knobs{NoShuffle: true})
	want(t, "unshuffled environment", at(t, plain["service/svc0/task-definition"].Properties, "ContainerDefinitions", 0, "Environment"), given)
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, e := range a {
		count[jsonString(e)]++
	}
	for _, e := range b {
		count[jsonString(e)]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestTaskDefinitionRevisions(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	addr := "service/svc0/task-definition"
	first := a.live[addr]
	req := a.request(t, addr)
	at(t, req.Properties, "ContainerDefinitions", 0).(map[string]any)["Image"] = "nginx:2"
	second, err := s.Update(ctx, testScope, first, req)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "new revision", second.ID, "arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-svc0:2")
	if live := liveByAddress(t, s, testScope)[addr]; live.ID != second.ID {
		t.Errorf("ListOwned shows %s, want the latest revision", live.ID)
	}
	// Creating the same revision again returns it (a retried create).
	again, err := s.Create(ctx, testScope, req)
	if err != nil || again.ID != second.ID {
		t.Errorf("retried create: %v %v", again, err)
	}
	// Only tags changed: no new revision.
	req.Tags["team"] = "platform"
	tagged, err := s.Update(ctx, testScope, second, req)
	if err != nil || tagged.ID != second.ID || tagged.Tags["team"] != "platform" {
		t.Errorf("tag-only update: %v %v", tagged, err)
	}
	// Deregistering the old revision leaves it INACTIVE.
	if err := s.Delete(ctx, testScope, first); err != nil {
		t.Fatal(err)
	}
	old, err := s.Get(ctx, Filter{Inactive: true}, first.ID)
	if err != nil || old.Status != "INACTIVE" {
		t.Errorf("deregistered revision: %+v %v", old, err)
	}
	// Deleting the latest leaves none active: ListOwned shows no revision.
	if err := s.Delete(ctx, testScope, second); err != nil {
		t.Fatal(err)
	}
	if live := liveByAddress(t, s, testScope)[addr]; live != nil {
		t.Errorf("ListOwned shows inactive revision %s", live.ID)
	}
	// Revision numbers are never reused.
	third, err := s.Create(ctx, testScope, req)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "after deregistering", third.ID, "arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-svc0:3")
}

func TestLaunchTemplateVersions(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	addr := "cluster/batch/launch-template"
	req := a.request(t, addr)
	at(t, req.Properties, "LaunchTemplateData").(map[string]any)["InstanceType"] = "c7g.xlarge"
	o, err := s.Update(ctx, testScope, a.live[addr], req)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "LatestVersionNumber", o.Attributes["LatestVersionNumber"], "2")
	want(t, "DefaultVersionNumber", o.Attributes["DefaultVersionNumber"], "2")
	if o.ID != a.live[addr].ID {
		t.Error("a new version changed the template id")
	}
	// The group may now use version 2.
	asg := a.request(t, "cluster/batch/auto-scaling-group")
	at(t, asg.Properties, "LaunchTemplate").(map[string]any)["Version"] = "3"
	_, err = s.Update(ctx, testScope, a.live["cluster/batch/auto-scaling-group"], asg)
	wantCode(t, err, "autoscaling:UpdateAutoScalingGroup", "ValidationError")
}
