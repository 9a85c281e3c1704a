package applier

import (
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// A port change moves the tasks' security group rule to the new port.
// Revoking the old rule in the identity stage, before any new task runs,
// would cut the running tasks off from their load balancer: the plan makes
// the rule change two-phase (add now, revoke after the services stage's
// health gates) and the apply leaves no traffic gap (Stats.TrafficGaps).
func TestSandboxRuleChangeRevokesAfterTheDeploymentIsHealthy(t *testing.T) {
	k := quickKnobs()
	k.DeploymentDuration = sandbox.Duration(60 * time.Millisecond)
	w := newWorld(t, k)
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.write("overrides.cue", "services: api: port: 9090\n")
	plan := w.plan()
	sg := plan.Change("service/api/security-group")
	if sg == nil || sg.Action != planner.Update || sg.Stage != catalog.StageIdentity || sg.Impact != planner.ImpactAuthorizeFirst {
		t.Fatalf("security group change: %+v", sg)
	}
	d := sg.Deferred
	if d == nil || d.Stage != catalog.StageServices || strings.Join(d.After, ",") != "service/api" || len(d.Revoke) != 1 ||
		d.Revoke[0].Path != "SecurityGroupIngress" || !strings.Contains(catalog.Key(d.Revoke[0].Before), `"FromPort":8080`) {
		t.Fatalf("deferred revoke: %+v", d)
	}
	if !strings.Contains(sg.Reason, "revoked once service/api is healthy") {
		t.Errorf("reason: %q", sg.Reason)
	}

	w.sb.ResetStats()
	var order []string
	var afterFirstStep string
	opts := Options{Progress: ProgressFunc(func(e Event) {
		if e.Err != nil || (e.Kind != EventDone && e.Kind != EventGateDone) {
			return
		}
		order = append(order, string(e.Op)+" "+e.Change.Address)
		if e.Kind == EventDone && e.Op == OpUpdate && e.Change.Address == "service/api/security-group" {
			for _, r := range w.resources(catalog.SecurityGroup) {
				if r.Address == "service/api/security-group" {
					afterFirstStep = catalog.Key(r.Properties["SecurityGroupIngress"])
				}
			}
		}
	})}
	res := w.apply(plan, opts)
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	if gaps := w.sb.Stats().TrafficGaps; len(gaps) > 0 {
		t.Errorf("traffic gaps:\n%s\norder: %v", strings.Join(gaps, "\n"), order)
	}
	if !strings.Contains(afterFirstStep, `"FromPort":8080`) || !strings.Contains(afterFirstStep, `"FromPort":9090`) {
		t.Errorf("rules after the first step: %s, want both ports", afterFirstStep)
	}
	last := func(s string) int {
		n := -1
		for i, o := range order {
			if o == s {
				n = i
			}
		}
		if n < 0 {
			t.Fatalf("%q not done: %v", s, order)
		}
		return n
	}
	if !(last("update service/api/security-group") < last("update service/api") &&
		last("health gate service/api") < last("revoke removed rules service/api/security-group")) {
		t.Errorf("order: %v", order)
	}
	if after := w.plan(); after.HasChanges() {
		t.Errorf("plan after the apply: %v", changesOf(after))
	}
	for _, r := range w.resources(catalog.SecurityGroup) {
		if r.Address == "service/api/security-group" && strings.Contains(catalog.Key(r.Properties["SecurityGroupIngress"]), `"FromPort":8080`) {
			t.Errorf("old rule not revoked: %v", r.Properties["SecurityGroupIngress"])
		}
	}
}

// With nothing deployed, a rule removal has nothing to wait for: one
// in-place update, as before.
func TestSandboxRuleRemovalWithoutDeploymentIsOneStep(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	w.write("overrides.cue", "loadBalancers: public: ingressCidrs: [\"10.0.0.0/8\"]\n")
	plan := w.plan()
	sg := plan.Change("load-balancer/public/security-group")
	if sg == nil || sg.Action != planner.Update || sg.Deferred != nil || sg.Impact != planner.ImpactInPlace {
		t.Fatalf("load balancer security group: %+v; plan %v", sg, changesOf(plan))
	}
}
