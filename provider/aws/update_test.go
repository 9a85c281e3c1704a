package aws

import (
	"context"
	"slices"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

type (
	m = map[string]any
	l = []any
)

// edits change one resource of the fixture each, in place: the update of
// every type, followed by a plan that must show no changes.
var edits = map[string]func(p m){
	"service/svc0/log-group": func(p m) { p["RetentionInDays"] = 14 },
	"service/svc0/target-group": func(p m) {
		p["HealthCheckPath"] = "/ready"
		p["TargetGroupAttributes"] = l{m{"Key": "deregistration_delay.timeout_seconds", "Value": "10"}}
	},
	"service/svc0/security-group": func(p m) {
		p["SecurityGroupIngress"] = append(p["SecurityGroupIngress"].([]any), m{"IpProtocol": "tcp", "FromPort": 9090, "ToPort": 9090, "CidrIp": "10.0.0.0/8"})
	},
	"service/svc0/alarm/errors": func(p m) { p["Threshold"] = 50 },
	"load-balancer/public/listener-app": func(p m) {
		p["DefaultActions"] = l{m{"Type": "fixed-response", "FixedResponseConfig": m{"StatusCode": "503", "ContentType": "text/plain"}}}
	},
	"load-balancer/public": func(p m) {
		p["LoadBalancerAttributes"] = l{m{"Key": "idle_timeout.timeout_seconds", "Value": "120"}}
	},
	"service/svc0/rule": func(p m) { p["Priority"] = 10 },
	"service/svc0/scalable-target": func(p m) {
		p["MaxCapacity"] = 8
		p["ScheduledActions"] = l{m{"ScheduledActionName": "night", "Schedule": "cron(0 22 * * ? *)", "Timezone": "Europe/Paris",
			"ScalableTargetAction": m{"MinCapacity": 1, "MaxCapacity": 2}}}
	},
	"service/svc0/scaling/cpu": func(p m) {
		p["TargetTrackingScalingPolicyConfiguration"].(m)["TargetValue"] = 70
	},
	"service/svc0/execution-role": func(p m) {
		p["ManagedPolicyArns"] = l{"arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"}
		p["Policies"] = append(p["Policies"].([]any), m{"PolicyName": "ssm", "PolicyDocument": m{"Version": "2012-10-17",
			"Statement": l{m{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}}}})
	},
	"repository/api": func(p m) { p["ImageTagMutability"] = "MUTABLE"; delete(p, "LifecyclePolicy") },
	"cluster/main":   func(p m) { p["ClusterSettings"] = l{m{"Name": "containerInsights", "Value": "disabled"}} },
	"cluster/batch/capacity-provider": func(p m) {
		p["AutoScalingGroupProvider"].(m)["ManagedScaling"] = m{"Status": "ENABLED", "TargetCapacity": 80}
	},
	"cluster/batch/auto-scaling-group": func(p m) {
		p["MaxSize"] = "8"
		p["MetricsCollection"] = l{m{"Granularity": "1Minute", "Metrics": l{"GroupInServiceInstances", "GroupDesiredCapacity"}}}
	},
	"cluster/batch/launch-template": func(p m) {
		p["LaunchTemplateData"].(m)["InstanceType"] = "c7g.xlarge"
	},
	"cluster/batch/capacity-provider-associations": func(p m) {
		p["DefaultCapacityProviderStrategy"] = l{m{"CapacityProvider": "shop2-staging-batch", "Weight": 2}}
	},
	"service/svc0/task-definition": func(p m) {
		p["ContainerDefinitions"].([]any)[0].(m)["Image"] = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0"
	},
	"service/svc0": func(p m) { p["HealthCheckGracePeriodSeconds"] = 30 },
}

func TestEmulatorUpdateEveryType(t *testing.T) {
	p, scope := emulatorProvider(t, "shop2")
	ctx := context.Background()
	net := awstest.MakeNetwork(t)
	g := awstest.Graph(scope, net, 1, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	a, sub := createAll(t, p, scope, g)
	oldTD := a.Live["service/svc0/task-definition"]

	for addr, edit := range edits {
		if r := sub.Get(addr); r != nil {
			edit(r.Properties)
		} else {
			t.Errorf("no %s in the fixture", addr)
		}
	}
	order, _ := sub.TopoOrder()
	edited := map[string]bool{}
	for _, addr := range order {
		typ := sub.Get(addr).Type
		if edits[addr] == nil {
			continue
		}
		edited[typ] = true
		o, err := p.Update(ctx, scope, a.Live[addr], a.Request(t, addr))
		if err != nil {
			t.Errorf("update %s: %v", addr, err)
			continue
		}
		a.Live[addr] = o
	}
	for _, ct := range catalog.All() {
		if !edited[ct.Name] && ct.Name != catalog.IAMInstanceProfile {
			t.Errorf("no update of a %s tested", ct.Name)
		}
	}
	live, err := p.ListOwned(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	// The image change registered a new revision, which the service runs;
	// the old one is listed at ADDRESS#1 until deleted (the planner plans
	// its deletion: it is deleted here, then nothing may differ).
	td, svc := find(live, "service/svc0/task-definition"), find(live, "service/svc0")
	if td == nil || td.ID == oldTD.ID || svc == nil {
		t.Fatalf("task definition after the image change: %+v", td)
	}
	if !slices.Contains(td.UsedBy, svc.ID) {
		t.Errorf("new revision UsedBy %v, want the service %s", td.UsedBy, svc.ID)
	}
	old := find(live, "service/svc0/task-definition#1")
	if old == nil || old.ID != oldTD.ID {
		t.Errorf("revision 1 listed as %+v, want %s at service/svc0/task-definition#1", old, oldTD.ID)
	} else if err := p.Delete(ctx, scope, old); err != nil {
		t.Errorf("delete %s: %v", old.Address, err)
	}
	if live, err = p.ListOwned(ctx, scope); err != nil {
		t.Fatal(err)
	}
	awstest.AssertNoChanges(t, sub, live, scope, nil)
	deleteAll(t, p, scope, sub, a)
}

func find(live []*provider.Observed, addr string) *provider.Observed {
	for _, o := range live {
		if o.Address == addr {
			return o
		}
	}
	return nil
}
