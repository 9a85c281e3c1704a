package applier

import (
	"testing"

	"github.com/gantry-gitops/gantry/provider"
)

// ECS counts a service's running tasks across deployments: while a new
// deployment starts, the old one's tasks are the running and healthy ones.
// The health line says whose tasks are whose (cmd/gantry's live progress
// line too: TestLiveHealthTellsNewTasksFromOld).
func TestHealthLineTellsNewTasksFromOld(t *testing.T) {
	h := &provider.Health{DeploymentID: "ecs-svc/1", RolloutState: "IN_PROGRESS", Desired: 7, Running: 7, Pending: 7,
		OlderRunning: 7, Targets: map[string]int{"healthy": 7, "unhealthy": 7}}
	if got, want := DescribeHealth(h), "deployment ecs-svc/1 IN_PROGRESS, new 0/7 running, 7 pending, 7 old running, targets 7 healthy 7 unhealthy"; got != want {
		t.Errorf("DescribeHealth:\n got %q\nwant %q", got, want)
	}
	h = &provider.Health{DeploymentID: "ecs-svc/1", RolloutState: "COMPLETED", Desired: 2, Running: 2, Targets: map[string]int{"healthy": 2}}
	if got, want := DescribeHealth(h), "deployment ecs-svc/1 COMPLETED, 2/2 running, targets 2 healthy"; got != want {
		t.Errorf("DescribeHealth:\n got %q\nwant %q", got, want)
	}
}
