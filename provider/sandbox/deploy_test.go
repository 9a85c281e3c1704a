package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

func health(t *testing.T, s *Sandbox, svc *provider.Observed) *provider.Health {
	t.Helper()
	h, err := s.Health(ctx, testScope, svc)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// deployImage registers a revision with another image and points the
// service at it, as an apply does.
func deployImage(t *testing.T, s *Sandbox, a *applied, image string) (td, svc *provider.Observed) {
	t.Helper()
	req := a.request(t, "service/svc0/task-definition")
	at(t, req.Properties, "ContainerDefinitions", 0).(map[string]any)["Image"] = image
	td, err := s.Update(ctx, testScope, a.live["service/svc0/task-definition"], req)
	if err != nil {
		t.Fatal(err)
	}
	a.live["service/svc0/task-definition"] = td
	sreq := a.request(t, "service/svc0")
	// Autoscaling owns the desired count: keep what is live.
	sreq.Properties["DesiredCount"] = liveByAddress(t, s, testScope)["service/svc0"].Properties["DesiredCount"]
	svc, err = s.Update(ctx, testScope, a.live["service/svc0"], sreq)
	if err != nil {
		t.Fatal(err)
	}
	return td, svc
}

func TestDeploymentProgressesOverTime(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	clk.Advance(time.Minute)
	svc := a.live["service/svc0"]
	h := health(t, s, svc)
	if h.RolloutState != "COMPLETED" || h.Running != 2 || h.Desired != 2 || h.Targets["healthy"] != 2 {
		t.Fatalf("settled service: %+v", h)
	}
	first := h.DeploymentID

	td, svc := deployImage(t, s, a, "nginx:2")
	h = health(t, s, svc)
	if h.RolloutState != "IN_PROGRESS" || h.DeploymentID == first || h.TaskDefinition != td.ID {
		t.Fatalf("new deployment: %+v", h)
	}
	if !strings.HasPrefix(h.DeploymentID, "ecs-svc/") || len(h.DeploymentID) != len("ecs-svc/")+19 {
		t.Errorf("deployment id %q", h.DeploymentID)
	}
	if h.Targets["healthy"] != 2 || h.Targets["initial"] != 0 {
		t.Errorf("at start: old tasks serve: %+v", h.Targets)
	}
	clk.Advance(5 * time.Second)
	h = health(t, s, svc)
	if h.RolloutState != "IN_PROGRESS" || h.Targets["initial"] != 1 || h.Targets["healthy"] != 1 {
		t.Errorf("half way: %+v targets %v", h, h.Targets)
	}
	clk.Advance(5 * time.Second)
	h = health(t, s, svc)
	if h.RolloutState != "COMPLETED" || h.Running != h.Desired || h.Targets["healthy"] != 2 || h.RolledBack {
		t.Errorf("done: %+v targets %v", h, h.Targets)
	}
	if h.Targets["draining"] != 2 {
		t.Errorf("old targets should drain for a while: %v", h.Targets)
	}
	if !strings.Contains(h.RolloutStateReason, "completed") {
		t.Errorf("reason %q", h.RolloutStateReason)
	}
	// A change of desired count alone starts no deployment.
	req := a.request(t, "service/svc0")
	req.Properties["DesiredCount"] = 3
	svc, err := s.Update(ctx, testScope, svc, req)
	if err != nil {
		t.Fatal(err)
	}
	if h2 := health(t, s, svc); h2.DeploymentID != h.DeploymentID || h2.Desired != 3 {
		t.Errorf("scaling started a deployment: %+v", h2)
	}
}

func TestDeploymentDurationZeroSettlesAtOnce(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	_, svc := deployImage(t, s, a, "nginx:2")
	if h := health(t, s, svc); h.RolloutState != "COMPLETED" || h.Running != h.Desired {
		t.Errorf("%+v", h)
	}
}

func TestCrashloopTripsTheCircuitBreakerAndRollsBack(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	good := a.live["service/svc0/task-definition"].ID
	clk.Advance(time.Minute)
	bad, svc := deployImage(t, s, a, "nginx:2-crashloop")
	h := health(t, s, svc)
	if h.RolloutState != "IN_PROGRESS" || h.RolledBack || h.Targets["unhealthy"] != 2 {
		t.Fatalf("crash-looping deployment at start: %+v targets %v", h, h.Targets)
	}
	clk.Advance(10 * time.Second)
	h = health(t, s, svc)
	if h.RolloutState != "FAILED" || !h.RolledBack || h.TaskDefinition != bad.ID {
		t.Fatalf("after the breaker: %+v", h)
	}
	if !strings.HasPrefix(h.RolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.") ||
		!strings.Contains(h.RolloutStateReason, "rolling back to deploymentId ecs-svc/") ||
		strings.Count(h.RolloutStateReason, "circuit breaker") != 1 {
		t.Errorf("reason %q", h.RolloutStateReason)
	}
	// The service runs the previous revision again.
	live := liveByAddress(t, s, testScope)["service/svc0"]
	if live.Properties["TaskDefinition"] != good {
		t.Errorf("service runs %v, want the rolled back %s", live.Properties["TaskDefinition"], good)
	}
	clk.Advance(10 * time.Second)
	h = health(t, s, svc)
	if h.RolloutState != "FAILED" || !h.RolledBack || h.Running != h.Desired || h.Targets["healthy"] != 2 {
		t.Errorf("rollback complete: %+v targets %v", h, h.Targets)
	}
	res, err := s.Get(ctx, Filter{}, svc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Deployments); n < 3 || res.Deployments[0].RolloutState != "COMPLETED" || res.Deployments[1].RolloutState != "FAILED" {
		t.Errorf("deployments: %+v", res.Deployments)
	}
	// Deploying the good image again is a new deployment that completes.
	_, svc = deployImage(t, s, a, "nginx:3")
	clk.Advance(10 * time.Second)
	if h := health(t, s, svc); h.RolloutState != "COMPLETED" || h.RolledBack {
		t.Errorf("recovery: %+v", h)
	}
}

func TestCrashloopWithoutCircuitBreakerNeverSettles(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	req := a.request(t, "service/svc0")
	req.Properties["DeploymentConfiguration"] = m{"DeploymentCircuitBreaker": m{"Enable": false, "Rollback": false}}
	req.Properties["DesiredCount"] = 2
	svc, err := s.Update(ctx, testScope, a.live["service/svc0"], req)
	if err != nil {
		t.Fatal(err)
	}
	a.live["service/svc0"] = svc
	a.g.Get("service/svc0").Properties["DeploymentConfiguration"] = req.Properties["DeploymentConfiguration"]
	clk.Advance(time.Minute)
	_, svc = deployImage(t, s, a, "nginx:2-crashloop")
	clk.Advance(time.Hour)
	h := health(t, s, svc)
	if h.RolloutState != "IN_PROGRESS" || h.RolledBack || h.Targets["unhealthy"] != 2 || h.Targets["healthy"] != 2 {
		t.Errorf("%+v targets %v", h, h.Targets)
	}
}

func TestHealthOfADeletedService(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	if err := s.Delete(ctx, testScope, a.live["service/svc0"]); err != nil {
		t.Fatal(err)
	}
	_, err := s.Health(ctx, testScope, a.live["service/svc0"])
	if !provider.IsNotFound(err) {
		t.Errorf("want NotFound, got %v", err)
	}
}

func TestADrainingServiceKeepsItsName(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	if err := s.Delete(ctx, testScope, a.live["service/svc0"]); err != nil {
		t.Fatal(err)
	}
	_, err := s.Create(ctx, testScope, a.request(t, "service/svc0"))
	e := wantCode(t, err, "ecs:CreateService", "InvalidParameterException")
	if e.Message != "Unable to Start a service that is still Draining." {
		t.Errorf("message %q", e.Message)
	}
	clk.Advance(10 * time.Second)
	if _, err := s.Create(ctx, testScope, a.request(t, "service/svc0")); err != nil {
		t.Errorf("after draining: %v", err)
	}
}

// A deleted service drains before it is INACTIVE: Health reports it
// DRAINING meanwhile, and its cluster cannot be deleted (AWS refuses with
// ClusterContainsServicesException while services are ACTIVE or DRAINING).
func TestADrainingServiceHoldsItsCluster(t *testing.T) {
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(10 * time.Second)})
	a := applyGraph(t, s, testScope, fixtureGraph(testScope, 1, "nginx:1"))
	clk.Advance(time.Minute)
	if h := health(t, s, a.live["service/svc0"]); h.Status != provider.ServiceActive {
		t.Errorf("status of a live service %q, want ACTIVE", h.Status)
	}
	if err := s.Delete(ctx, testScope, a.live["service/svc0"]); err != nil {
		t.Fatal(err)
	}
	if h := health(t, s, a.live["service/svc0"]); h.Status != provider.ServiceDraining {
		t.Errorf("status of a deleted service still draining %q, want DRAINING", h.Status)
	}
	err := s.Delete(ctx, testScope, a.live["cluster/main"])
	wantCode(t, err, "ecs:DeleteCluster", "ClusterContainsServicesException")
	clk.Advance(10 * time.Second)
	if _, err := s.Health(ctx, testScope, a.live["service/svc0"]); !provider.IsNotFound(err) {
		t.Errorf("health of a drained service: want NotFound, got %v", err)
	}
	if err := s.Delete(ctx, testScope, a.live["cluster/main"]); err != nil {
		t.Errorf("deleting the cluster once its service is inactive: %v", err)
	}
}
