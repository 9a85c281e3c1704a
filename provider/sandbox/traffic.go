package sandbox

import (
	"fmt"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
)

// Target registration, as far as gantry's traffic handovers need it: a
// service's deployment registers its tasks in the target groups the
// service named when the deployment started; a target group's healthy
// targets are the running tasks of the deployments that serve (a
// completed primary, an older deployment still active while the primary
// rolls). Listener and rule writes that move traffic to a target group
// without healthy targets, away from one that had them, are recorded as
// traffic gaps (Stats.TrafficGaps): gantry must never make one.

// serviceTargetGroups lists the target group ARNs of a service's
// LoadBalancers.
func serviceTargetGroups(p map[string]any) []string {
	var out []string
	objs(p, "LoadBalancers", func(lb map[string]any) {
		if arn := str(lb, "TargetGroupArn"); arn != "" {
			out = append(out, arn)
		}
	})
	return dedupe(out)
}

// targetGroupHealthy counts the healthy targets of tg now.
func (c *txc) targetGroupHealthy(tg *record) int {
	services, err := c.referrers(tg, catalog.Service)
	if err != nil {
		return 0
	}
	n := 0
	for _, svc := range services {
		deps := map[string]*deployment{}
		for _, d := range settle(svc, c.now) {
			deps[d.ID] = d
		}
		for i, st := range deploymentStatuses(svc, c.now) {
			tgs := serviceTargetGroups(svc.Props)
			if d := deps[st.ID]; d != nil && d.TargetGroups != nil {
				tgs = d.TargetGroups
			}
			if !containsString(tgs, tg.ID) {
				continue
			}
			serving := (i == 0 && st.RolloutState == "COMPLETED") || (i > 0 && st.Status == "ACTIVE")
			if serving {
				n += st.Running
			}
		}
	}
	return n
}

// TargetGroupHealth reports the healthy targets of the target group with
// the given ARN (or name), as DescribeTargetHealth would count them.
func (s *Sandbox) TargetGroupHealth(account, region, arn string) (int, error) {
	n := 0
	err := s.read(account, region, func(c *txc) error {
		tg, err := c.liveByAlias(catalog.TargetGroup, arn)
		if err != nil || tg == nil {
			return err
		}
		n = c.targetGroupHealthy(tg)
		return nil
	})
	return n, err
}

// trafficTargets lists the target groups actions send traffic to: a
// forward's TargetGroupArn, or the groups of its ForwardConfig with a
// weight above zero (a group forwarded to with weight 0 is associated with
// the load balancer but gets no requests).
func trafficTargets(p map[string]any, k string) []string {
	var out []string
	objs(p, k, func(a map[string]any) {
		if !strings.EqualFold(str(a, "Type"), "forward") {
			return
		}
		tgs := list(obj(a, "ForwardConfig"), "TargetGroups")
		if len(tgs) == 0 {
			if arn := str(a, "TargetGroupArn"); arn != "" {
				out = append(out, arn)
			}
			return
		}
		objs(obj(a, "ForwardConfig"), "TargetGroups", func(t map[string]any) {
			if w, ok := num(t, "Weight"); ok && w <= 0 {
				return
			}
			if arn := str(t, "TargetGroupArn"); arn != "" {
				out = append(out, arn)
			}
		})
	})
	return dedupe(out)
}

// noteRouting records a traffic gap when a listener or rule write (old
// nil for a create) moves traffic away from target groups with healthy
// targets to one without.
func (c *txc) noteRouting(old, r *record, k string) {
	if old == nil {
		return
	}
	healthy := func(arn string) bool {
		tg, _ := c.liveByAlias(catalog.TargetGroup, arn)
		return tg != nil && c.targetGroupHealthy(tg) > 0
	}
	served := false
	for _, arn := range trafficTargets(old.Props, k) {
		served = served || healthy(arn)
	}
	if !served {
		return
	}
	for _, arn := range trafficTargets(r.Props, k) {
		if !healthy(arn) {
			c.s.noteGap(fmt.Sprintf("%s %s: traffic moved to target group %s, which has no healthy targets", c.op, r.address(), arn))
		}
	}
}

// noteDeregistration records a traffic gap when a service update takes
// its tasks out of a target group that a listener or rule still sends
// traffic to and that no other service registers in.
func (c *txc) noteDeregistration(old, r *record) {
	now := serviceTargetGroups(r.Props)
	for _, arn := range serviceTargetGroups(old.Props) {
		if containsString(now, arn) {
			continue
		}
		tg, _ := c.liveByAlias(catalog.TargetGroup, arn)
		if tg == nil {
			continue
		}
		services, _ := c.referrers(tg, catalog.Service)
		others := 0
		for _, s := range services {
			if s.ID != old.ID {
				others++
			}
		}
		if others > 0 {
			continue
		}
		routers, _ := c.referrers(tg, catalog.Listener, catalog.ListenerRule)
		for _, rt := range routers {
			key := "Actions"
			if rt.Type == catalog.Listener {
				key = "DefaultActions"
			}
			if containsString(trafficTargets(rt.Props, key), tg.ID) {
				c.s.noteGap(fmt.Sprintf("%s %s: left target group %s, which %s still sends traffic to", c.op, r.address(), arn, rt.address()))
			}
		}
	}
}

func (s *Sandbox) noteGap(msg string) {
	s.mu.Lock()
	s.stats.TrafficGaps = append(s.stats.TrafficGaps, msg)
	s.mu.Unlock()
	s.log.Warn("sandbox: traffic gap: " + msg)
}

func containsString(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
