package sandbox

import (
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// unowned is a Request as someone outside gantry makes it: no ownership
// tags, no address.
func unowned(req provider.Request) provider.Request {
	req.Address, req.Tags = "", map[string]string{"owner": "someone-else"}
	return req
}

// PutMetricAlarm creates or updates: a create over gantry's own alarm
// replaces its whole configuration (a property left out is gone).
func TestCreateOverOwnAlarmReplacesIt(t *testing.T) {
	s, _ := newSandbox(t, Knobs{NoShuffle: true})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	req := a.request(t, "service/svc0/alarm/errors")
	if _, ok := req.Properties["AlarmDescription"]; !ok {
		req.Properties["AlarmDescription"] = "first"
		if _, err := s.Update(ctx, testScope, a.live["service/svc0/alarm/errors"], req); err != nil {
			t.Fatal(err)
		}
	}
	delete(req.Properties, "AlarmDescription")
	req.Properties["Threshold"] = 42
	o, err := s.Create(ctx, testScope, req)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != a.live["service/svc0/alarm/errors"].ID || o.Properties["Threshold"] != 42.0 {
		t.Errorf("create over the alarm: %s %v", o.ID, o.Properties["Threshold"])
	}
	if _, ok := o.Properties["AlarmDescription"]; ok {
		t.Error("AlarmDescription survived an overwrite")
	}
}

// gantry never creates over an alarm or cluster it does not own, though
// AWS's own call would overwrite the alarm or answer with the cluster.
func TestCreateOverUnownedAlarmOrClusterIsRefused(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	for _, c := range []struct{ addr, op string }{
		{"service/svc0/alarm/errors", "cloudwatch:PutMetricAlarm"},
		{"cluster/main", "ecs:CreateCluster"},
	} {
		other := a.request(t, c.addr)
		name := other.Properties[handlers[other.Type].NameProp].(string) + "-legacy"
		other.Properties[handlers[other.Type].NameProp] = name
		if _, err := s.CreateUnowned(ctx, testScope.Account, testScope.Region, unowned(other)); err != nil {
			t.Fatal(err)
		}
		mine := a.request(t, c.addr)
		mine.Properties[handlers[mine.Type].NameProp] = name
		_, err := s.Create(ctx, testScope, mine)
		e := wantCode(t, err, c.op, "AlreadyExists")
		if !strings.Contains(e.Message, "'"+name+"'") || !strings.Contains(e.Message, "no gantry ownership tags") {
			t.Errorf("%s: the error does not name the resource and its owner: %s", c.addr, e.Message)
		}
	}
}

// Outside gantry, the create APIs answer as AWS does: PutMetricAlarm
// overwrites and keeps the tags, CreateCluster answers with the cluster,
// RegisterScalableTarget changes what it names, ELB's creates are
// idempotent for the same settings.
func TestConsoleCreatesOverExistingResources(t *testing.T) {
	s, _ := newSandbox(t, Knobs{NoShuffle: true})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	create := func(addr string, edit func(p m)) (*provider.Observed, error) {
		req := unowned(a.request(t, addr))
		if edit != nil {
			edit(req.Properties)
		}
		return s.CreateUnowned(ctx, testScope.Account, testScope.Region, req)
	}

	o, err := create("service/svc0/alarm/errors", func(p m) { p["Threshold"] = 7 })
	if err != nil || o.Properties["Threshold"] != 7.0 || o.Tags["gantry:address"] != "service/svc0/alarm/errors" {
		t.Errorf("PutMetricAlarm over an alarm: %v %+v", err, o)
	}

	o, err = create("cluster/main", func(p m) { p["ClusterSettings"] = l{m{"Name": "containerInsights", "Value": "enabled"}} })
	if err != nil || o.ID != a.live["cluster/main"].ID || jsonString(o.Properties["ClusterSettings"]) != jsonString(a.live["cluster/main"].Properties["ClusterSettings"]) {
		t.Errorf("CreateCluster over a cluster must answer with it unchanged: %v %+v", err, o)
	}

	o, err = create("service/svc0/scalable-target", func(p m) {
		for k := range p {
			if k != "ResourceId" && k != "ScalableDimension" && k != "ServiceNamespace" {
				delete(p, k)
			}
		}
		p["MaxCapacity"] = 9
	})
	if err != nil || o.Properties["MaxCapacity"] != 9.0 || o.Properties["MinCapacity"] != 2.0 {
		t.Errorf("RegisterScalableTarget over a target: %v %+v", err, o)
	}

	o, err = create("load-balancer/public", nil)
	if err != nil || o.ID != a.live["load-balancer/public"].ID {
		t.Errorf("CreateLoadBalancer with the same settings: %v", err)
	}
	_, err = create("load-balancer/public", func(p m) { p["IpAddressType"] = "dualstack" })
	wantCode(t, err, "console:Create", "DuplicateLoadBalancerName")
}

func TestReferenceFixes(t *testing.T) {
	s, _ := newSandbox(t, Knobs{NoShuffle: true})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))

	// PutMetricAlarm takes a Period of 20 seconds.
	req := a.request(t, "service/svc0/alarm/errors")
	req.Properties["Period"] = 20
	if _, err := s.Update(ctx, testScope, a.live["service/svc0/alarm/errors"], req); err != nil {
		t.Errorf("Period 20: %v", err)
	}

	// Security group names are unique in the VPC regardless of case.
	sg := a.request(t, "service/svc0/security-group")
	sg.Address = "sg/upper"
	sg.Tags = nil
	sg.Properties["GroupName"] = strings.ToUpper(sg.Properties["GroupName"].(string))
	_, err := s.Create(ctx, testScope, sg)
	wantCode(t, err, "ec2:CreateSecurityGroup", "InvalidGroup.Duplicate")

	// A new scaling policy needs a type.
	pol := a.request(t, "service/svc0/scaling/cpu")
	pol.Properties["PolicyName"], pol.Address = "no-type", "service/svc0/scaling/no-type"
	delete(pol.Properties, "PolicyType")
	_, err = s.Create(ctx, testScope, pol)
	wantCode(t, err, "application-autoscaling:PutScalingPolicy", "ValidationException")

	// ECR names may use "__" and runs of hyphens.
	repo := a.request(t, "repository/api")
	repo.Properties["RepositoryName"], repo.Address, repo.Tags = "team__a/api--x", "repository/x", nil
	if _, err := s.Create(ctx, testScope, repo); err != nil {
		t.Errorf("repository name with __ and --: %v", err)
	}
}

func TestTargetGroupDefaultsByProtocolAndTargetType(t *testing.T) {
	s, _ := newSandbox(t, Knobs{NoShuffle: true})
	create := func(name string, p m) map[string]any {
		p["Name"] = name
		o, err := s.CreateUnowned(ctx, testScope.Account, testScope.Region, provider.Request{Type: catalog.TargetGroup, Properties: p})
		if err != nil {
			t.Fatal(err)
		}
		return o.Properties
	}
	https := create("https", m{"Port": 443, "Protocol": "HTTPS", "VpcId": testVPC, "TargetType": "ip"})
	want(t, "HTTPS HealthCheckProtocol", https["HealthCheckProtocol"], "HTTP")
	want(t, "HTTPS HealthCheckTimeoutSeconds", https["HealthCheckTimeoutSeconds"], 10)
	lambda := create("fn", m{"TargetType": "lambda"})
	want(t, "lambda HealthCheckEnabled", lambda["HealthCheckEnabled"], false)
}

func TestProtectedLogGroupIsNotDeleted(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	req := a.request(t, "service/svc0/log-group")
	req.Properties["DeletionProtectionEnabled"] = true
	o, err := s.Update(ctx, testScope, a.live["service/svc0/log-group"], req)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Delete(ctx, testScope, o)
	wantCode(t, err, "logs:DeleteLogGroup", "ValidationException")
}
