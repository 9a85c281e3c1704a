package applier

import (
	"strings"
	"testing"
	"time"
)

// Destroying an environment with EC2 capacity (cluster, capacity provider,
// Auto Scaling group, launch template, instance profile and role, several
// of them sharing one name) and a routed service deletes in dependency
// order: AWS never refuses a delete as "in use" (Stats.InUse), so nothing
// is retried.
func TestSandboxDestroyDeletesInDependencyOrderWithoutConflicts(t *testing.T) {
	w := newWorld(t, quickKnobs())
	w.applyOK(w.plan())
	live := w.live()
	plan, _ := DestroyPlan("sandbox", w.scope, live, true, time.Now())
	w.sb.ResetStats()
	var order, retries []string
	res := w.apply(plan, Options{DeleteData: true, Progress: ProgressFunc(func(e Event) {
		switch {
		case e.Kind == EventRetry:
			retries = append(retries, e.Change.Address+": "+e.Err.Error())
		case e.Kind == EventDone && e.Err == nil:
			order = append(order, e.Change.Address)
		}
	})})
	if err := res.Failure("destroy"); err != nil {
		t.Fatal(err, res.Failed)
	}
	if inUse := w.sb.Stats().InUse; len(inUse) > 0 {
		t.Errorf("deletes refused as in use:\n%s", strings.Join(inUse, "\n"))
	}
	if len(retries) > 0 {
		t.Errorf("retries:\n%s", strings.Join(retries, "\n"))
	}
	pos := map[string]int{}
	for i, a := range order {
		pos[a] = i
	}
	before := [][2]string{
		{"service/api/rule-http", "service/api/target-group"},
		{"load-balancer/public/listener-http", "load-balancer/public"},
		{"service/worker", "cluster/batch"},
		{"service/worker", "cluster/batch/capacity-provider"},
		{"cluster/batch/capacity-provider-associations", "cluster/batch/capacity-provider"},
		{"cluster/batch/capacity-provider", "cluster/batch/auto-scaling-group"},
		{"cluster/batch/auto-scaling-group", "cluster/batch/launch-template"},
		{"cluster/batch/launch-template", "cluster/batch/instance-profile"},
		{"cluster/batch/instance-profile", "cluster/batch/instance-role"},
		{"service/api", "service/api/security-group"},
		{"load-balancer/public", "load-balancer/public/security-group"},
	}
	for _, b := range before {
		i, ok1 := pos[b[0]]
		j, ok2 := pos[b[1]]
		if !ok1 || !ok2 {
			t.Errorf("%s or %s not deleted; order %v", b[0], b[1], order)
			continue
		}
		if i > j {
			t.Errorf("%s deleted after %s", b[0], b[1])
		}
	}
	if left := w.live(); len(left) != 0 {
		t.Errorf("destroy left %d resources", len(left))
	}
}
