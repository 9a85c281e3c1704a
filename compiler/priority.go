package compiler

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
)

// Listener rule priorities (docs/compile.md, "Listener rule priorities").
//
// ALB evaluates a listener's rules from the lowest priority number up, and
// the first match wins; priorities are 1..50000 and unique per listener.
// gantry divides that range into specificity bands, most specific first,
// and places each rule in its band at a slot derived from a hash of the
// rule's own identity (service name and rule number), probing linearly
// within the band on a collision. So:
//   - a more specific rule always comes before a less specific one (its
//     band is lower), whatever the services are called;
//   - a rule's slot depends on its own identity, not on which other
//     services exist, so adding, removing or renaming a service leaves the
//     others where they are, except where hash slots collide;
//   - collisions are made harmless by pinning: the planner passes the
//     priorities of the rules already live (CompileOptions.PinnedPriorities)
//     and a live rule keeps its priority whenever it is still in its band
//     and unique, so a deployed rule never moves; new rules take free slots.
//   - an explicit route.priority always wins.
const (
	maxRulePriority = 50000
	// pathClasses: a path's specificity score is 2*min(literal prefix
	// length, maxLiteral) + 1 if it has no wildcard, so 0..2*maxLiteral+1.
	maxLiteral  = 24
	pathClasses = 2*maxLiteral + 2
	// hostClasses: no host, a wildcard host, an exact host.
	hostClasses = 3
	bandCount   = hostClasses * pathClasses // 150
	bandWidth   = maxRulePriority / bandCount
	// ALB limits per rule: at most 5 condition values (the host takes one)
	// and 5 wildcards; gantry puts at most 3 path patterns in a rule, the
	// number of values one condition may hold.
	maxPathsPerRule     = 3
	maxWildcardsPerRule = 5
)

// ruleSpec is one listener rule a service asks for.
type ruleSpec struct {
	Address string // service/api/rule-https[-N]
	// Listener is the address of the listener the rule is on.
	Listener string
	// Identity is the rule's name within its load balancer ("api#1"), the
	// same on every listener, so both listeners of a service agree.
	Identity    string
	Host        string
	Paths       []string // all in one specificity class
	Explicit    int      // route.priority (+ rule number - 1); 0: assigned
	TargetGroup string   // address

	// Set by assignPriorities.
	Band     int
	Priority int
}

// literalLen is the length of a pattern before its first wildcard.
func literalLen(p string) int {
	if i := strings.IndexAny(p, "*?"); i >= 0 {
		return i
	}
	return len(p)
}

func wildcards(p string) int { return strings.Count(p, "*") + strings.Count(p, "?") }

// pathScore: longer literal prefixes are more specific; an exact path
// (no wildcard) is more specific than a pattern with the same prefix.
func pathScore(p string) int {
	n := literalLen(p)
	if n > maxLiteral {
		n = maxLiteral
	}
	score := 2 * n
	if wildcards(p) == 0 {
		score++
	}
	return score
}

// hostClass: an exact host is more specific than a wildcard one, which is
// more specific than none.
func hostClass(host string) int {
	switch {
	case host == "":
		return 0
	case wildcards(host) > 0:
		return 1
	}
	return 2
}

// band is the specificity band of a rule: 0 is the most specific. The host
// decides first, then the path.
func band(host string, paths []string) int {
	rank := hostClass(host)*pathClasses + pathScore(paths[0])
	return bandCount - 1 - rank
}

// bandRange is the inclusive priority range of band b.
func bandRange(b int) (lo, hi int) {
	lo = 1 + b*bandWidth
	return lo, lo + bandWidth - 1
}

// homeSlot is where a rule goes in its band when nothing else is there.
func homeSlot(identity string, b int) int {
	sum := sha256.Sum256([]byte(identity))
	lo, _ := bandRange(b)
	return lo + int(binary.BigEndian.Uint64(sum[:8])%bandWidth)
}

// ruleChunks splits a route's paths into rules: paths of one specificity
// class per rule (so each rule sits in the band of all its paths), most
// specific class first, at most maxPathsPerRule patterns and
// maxWildcardsPerRule wildcards (the host's included) each.
func ruleChunks(host string, paths []string) [][]string {
	byScore := map[int][]string{}
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		byScore[pathScore(p)] = append(byScore[pathScore(p)], p)
	}
	scores := make([]int, 0, len(byScore))
	for s := range byScore {
		scores = append(scores, s)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(scores)))
	hostWild := wildcards(host)
	var out [][]string
	for _, s := range scores {
		group := byScore[s]
		sort.Strings(group)
		var cur []string
		wild := hostWild
		for _, p := range group {
			w := wildcards(p)
			if len(cur) > 0 && (len(cur) == maxPathsPerRule || wild+w > maxWildcardsPerRule) {
				out = append(out, cur)
				cur, wild = nil, hostWild
			}
			cur = append(cur, p)
			wild += w
		}
		out = append(out, cur)
	}
	return out
}

// assignPriorities gives every rule a priority, listener by listener.
func assignPriorities(rules []*ruleSpec, pinned map[string]int) error {
	byListener := map[string][]*ruleSpec{}
	for _, r := range rules {
		r.Band = band(r.Host, r.Paths)
		byListener[r.Listener] = append(byListener[r.Listener], r)
	}
	for _, ln := range sortedKeys(byListener) {
		if err := assignListener(byListener[ln], pinned); err != nil {
			return fmt.Errorf("%s: %w", ln, err)
		}
	}
	return nil
}

// assignListener assigns the priorities of one listener's rules in three
// passes: explicit priorities; pinned (live) priorities still in band and
// free, lowest address first; then every other rule, in order of band and
// home slot, at its home slot or the next free one in its band.
func assignListener(rules []*ruleSpec, pinned map[string]int) error {
	sort.Slice(rules, func(i, j int) bool { return rules[i].Address < rules[j].Address })
	taken := map[int]*ruleSpec{}
	var rest []*ruleSpec
	for _, r := range rules {
		if r.Explicit == 0 {
			continue
		}
		if r.Explicit > maxRulePriority {
			return fmt.Errorf("%s: priority %d is above %d", r.Address, r.Explicit, maxRulePriority)
		}
		if other := taken[r.Explicit]; other != nil {
			return fmt.Errorf("%s and %s both have priority %d", other.Address, r.Address, r.Explicit)
		}
		r.Priority = r.Explicit
		taken[r.Explicit] = r
	}
	for _, r := range rules {
		if r.Explicit != 0 {
			continue
		}
		lo, hi := bandRange(r.Band)
		if p, ok := pinned[r.Address]; ok && p >= lo && p <= hi && taken[p] == nil {
			r.Priority = p
			taken[p] = r
			continue
		}
		rest = append(rest, r)
	}
	homes := make(map[*ruleSpec]int, len(rest))
	for _, r := range rest {
		homes[r] = homeSlot(r.Identity, r.Band)
	}
	sort.Slice(rest, func(i, j int) bool {
		a, b := rest[i], rest[j]
		if a.Band != b.Band {
			return a.Band < b.Band
		}
		if homes[a] != homes[b] {
			return homes[a] < homes[b]
		}
		return a.Identity < b.Identity
	})
	for _, r := range rest {
		lo, hi := bandRange(r.Band)
		p := homes[r]
		for i := 0; taken[p] != nil; i++ {
			if i == bandWidth {
				return fmt.Errorf("more than %d rules of the same specificity as %s (host %q, paths %v); give some of them explicit priorities",
					bandWidth, r.Address, r.Host, r.Paths)
			}
			p++
			if p > hi {
				p = lo
			}
		}
		r.Priority = p
		taken[p] = r
	}
	return nil
}

// listenerRules assigns the priorities of every rule the services asked
// for and adds them to the graph.
func (b *builder) listenerRules() error {
	if err := assignPriorities(b.rules, b.opts.PinnedPriorities); err != nil {
		return err
	}
	for _, r := range b.rules {
		var conds l
		if r.Host != "" {
			conds = append(conds, m{"Field": "host-header", "HostHeaderConfig": m{"Values": l{r.Host}}})
		}
		conds = append(conds, m{"Field": "path-pattern", "PathPatternConfig": m{"Values": strs(r.Paths)}})
		if _, err := b.add(r.Address, catalog.ListenerRule, "", m{
			"ListenerArn": ref(r.Listener, "ListenerArn"),
			"Priority":    r.Priority,
			"Conditions":  conds,
			"Actions":     l{m{"Type": "forward", "TargetGroupArn": ref(r.TargetGroup, "TargetGroupArn")}},
		}); err != nil {
			return err
		}
	}
	return nil
}
