package compiler

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

func TestPathScoreAndBands(t *testing.T) {
	// More specific first: exact host, then wildcard host, then none; within
	// a host class, longer literal prefixes, and exact before wildcard.
	ordered := []struct{ host, path string }{
		{"a.example.com", "/api/v1/users"},
		{"a.example.com", "/api/v1/*"},
		{"a.example.com", "/api/*"},
		{"a.example.com", "/*"},
		{"*.example.com", "/api/*"},
		{"*.example.com", "/*"},
		{"", "/static/*"},
		{"", "/*"},
	}
	for i := 1; i < len(ordered); i++ {
		a, b := ordered[i-1], ordered[i]
		if band(a.host, []string{a.path}) >= band(b.host, []string{b.path}) {
			t.Errorf("%v should be in a lower band than %v", a, b)
		}
	}
	lo, _ := bandRange(0)
	_, hi := bandRange(bandCount - 1)
	if lo != 1 || hi > maxRulePriority {
		t.Errorf("bands span %d..%d", lo, hi)
	}
}

func TestRuleChunks(t *testing.T) {
	got := ruleChunks("", []string{"/static/*", "/assets/*", "/images/*", "/fonts/*", "/favicon.ico", "/robots.txt", "/static/*"})
	want := [][]string{{"/favicon.ico"}, {"/robots.txt"}, {"/assets/*", "/images/*", "/static/*"}, {"/fonts/*"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
	// Wildcards: at most 5 per rule, the host's included.
	got = ruleChunks("*.x.com", []string{"/a*/b*", "/c*/d*", "/e*/f*"})
	for _, c := range got {
		w := 1
		for _, p := range c {
			w += wildcards(p)
		}
		if w > maxWildcardsPerRule || len(c) > maxPathsPerRule {
			t.Errorf("chunk %v has %d wildcards", c, w)
		}
	}
}

// randomEnv is an environment with n random routed services on one load
// balancer with two forwarding listeners.
type randomRoutes struct {
	rng   *rand.Rand
	next  int
	hosts []string
	words []string
}

func newRandomRoutes(seed int64) *randomRoutes {
	return &randomRoutes{
		rng:   rand.New(rand.NewSource(seed)),
		hosts: []string{"", "", "shop.example.com", "api.example.com", "*.example.com", "admin.example.com"},
		words: []string{"api", "v1", "v2", "users", "orders", "static", "img", "health", "graphql", "admin", "search", "cart"},
	}
}

func (r *randomRoutes) service() *config.Service {
	r.next++
	name := fmt.Sprintf("svc%03d", r.next)
	var paths []string
	for i := 0; i < 1+r.rng.Intn(3); i++ {
		p := ""
		for j := 0; j < 1+r.rng.Intn(3); j++ {
			p += "/" + r.words[r.rng.Intn(len(r.words))]
		}
		switch r.rng.Intn(3) {
		case 0:
			p += "/*"
		case 1:
			p += "*"
		}
		paths = append(paths, p)
	}
	if r.rng.Intn(5) == 0 {
		paths = []string{"/*"}
	}
	return &config.Service{
		Name: name, Cluster: "main", Image: "nginx:1", CPU: 256, Memory: 512, Port: 8080,
		Route: &config.Route{LoadBalancer: "lb", Host: r.hosts[r.rng.Intn(len(r.hosts))], Paths: paths,
			HealthCheck: config.TargetHealthCheck{Path: "/"}, DeregistrationDelaySeconds: 30},
		Scale:  config.Scale{Min: 1, Max: 1},
		Deploy: config.Deploy{MinHealthyPercent: 100, MaxPercent: 200},
		Logs:   config.Logs{RetentionDays: 7},
	}
}

func routedEnv(services []*config.Service) *config.Environment {
	return &config.Environment{
		Name: "test", Account: "111111111111", Region: "us-east-1",
		Network:  config.Network{VPC: "vpc-1", PublicSubnets: []string{"subnet-1", "subnet-2"}, PrivateSubnets: []string{"subnet-3"}},
		Clusters: []*config.Cluster{{Name: "main", Capacity: config.Capacity{Fargate: &config.Strategy{Weight: 1}}}},
		LoadBalancers: []*config.LoadBalancer{{Name: "lb", Scheme: "internet-facing", IdleTimeoutSeconds: 60,
			IngressCIDRs: []string{"0.0.0.0/0"}, HTTPS: &config.HTTPS{Certificate: "arn:aws:acm:us-east-1:111111111111:certificate/x"}}},
		Services: services,
	}
}

// rulePriorities compiles services and returns every rule's priority.
func rulePriorities(t *testing.T, services []*config.Service, pinned map[string]int) (map[string]int, *graph.Graph) {
	t.Helper()
	g, err := Compile(routedEnv(services), "p", CompileOptions{PinnedPriorities: pinned})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range g.Resources {
		if r.Type == catalog.ListenerRule {
			out[r.Address] = r.Properties["Priority"].(int)
		}
	}
	return out, g
}

// checkSpecificityOrder asserts that on each listener a rule in a more
// specific band always has a lower priority number.
func checkSpecificityOrder(t *testing.T, g *graph.Graph) {
	t.Helper()
	type rule struct {
		band, prio int
		addr       string
	}
	byListener := map[string][]rule{}
	for _, r := range g.Resources {
		if r.Type != catalog.ListenerRule {
			continue
		}
		var host string
		var paths []string
		for _, c := range r.Properties["Conditions"].([]any) {
			c := c.(map[string]any)
			if c["Field"] == "host-header" {
				host = c["HostHeaderConfig"].(map[string]any)["Values"].([]any)[0].(string)
			} else {
				paths = asStrings(c["PathPatternConfig"].(map[string]any)["Values"])
			}
		}
		ln := r.Properties["ListenerArn"].(graph.Ref).Address
		byListener[ln] = append(byListener[ln], rule{band(host, paths), r.Properties["Priority"].(int), r.Address})
	}
	for ln, rules := range byListener {
		seen := map[int]string{}
		for _, a := range rules {
			if other, dup := seen[a.prio]; dup {
				t.Fatalf("%s: %s and %s share priority %d", ln, a.addr, other, a.prio)
			}
			seen[a.prio] = a.addr
			for _, b := range rules {
				if a.band < b.band && a.prio >= b.prio {
					t.Fatalf("%s: %s (band %d, priority %d) is more specific than %s (band %d, priority %d) but comes later",
						ln, a.addr, a.band, a.prio, b.addr, b.band, b.prio)
				}
			}
		}
	}
}

// TestPriorityProperties is the property test of the priority algorithm,
// over seeded random sets of services:
//   - with the previous compile's priorities pinned, adding a service,
//     removing one or renaming one never changes another rule's priority;
//   - without pins, changes to other rules happen only on hash collisions,
//     which are rare, and the result does not depend on input order;
//   - more specific rules always come first;
//   - compiling twice is byte-identical.
func TestPriorityProperties(t *testing.T) {
	const iterations = 200
	unpinnedMoves, unpinnedRules, denseMoves, denseRules := 0, 0, 0, 0
	for it := 0; it < iterations; it++ {
		gen := newRandomRoutes(int64(it))
		// One iteration in four is dense: every service on one host with
		// "/*", so all rules share one band and hash slots collide often.
		dense := it%4 == 3
		n := 1 + gen.rng.Intn(30)
		if dense {
			n = 60 + gen.rng.Intn(60)
		}
		var services []*config.Service
		for i := 0; i < n; i++ {
			services = append(services, gen.service())
		}
		if dense {
			for _, s := range append(services, nil)[:n] {
				s.Route.Host, s.Route.Paths = "dense.example.com", []string{"/*"}
			}
		}
		before, g := rulePriorities(t, services, nil)
		checkSpecificityOrder(t, g)

		// Byte-identical twice, and independent of service order.
		again, g2 := rulePriorities(t, services, nil)
		if fmt.Sprint(before) != fmt.Sprint(again) || !bytes.Equal(graphJSON(t, g), graphJSON(t, g2)) {
			t.Fatalf("iteration %d: two compiles differ", it)
		}
		shuffled := append([]*config.Service(nil), services...)
		gen.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if perm, _ := rulePriorities(t, shuffled, nil); fmt.Sprint(perm) != fmt.Sprint(before) {
			t.Fatalf("iteration %d: priorities depend on the order of services", it)
		}

		// Add one service, with the live priorities pinned.
		extra := gen.service()
		if dense {
			extra.Route.Host, extra.Route.Paths = "dense.example.com", []string{"/*"}
		}
		added := append(append([]*config.Service(nil), services...), extra)
		after, g := rulePriorities(t, added, before)
		checkSpecificityOrder(t, g)
		for addr, p := range before {
			if after[addr] != p {
				t.Fatalf("iteration %d: adding a service moved %s from %d to %d", it, addr, p, after[addr])
			}
		}
		// The same without pins: count the moves (collisions only).
		free, _ := rulePriorities(t, added, nil)
		for addr, p := range before {
			if dense {
				denseRules++
				if free[addr] != p {
					denseMoves++
				}
				continue
			}
			unpinnedRules++
			if free[addr] != p {
				unpinnedMoves++
			}
		}

		// Remove one and rename one, pinned.
		victim := gen.rng.Intn(len(services))
		removed := append(append([]*config.Service(nil), services[:victim]...), services[victim+1:]...)
		after, _ = rulePriorities(t, removed, before)
		for addr, p := range after {
			if before[addr] != p {
				t.Fatalf("iteration %d: removing %s moved %s from %d to %d", it, services[victim].Name, addr, before[addr], p)
			}
		}
		renamed := *services[victim]
		renamed.Name = "renamed"
		withRename := append(append([]*config.Service(nil), removed...), &renamed)
		after, _ = rulePriorities(t, withRename, before)
		for addr, p := range after {
			if bp, ok := before[addr]; ok && bp != p {
				t.Fatalf("iteration %d: renaming %s moved %s from %d to %d", it, services[victim].Name, addr, bp, p)
			}
		}
	}
	// Without pins, a rule moves only when the new rule's home slot or
	// probe chain lands on it: with bands of 333 slots this is rare.
	rate := float64(unpinnedMoves) / float64(unpinnedRules)
	t.Logf("unpinned: %d of %d existing rules moved when a service was added (%.3f%%); dense bands (60-120 rules in one band): %d of %d (%.2f%%); pinned: none ever moved",
		unpinnedMoves, unpinnedRules, 100*rate, denseMoves, denseRules, 100*float64(denseMoves)/float64(denseRules))
	if rate > 0.01 {
		t.Errorf("unpinned moves too frequent: %.3f%%", 100*rate)
	}
}

// TestPinnedPriorityLeftWhenOutOfBand: a pin is dropped when the rule's
// specificity changed (its paths changed band), and a pin another rule
// holds is not taken twice.
func TestPinnedPriorities(t *testing.T) {
	gen := newRandomRoutes(1)
	a, b := gen.service(), gen.service()
	a.Route.Host, a.Route.Paths = "a.example.com", []string{"/x/*"}
	b.Route.Host, b.Route.Paths = "a.example.com", []string{"/y/*"}
	base, _ := rulePriorities(t, []*config.Service{a, b}, nil)

	// Out of band: a's pinned priority belongs to another band now.
	pins := map[string]int{"service/" + a.Name + "/rule-https": 1}
	got, _ := rulePriorities(t, []*config.Service{a, b}, pins)
	if got["service/"+a.Name+"/rule-https"] == 1 {
		t.Error("an out-of-band pin was kept")
	}
	// Two rules pinned to the same priority: the lower address keeps it.
	same := base["service/"+a.Name+"/rule-https"]
	pins = map[string]int{"service/" + a.Name + "/rule-https": same, "service/" + b.Name + "/rule-https": same}
	got, _ = rulePriorities(t, []*config.Service{a, b}, pins)
	if got["service/"+a.Name+"/rule-https"] != same || got["service/"+b.Name+"/rule-https"] == same {
		t.Errorf("shared pin: %v", got)
	}
	// An explicit priority wins over a pin.
	b.Route.Priority = same
	got, _ = rulePriorities(t, []*config.Service{a, b}, map[string]int{"service/" + a.Name + "/rule-https": same})
	if got["service/"+b.Name+"/rule-https"] != same || got["service/"+a.Name+"/rule-https"] == same {
		t.Errorf("explicit vs pin: %v", got)
	}
}

// TestBandFull: more rules of one specificity than the band holds is an
// error that says what to do, not a silent overlap.
func TestBandFull(t *testing.T) {
	var rules []*ruleSpec
	for i := 0; i <= bandWidth; i++ {
		rules = append(rules, &ruleSpec{Address: fmt.Sprintf("service/s%d/rule-https", i), Listener: "l",
			Identity: fmt.Sprintf("s%d#1", i), Host: "x.com", Paths: []string{"/*"}})
	}
	err := assignPriorities(rules, nil)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("explicit priorities")) {
		t.Fatalf("err = %v", err)
	}
}
