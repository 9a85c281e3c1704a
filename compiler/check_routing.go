package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/config"
)

// ALB listener rule conditions: path patterns and host headers are at most
// 128 characters of a limited set. A rule takes at most 5 condition values,
// but that is no limit on a route: the compiler spreads a route's paths
// over as many rules as it needs.
var (
	pathPatternRE = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]*$`)
	hostPatternRE = regexp.MustCompile(`^[A-Za-z0-9\-.*?]+$`)
)

const (
	maxPatternLength     = 128
	minHealthCheckStatus = 200
	maxHealthCheckStatus = 499
)

// checkRoute checks one service's route.
func (c *checker) checkRoute(e *config.Environment, s *config.Service) {
	r := s.Route
	if r == nil {
		return
	}
	env := e.Name
	p := func(rest ...string) []string { return svcPath(s.Name, append([]string{"route"}, rest...)...) }
	if _, inError := c.nameInError("loadBalancers", r.LoadBalancer); e.LoadBalancer(r.LoadBalancer) == nil && !inError {
		c.errorf(env, p("loadBalancer"), c.noSuch("loadBalancers", r.LoadBalancer))
	}
	if s.Port == 0 {
		c.errorf(env, p(), "route needs port: the container port the load balancer sends traffic to")
	}
	if len(r.Paths) == 0 {
		c.errorf(env, p("paths"), `paths is empty: list at least one path pattern (default ["/*"])`)
	}
	for i, path := range r.Paths {
		switch {
		case len(path) > maxPatternLength:
			c.errorf(env, p("paths", fmt.Sprint(i)), fmt.Sprintf("path pattern is %d characters; ALB allows %d", len(path), maxPatternLength))
		case !pathPatternRE.MatchString(path):
			c.errorf(env, p("paths", fmt.Sprint(i)), fmt.Sprintf(`path pattern %q: want "/" then letters, digits and _ - . $ / ~ " ' @ : + & with * and ? wildcards`, path))
		}
	}
	if r.Host != "" {
		switch {
		case len(r.Host) > maxPatternLength:
			c.errorf(env, p("host"), fmt.Sprintf("host is %d characters; ALB allows %d", len(r.Host), maxPatternLength))
		case !hostPatternRE.MatchString(r.Host):
			c.errorf(env, p("host"), fmt.Sprintf("host %q: want letters, digits, '-' and '.', with * and ? wildcards", r.Host))
		}
	}
	hc := r.HealthCheck
	// Comparisons of two fields are made only when neither is in error
	// (one in error would be compared as its zero value).
	if hc.TimeoutSeconds >= hc.IntervalSeconds && c.findingOK(env, p("healthCheck")) {
		c.errorf(env, p("healthCheck", "timeoutSeconds"), fmt.Sprintf("timeoutSeconds %d must be less than intervalSeconds %d", hc.TimeoutSeconds, hc.IntervalSeconds))
	}
	if msg := checkMatcher(hc.Matcher); msg != "" {
		c.errorf(env, p("healthCheck", "matcher"), msg)
	}
	if s.HealthCheck == nil {
		c.warnf(env, svcPath(s.Name), "routed service without a container healthCheck: ECS only learns of a broken task from the load balancer")
	}
}

// checkMatcher checks a target group matcher: HTTP codes 200-499, as single
// codes, a list, or a range.
func checkMatcher(m string) string {
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		switch {
		case err1 != nil || err2 != nil:
			return fmt.Sprintf("matcher %q: want HTTP codes such as 200, 200,204 or 200-299", m)
		case a < minHealthCheckStatus || b > maxHealthCheckStatus:
			return fmt.Sprintf("matcher %q: an ALB health check accepts codes from %d to %d", m, minHealthCheckStatus, maxHealthCheckStatus)
		case a > b:
			return fmt.Sprintf("matcher %q: the range %d-%d is empty", m, a, b)
		}
	}
	return ""
}

// checkRouting checks the services that share a load balancer in one
// environment: no two with the same host and paths (the second would never
// receive a request), and explicit priorities unique.
func (c *checker) checkRouting(e *config.Environment) {
	byMatch := map[string]string{} // lb + host + paths → service
	byPrio := map[string]string{}  // lb + priority → service
	for _, s := range e.Services {
		r := s.Route
		if r == nil || e.LoadBalancer(r.LoadBalancer) == nil || c.isBroken(e.Name, "services", s.Name) || !c.inputsOK(e.Name, svcPath(s.Name, "route")) {
			continue
		}
		paths := slices.Clone(r.Paths)
		slices.Sort(paths)
		paths = slices.Compact(paths)
		key := r.LoadBalancer + "\x00" + strings.ToLower(r.Host) + "\x00" + strings.Join(paths, "\x00")
		if other, dup := byMatch[key]; dup {
			c.errorf(e.Name, svcPath(s.Name, "route", "paths"), fmt.Sprintf(
				"service %s (%s) already routes the same host and paths on load balancer %s: one of them would never receive a request",
				other, c.l.posString(c.pos(e.Name, svcPath(other, "route", "paths")...)), r.LoadBalancer))
		} else {
			byMatch[key] = s.Name
		}
		if r.Priority > 0 {
			pk := r.LoadBalancer + "\x00" + strconv.Itoa(r.Priority)
			if other, dup := byPrio[pk]; dup {
				c.errorf(e.Name, svcPath(s.Name, "route", "priority"), fmt.Sprintf(
					"priority %d is also used by service %s on load balancer %s: listener rule priorities are unique per load balancer",
					r.Priority, other, r.LoadBalancer))
			} else {
				byPrio[pk] = s.Name
			}
		}
	}
	c.checkShadowing(e)
}

// routeRules is one routed service's rules as priority ordering sees
// them: its host, its paths, and the range of priorities they can take.
type routeRules struct {
	service, lb, host string
	paths             []string
	explicit          int // route.priority, 0: assigned by specificity
}

// prioRange is the range of priorities the rule for path can take: an
// explicit priority (and the next ones, one per rule the paths need), or
// the specificity band gantry assigns within.
func (r routeRules) prioRange(path string) (lo, hi int) {
	if r.explicit > 0 {
		return r.explicit, r.explicit + len(r.paths) - 1
	}
	return bandRange(band(r.host, []string{path}))
}

// checkShadowing warns, at the explicit priority responsible, when it
// makes a less specific rule come before a more specific one that it
// overlaps on the same load balancer (the less specific without a host,
// or with the same host): ALB's first match wins, so the more specific
// rule never gets the requests it was written for. Without explicit
// priorities gantry orders rules by specificity, so this cannot happen.
func (c *checker) checkShadowing(e *config.Environment) {
	var routes []routeRules
	for _, s := range e.Services {
		r := s.Route
		if r == nil || len(r.Paths) == 0 || e.LoadBalancer(r.LoadBalancer) == nil || c.isBroken(e.Name, "services", s.Name) ||
			!c.inputsOK(e.Name, svcPath(s.Name, "route")) {
			continue
		}
		routes = append(routes, routeRules{service: s.Name, lb: r.LoadBalancer, host: strings.ToLower(r.Host),
			paths: r.Paths, explicit: r.Priority})
	}
	for _, x := range routes { // x: the less specific one
		for _, y := range routes { // y: the more specific one
			if x.service == y.service || x.lb != y.lb || (x.explicit == 0 && y.explicit == 0) ||
				(x.host != "" && x.host != y.host) {
				continue
			}
			if msg := shadowing(x, y); msg != "" {
				at := x.service
				if x.explicit == 0 {
					at = y.service
				}
				c.warnf(e.Name, svcPath(at, "route", "priority"), msg)
			}
		}
	}
}

// shadowing describes how x's less specific rule comes before y's more
// specific one it overlaps, "" when none does.
func shadowing(x, y routeRules) string {
	for _, px := range x.paths {
		for _, py := range y.paths {
			bx, by := band(x.host, []string{px}), band(y.host, []string{py})
			if bx <= by || !globMatch(px, py) {
				continue // not less specific, or no overlap
			}
			xlo, xhi := x.prioRange(px)
			ylo, yhi := y.prioRange(py)
			if xhi >= ylo {
				continue
			}
			where := "load balancer " + x.lb
			if y.host != "" {
				where += ", host " + y.host
			}
			if x.explicit > 0 {
				return fmt.Sprintf("priority %d puts this route's %q before the more specific %q of service %s (%s) on %s: "+
					"those requests would go to %s, never to %s; leave priority out (gantry orders rules by specificity) or make it greater than %d",
					x.explicit, px, py, y.service, prioText(y, ylo, yhi), where, x.service, y.service, yhi)
			}
			return fmt.Sprintf("priority %d puts this route's %q after the less specific %q of service %s (%s) on %s: "+
				"those requests would go to %s, never to %s; leave priority out (gantry orders rules by specificity) or make it less than %d",
				y.explicit, py, px, x.service, prioText(x, xlo, xhi), where, x.service, y.service, xlo)
		}
	}
	return ""
}

// prioText says which priority a rule has or may be assigned.
func prioText(r routeRules, lo, hi int) string {
	if r.explicit > 0 {
		return fmt.Sprintf("priority %d", r.explicit)
	}
	return fmt.Sprintf("assigned a priority from %d to %d", lo, hi)
}

// globMatch reports whether ALB path pattern p (* any characters, ? one)
// matches s taken literally: whether a request for s's path (with its
// wildcards standing for themselves) also matches p, so the two overlap.
func globMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && globMatch(p[1:], s[1:])
}
