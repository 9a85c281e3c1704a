package sandbox

import (
	"strings"
	"testing"
	"time"
)

// Revoking the ingress rule that admits a routed service's port from its
// load balancer cuts the running tasks' traffic: the sandbox records a
// traffic gap. Adding a rule for another port first and keeping the old
// one does not.
func TestRevokingTheRunningTasksPortIsATrafficGap(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	clk.Advance(time.Minute)
	sg := a.live["service/svc0/security-group"]
	rule := func(port int) m {
		return m{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
			"SourceSecurityGroupId": a.live["load-balancer/public/security-group"].ID}
	}
	write := func(rules ...any) {
		t.Helper()
		req := a.request(t, "service/svc0/security-group")
		req.Properties["SecurityGroupIngress"] = l(rules)
		o, err := s.Update(ctx, testScope, sg, req)
		if err != nil {
			t.Fatal(err)
		}
		sg = o
	}

	write(rule(8080), rule(9090))
	if gaps := s.Stats().TrafficGaps; len(gaps) != 0 {
		t.Fatalf("adding a rule made gaps: %v", gaps)
	}
	write(rule(9090))
	gaps := s.Stats().TrafficGaps
	if len(gaps) != 1 || !strings.Contains(gaps[0], "ec2:AuthorizeSecurityGroupIngress service/svc0/security-group") ||
		!strings.Contains(gaps[0], "2 running tasks of service/svc0") || !strings.Contains(gaps[0], "port 8080") {
		t.Fatalf("traffic gaps after revoking 8080: %v", gaps)
	}
}

// While a new deployment rolls, Health counts the service's running tasks
// (ECS's runningCount) and says how many of them are older deployments'.
func TestHealthTellsOlderTasksApart(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	clk.Advance(time.Minute)
	_, svc := deployImage(t, s, a, "nginx:2")
	h := health(t, s, svc)
	if h.Running != 2 || h.OlderRunning != 2 || h.Pending != 2 {
		t.Fatalf("new deployment at start: running %d (older %d), pending %d", h.Running, h.OlderRunning, h.Pending)
	}
	clk.Advance(time.Minute)
	if h := health(t, s, svc); h.Running != 2 || h.OlderRunning != 0 {
		t.Fatalf("completed: running %d (older %d)", h.Running, h.OlderRunning)
	}
}
