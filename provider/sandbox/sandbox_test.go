package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

var ctx = context.Background()

// Every type the catalog registers has a handler; register refuses a
// handler for a type the catalog does not know, so the two agree.
func TestEveryCatalogTypeHasAHandler(t *testing.T) {
	for _, ct := range catalog.All() {
		if handlers[ct.Name] == nil {
			t.Errorf("catalog type %s has no sandbox handler", ct.Name)
		}
	}
}

func TestRegisterRefusesATypeTheCatalogDoesNotKnow(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("register accepted AWS::Nope::Nothing")
		}
	}()
	register(&handler{Type: "AWS::Nope::Nothing"})
}

func TestCreateAndListOwnedEveryType(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	g := fixtureGraph(testScope, 2, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	a := applyGraph(t, s, testScope, g)
	live := liveByAddress(t, s, testScope)
	if len(live) != len(g.Resources) {
		t.Fatalf("ListOwned: %d resources, want %d", len(live), len(g.Resources))
	}
	types := map[string]bool{}
	for addr, o := range live {
		types[o.Type] = true
		if o.ID != a.live[addr].ID {
			t.Errorf("%s: ListOwned id %s, Create returned %s", addr, o.ID, a.live[addr].ID)
		}
		if o.Address != addr || o.Properties == nil {
			t.Errorf("%s: bad observed %+v", addr, o)
		}
	}
	for _, ct := range catalog.All() {
		if !types[ct.Name] {
			t.Errorf("fixture does not cover %s", ct.Name)
		}
	}
	// Another environment in the same account sees none of it.
	if other := liveByAddress(t, s, withEnv(testScope, "prod")); len(other) != 0 {
		t.Errorf("prod sees %d resources of staging", len(other))
	}
}

func withEnv(s provider.Scope, env string) provider.Scope {
	s.Environment = env
	return s
}

func TestIdentifierFormats(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	checks := []struct{ addr, attr, pattern string }{
		{"load-balancer/public", "LoadBalancerArn", `^arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shop-staging-public/[0-9a-f]{16}$`},
		{"load-balancer/public", "LoadBalancerFullName", `^app/shop-staging-public/[0-9a-f]{16}$`},
		{"load-balancer/public", "DNSName", `^shop-staging-public-[0-9]{10}\.eu-west-1\.elb\.amazonaws\.com$`},
		{"load-balancer/public", "CanonicalHostedZoneID", `^Z32O12XQLNTSW2$`},
		{"load-balancer/public/listener-https", "ListenerArn", `^arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shop-staging-public/[0-9a-f]{16}/[0-9a-f]{16}$`},
		{"service/svc0/rule-https", "RuleArn", `^arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/shop-staging-public/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`},
		{"service/svc0/target-group", "TargetGroupArn", `^arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging-svc0/[0-9a-f]{16}$`},
		{"service/svc0/target-group", "TargetGroupFullName", `^targetgroup/shop-staging-svc0/[0-9a-f]{16}$`},
		{"service/svc0/security-group", "GroupId", `^sg-[0-9a-f]{17}$`},
		{"cluster/batch/launch-template", "LaunchTemplateId", `^lt-[0-9a-f]{17}$`},
		{"cluster/batch/launch-template", "LatestVersionNumber", `^1$`},
		{"service/svc0/task-definition", "TaskDefinitionArn", `^arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-svc0:1$`},
		{"service/svc0", "ServiceArn", `^arn:aws:ecs:eu-west-1:111111111111:service/shop-staging-main/shop-staging-svc0$`},
		{"service/svc0", "Name", `^shop-staging-svc0$`},
		{"cluster/main", "Arn", `^arn:aws:ecs:eu-west-1:111111111111:cluster/shop-staging-main$`},
		{"cluster/batch/capacity-provider", "Arn", `^arn:aws:ecs:eu-west-1:111111111111:capacity-provider/shop-staging-batch$`},
		{"cluster/batch/auto-scaling-group", "Arn", `^arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName/shop-staging-batch$`},
		{"service/svc0/execution-role", "Arn", `^arn:aws:iam::111111111111:role/shop-staging-svc0-exec$`},
		{"service/svc0/execution-role", "RoleId", `^AROA[A-Z2-7]{17}$`},
		{"cluster/batch/instance-profile", "Arn", `^arn:aws:iam::111111111111:instance-profile/shop-staging-batch$`},
		{"service/svc0/log-group", "Arn", `^arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/shop-staging-svc0:\*$`},
		{"repository/api", "RepositoryUri", `^111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com/shop-staging-api$`},
		{"repository/api", "Arn", `^arn:aws:ecr:eu-west-1:111111111111:repository/shop-staging-api$`},
		{"service/svc0/alarm/errors", "Arn", `^arn:aws:cloudwatch:eu-west-1:111111111111:alarm:shop-staging-svc0-errors$`},
		{"service/svc0/scalable-target", "Id", `^service/shop-staging-main/shop-staging-svc0\|ecs:service:DesiredCount\|ecs$`},
		{"service/svc0/scaling/cpu", "Arn", `^arn:aws:autoscaling:eu-west-1:111111111111:scalingPolicy:[0-9a-f-]{36}:resource/ecs/service/shop-staging-main/shop-staging-svc0:policyName/shop-staging-svc0-cpu$`},
	}
	for _, c := range checks {
		got := a.live[c.addr].Attributes[c.attr]
		if !regexp.MustCompile(c.pattern).MatchString(got) {
			t.Errorf("%s %s = %q, want %s", c.addr, c.attr, got, c.pattern)
		}
	}
	// Observed.ID is the primary identifier.
	ids := map[string]string{
		"load-balancer/public":          a.live["load-balancer/public"].Attributes["LoadBalancerArn"],
		"service/svc0/security-group":   a.live["service/svc0/security-group"].Attributes["GroupId"],
		"service/svc0":                  a.live["service/svc0"].Attributes["ServiceArn"],
		"cluster/main":                  "shop-staging-main",
		"service/svc0/task-definition":  a.live["service/svc0/task-definition"].Attributes["TaskDefinitionArn"],
		"service/svc0/execution-role":   "shop-staging-svc0-exec",
		"service/svc0/scalable-target":  "service/shop-staging-main/shop-staging-svc0|ecs:service:DesiredCount|ecs",
		"cluster/batch/launch-template": a.live["cluster/batch/launch-template"].Attributes["LaunchTemplateId"],
	}
	for addr, want := range ids {
		if got := a.live[addr].ID; got != want {
			t.Errorf("%s: ID %q, want %q", addr, got, want)
		}
	}
}

func TestIdentifiersAreDeterministic(t *testing.T) {
	g := fixtureGraph(testScope, 1, "nginx:1")
	s1, _ := newSandbox(t, Knobs{Seed: 7})
	s2, _ := newSandbox(t, Knobs{Seed: 7})
	s3, _ := newSandbox(t, Knobs{Seed: 8})
	a1, a2, a3 := applyGraph(t, s1, testScope, g), applyGraph(t, s2, testScope, g), applyGraph(t, s3, testScope, g)
	lb := "load-balancer/public"
	if a1.live[lb].ID != a2.live[lb].ID {
		t.Errorf("same seed, different ARNs: %s %s", a1.live[lb].ID, a2.live[lb].ID)
	}
	if a1.live[lb].ID == a3.live[lb].ID {
		t.Errorf("different seeds, same ARN %s", a1.live[lb].ID)
	}
}

func opError(t *testing.T, err error) *provider.OpError {
	t.Helper()
	var op *provider.OpError
	if !errors.As(err, &op) {
		t.Fatalf("want *provider.OpError, got %T %v", err, err)
	}
	return op
}

func wantCode(t *testing.T, err error, op, code string) *provider.OpError {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s %s, got no error", op, code)
	}
	e := opError(t, err)
	if e.Operation != op || e.Code != code {
		t.Fatalf("want %s %s, got %s %s: %v", op, code, e.Operation, e.Code, err)
	}
	return e
}

func TestAdoptionNeverDuplicates(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	before := len(liveByAddress(t, s, testScope))
	// Retrying every create adopts what exists.
	for addr := range a.live {
		o, err := s.Create(ctx, testScope, a.request(t, addr))
		if err != nil {
			t.Fatalf("retry %s: %v", addr, err)
		}
		if o.ID != a.live[addr].ID {
			t.Errorf("retry %s: new id %s, want the adopted %s", addr, o.ID, a.live[addr].ID)
		}
	}
	if after := len(liveByAddress(t, s, testScope)); after != before {
		t.Errorf("retries changed the count: %d → %d", before, after)
	}
	// The same name under another address, or without our tags, is AWS's
	// duplicate error.
	req := a.request(t, "service/svc0/target-group")
	req.Address = "service/other/target-group"
	req.Tags = map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": req.Address}
	_, err := s.Create(ctx, testScope, req)
	wantCode(t, err, "elasticloadbalancing:CreateTargetGroup", "DuplicateTargetGroupName")
	req.Tags = nil
	_, err = s.Create(ctx, testScope, req)
	e := wantCode(t, err, "elasticloadbalancing:CreateTargetGroup", "DuplicateTargetGroupName")
	if e.Address != "service/other/target-group" || e.Type != catalog.TargetGroup || e.Retryable {
		t.Errorf("error does not name the resource: %+v", e)
	}
}

func TestDuplicateErrors(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	other := provider.Scope{Project: "other", Environment: "staging", Account: testScope.Account, Region: testScope.Region}
	cases := []struct{ addr, op, code string }{
		{"service/svc0/execution-role", "iam:CreateRole", "EntityAlreadyExists"},
		{"service/svc0/security-group", "ec2:CreateSecurityGroup", "InvalidGroup.Duplicate"},
		{"repository/api", "ecr:CreateRepository", "RepositoryAlreadyExistsException"},
		{"service/svc0/log-group", "logs:CreateLogGroup", "ResourceAlreadyExistsException"},
		{"load-balancer/public", "elasticloadbalancing:CreateLoadBalancer", "DuplicateLoadBalancerName"},
		{"load-balancer/public/listener-https", "elasticloadbalancing:CreateListener", "DuplicateListener"},
		{"service/svc0/rule-https", "elasticloadbalancing:CreateRule", "PriorityInUse"},
		{"cluster/main", "ecs:CreateCluster", "AlreadyExists"},
		{"cluster/batch/launch-template", "ec2:CreateLaunchTemplate", "InvalidLaunchTemplateName.AlreadyExistsException"},
		{"cluster/batch/auto-scaling-group", "autoscaling:CreateAutoScalingGroup", "AlreadyExists"},
		{"cluster/batch/capacity-provider", "ecs:CreateCapacityProvider", "ClientException"},
		{"service/svc0", "ecs:CreateService", "InvalidParameterException"},
		{"service/svc0/alarm/errors", "cloudwatch:PutMetricAlarm", "AlreadyExists"},
	}
	for _, c := range cases {
		req := a.request(t, c.addr)
		req.Tags = map[string]string{"gantry:project": "other", "gantry:environment": "staging", "gantry:address": c.addr}
		_, err := s.Create(ctx, other, req)
		wantCode(t, err, c.op, c.code)
	}
}

func TestNotFoundAndGone(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	alarm := a.live["service/svc0/alarm/errors"]
	if err := s.Delete(ctx, testScope, alarm); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, testScope, alarm); err != nil {
		t.Errorf("deleting what is gone: %v", err)
	}
	_, err := s.Update(ctx, testScope, alarm, a.request(t, "service/svc0/alarm/errors"))
	if !provider.IsNotFound(err) {
		t.Errorf("update of a deleted alarm: want NotFound, got %v", err)
	}
	wantCode(t, err, "cloudwatch:PutMetricAlarm", "ResourceNotFound")
}

func TestCreateOnlyPropertiesAreNotUpdatable(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	req := a.request(t, "service/svc0/target-group")
	req.Properties["Port"] = 9090
	_, err := s.Update(ctx, testScope, a.live["service/svc0/target-group"], req)
	wantCode(t, err, "elasticloadbalancing:ModifyTargetGroup", "NotUpdatable")
	// A cluster named by name instead of ARN is the same cluster.
	req = a.request(t, "service/svc0")
	req.Properties["Cluster"] = "shop-staging-main"
	if _, err := s.Update(ctx, testScope, a.live["service/svc0"], req); err != nil {
		t.Errorf("cluster by name: %v", err)
	}
}

func TestReferencesMustExist(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	svc := a.request(t, "service/svc0")
	svc.Properties["ServiceName"] = "another"
	svc.Address = "service/another"
	svc.Tags = nil
	svc.Properties["Cluster"] = "nope"
	_, err := s.Create(ctx, testScope, svc)
	wantCode(t, err, "ecs:CreateService", "ClusterNotFoundException")

	// A target group no listener forwards to cannot take a service.
	tg := a.request(t, "service/svc0/target-group")
	tg.Properties["Name"], tg.Address, tg.Tags = "lonely", "service/another/target-group", nil
	lonely, err := s.Create(ctx, testScope, tg)
	if err != nil {
		t.Fatal(err)
	}
	svc = a.request(t, "service/svc0")
	svc.Properties["ServiceName"], svc.Address, svc.Tags = "another", "service/another", nil
	svc.Properties["LoadBalancers"] = l{m{"ContainerName": "svc0", "ContainerPort": 8080, "TargetGroupArn": lonely.ID}}
	_, err = s.Create(ctx, testScope, svc)
	e := wantCode(t, err, "ecs:CreateService", "InvalidParameterException")
	if !regexp.MustCompile(`does not have an associated load balancer`).MatchString(e.Message) {
		t.Errorf("message: %s", e.Message)
	}

	rule := a.request(t, "service/svc0/rule-https")
	rule.Properties["Priority"] = 77
	rule.Properties["ListenerArn"] = a.live["load-balancer/public/listener-https"].ID + "x"
	_, err = s.Create(ctx, testScope, rule)
	wantCode(t, err, "elasticloadbalancing:CreateRule", "ListenerNotFound")
}

func TestInUseErrors(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	cases := []struct{ addr, op, code string }{
		{"service/svc0/target-group", "elasticloadbalancing:DeleteTargetGroup", "ResourceInUse"},
		{"load-balancer/public/security-group", "ec2:DeleteSecurityGroup", "DependencyViolation"},
		{"service/svc0/security-group", "ec2:DeleteSecurityGroup", "DependencyViolation"},
		{"cluster/main", "ecs:DeleteCluster", "ClusterContainsServicesException"},
		{"cluster/batch/instance-role", "iam:DeleteRole", "DeleteConflict"},
		{"cluster/batch/capacity-provider", "ecs:DeleteCapacityProvider", "ResourceInUseException"},
	}
	for _, c := range cases {
		err := s.Delete(ctx, testScope, a.live[c.addr])
		e := wantCode(t, err, c.op, c.code)
		if e.Address != c.addr {
			t.Errorf("%s: error names %q", c.addr, e.Address)
		}
	}
	// In reverse dependency order everything goes.
	order, _ := a.g.TopoOrder()
	for i := len(order) - 1; i >= 0; i-- {
		if err := s.Delete(ctx, testScope, a.live[order[i]]); err != nil {
			t.Fatalf("delete %s: %v", order[i], err)
		}
	}
	if left := liveByAddress(t, s, testScope); len(left) != 0 {
		var names []string
		for k := range left {
			names = append(names, k)
		}
		sort.Strings(names)
		t.Errorf("left after deleting everything: %v", names)
	}
}

func TestDeletingALoadBalancerDeletesItsListenersAndRules(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	for _, addr := range []string{"service/svc0/scaling/requests", "service/svc0/scaling/cpu", "service/svc0/scalable-target", "service/svc0"} {
		if err := s.Delete(ctx, testScope, a.live[addr]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, testScope, a.live["load-balancer/public"]); err != nil {
		t.Fatal(err)
	}
	live := liveByAddress(t, s, testScope)
	for _, gone := range []string{"load-balancer/public/listener-http", "load-balancer/public/listener-https", "service/svc0/rule-https"} {
		if live[gone] != nil {
			t.Errorf("%s survived its load balancer", gone)
		}
	}
	// The target group is free again.
	if err := s.Delete(ctx, testScope, a.live["service/svc0/target-group"]); err != nil {
		t.Errorf("target group still in use: %v", err)
	}
}

func TestScalableTargetOwnsTheDesiredCount(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	// The fixture asks for 1 task; the scalable target's minimum is 2.
	svc := liveByAddress(t, s, testScope)["service/svc0"]
	if got := svc.Properties["DesiredCount"]; got != 2.0 {
		t.Errorf("DesiredCount %v, want 2 (raised to the scalable target's minimum)", got)
	}
}

func TestDeregisteringAScalableTargetDeletesItsPolicies(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	if err := s.Delete(ctx, testScope, a.live["service/svc0/scalable-target"]); err != nil {
		t.Fatal(err)
	}
	live := liveByAddress(t, s, testScope)
	if live["service/svc0/scaling/cpu"] != nil || live["service/svc0/scaling/requests"] != nil {
		t.Error("scaling policies outlived their scalable target")
	}
}

func TestUnresolvedReferencesAreRefused(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	g := fixtureGraph(testScope, 1, "nginx:1")
	r := g.Get("service/svc0/task-definition")
	_, err := s.Create(ctx, testScope, provider.Request{Address: r.Address, Type: r.Type, Properties: r.Properties, Tags: r.Tags})
	e := wantCode(t, err, "ecs:RegisterTaskDefinition", "ValidationError")
	if !regexp.MustCompile(`unresolved reference service/svc0/execution-role.Arn`).MatchString(e.Message) {
		t.Errorf("message: %s", e.Message)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func equalJSON(a, b any) bool {
	var x, y any
	json.Unmarshal([]byte(jsonString(a)), &x)
	json.Unmarshal([]byte(jsonString(b)), &y)
	return reflect.DeepEqual(x, y)
}
