package planner

import (
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
)

// Turning redirectHTTP off: the port-80 listener stops redirecting to
// HTTPS and answers 404 to what no rule matches, and the services' HTTP
// rules are created on it. The listener's update waits for the rules
// (the stage after theirs): updated first, it would answer 404 to HTTP
// clients that the redirect served, until the rules exist.
func TestRedirectOffUpdatesTheListenerAfterItsNewRules(t *testing.T) {
	env := testEnvironment(0)
	create, err := Diff(compileEnv(t, env, nil), nil, envScope(env), Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := syntheticLive(t, create)
	for _, lb := range env.LoadBalancers {
		if lb.Name == "public" {
			lb.RedirectHTTP = false
		}
	}
	p, err := Diff(compileEnv(t, env, nil), live, envScope(env), Options{})
	if err != nil {
		t.Fatal(err)
	}
	listener := p.Change("load-balancer/public/listener-http")
	if listener == nil || listener.Action != Update {
		t.Fatalf("listener-http: %+v; changes: %s", listener, summaryLine(p))
	}
	var rules []*Change
	for _, c := range p.Changes {
		if c.Type == catalog.ListenerRule && c.Action == Create {
			rules = append(rules, c)
		}
	}
	if len(rules) == 0 {
		t.Fatalf("no HTTP rules created; changes: %s", summaryLine(p))
	}
	for _, r := range rules {
		if !strings.Contains(r.Address, "rule-http") {
			t.Errorf("unexpected rule %s", r.Address)
		}
		if listener.Stage <= r.Stage {
			t.Errorf("listener-http updated in stage %s, not after %s (stage %s)", listener.Stage, r.Address, r.Stage)
		}
		if !strings.Contains(listener.Reason, r.Address) {
			t.Errorf("reason %q does not name %s", listener.Reason, r.Address)
		}
	}
	if listener.Stage != catalog.StageServices || listener.Impact != ImpactAfterRules {
		t.Errorf("listener-http: stage %s, impact %q", listener.Stage, listener.Impact)
	}
	// Apply order: the phase that updates the listener comes after the
	// one that creates the rules.
	phaseOf := map[string]int{}
	for i, ph := range p.Phases() {
		for _, c := range ph.Changes {
			phaseOf[c.Address] = i
		}
	}
	if phaseOf[listener.Address] <= phaseOf[rules[0].Address] {
		t.Errorf("listener-http in phase %d, its rules in %d", phaseOf[listener.Address], phaseOf[rules[0].Address])
	}

	// Turning it back on is not deferred: the redirect serves everything
	// the rules did (they are deleted after it).
	offPlan, err := Diff(compileEnv(t, env, nil), nil, envScope(env), Options{})
	if err != nil {
		t.Fatal(err)
	}
	offLive := syntheticLive(t, offPlan)
	for _, lb := range env.LoadBalancers {
		if lb.Name == "public" {
			lb.RedirectHTTP = true
		}
	}
	p2, err := Diff(compileEnv(t, env, nil), offLive, envScope(env), Options{})
	if err != nil {
		t.Fatal(err)
	}
	on := p2.Change("load-balancer/public/listener-http")
	if on == nil || on.Action != Update || on.Stage != catalog.StageFoundation || on.Impact != ImpactInPlace {
		t.Errorf("redirect on: listener-http %+v", on)
	}
}
