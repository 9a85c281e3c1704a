package sandbox

import (
	"fmt"
	"slices"
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
			if !slices.Contains(tgs, tg.ID) {
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
		if slices.Contains(now, arn) {
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
			if slices.Contains(trafficTargets(rt.Props, key), tg.ID) {
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

// noteSecurityGroup records a traffic gap when a security group write (sg
// as written) leaves the running tasks of a service that uses the group
// unreachable on their port from a load balancer that sends them traffic.
func (c *txc) noteSecurityGroup(sg *record) {
	services, err := c.referrers(sg, catalog.Service)
	if err != nil {
		return
	}
	for _, svc := range services {
		for _, msg := range c.unreachable(svc, sg) {
			c.s.noteGap(fmt.Sprintf("%s %s: %s", c.op, sg.address(), msg))
		}
	}
}

// unreachable describes every running deployment of svc whose tasks a
// listener or rule sends traffic to (through a target group the
// deployment registers in) while none of the service's security groups
// (override standing in for its stored version) admits the tasks' port
// from that load balancer's security groups.
func (c *txc) unreachable(svc, override *record) []string {
	var groups []map[string]any
	for _, id := range serviceSecurityGroups(svc.Props) {
		g, _ := c.liveByAlias(catalog.SecurityGroup, id)
		if override != nil && g != nil && g.ID == override.ID {
			g = override
		}
		if g != nil {
			groups = append(groups, g.Props)
		}
	}
	deps := map[string]*deployment{}
	for _, d := range settle(svc, c.now) {
		deps[d.ID] = d
	}
	var out []string
	for _, st := range deploymentStatuses(svc, c.now) {
		if st.Status == "INACTIVE" || st.Running == 0 {
			continue
		}
		td, _ := c.taskDefinition(st.TaskDefinition)
		tgs := serviceTargetGroups(svc.Props)
		if d := deps[st.ID]; d != nil && d.TargetGroups != nil {
			tgs = d.TargetGroups
		}
		for _, arn := range tgs {
			port, ok := taskPort(svc.Props, td, arn)
			if !ok {
				continue
			}
			for _, lbGroups := range c.routingLoadBalancers(arn) {
				if !admits(groups, port, lbGroups) {
					out = append(out, fmt.Sprintf("%d running tasks of %s (deployment %s) no longer admit port %d from the load balancer that sends them traffic through target group %s",
						st.Running, svc.address(), st.ID, port, arn))
				}
			}
		}
	}
	return out
}

// serviceSecurityGroups lists the security groups of a service's tasks.
func serviceSecurityGroups(p map[string]any) []string {
	var out []string
	for _, v := range list(obj(obj(p, "NetworkConfiguration"), "AwsvpcConfiguration"), "SecurityGroups") {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// taskPort is the container port a service's tasks of task definition td
// register in target group arn with: the port td maps for the container
// the service's LoadBalancers entry for arn names (its first entry when
// none names arn: a deployment registers in groups the service may have
// left since), else that entry's ContainerPort.
func taskPort(svc map[string]any, td *record, arn string) (int, bool) {
	var entry map[string]any
	objs(svc, "LoadBalancers", func(lb map[string]any) {
		if entry == nil || str(lb, "TargetGroupArn") == arn && str(entry, "TargetGroupArn") != arn {
			entry = lb
		}
	})
	if entry == nil {
		return 0, false
	}
	port, found := 0, false
	if td != nil {
		objs(td.Props, "ContainerDefinitions", func(ct map[string]any) {
			if str(ct, "Name") != str(entry, "ContainerName") || found {
				return
			}
			objs(ct, "PortMappings", func(pm map[string]any) {
				if cp, ok := num(pm, "ContainerPort"); ok && !found {
					port, found = int(cp), true
				}
			})
		})
	}
	if !found {
		if cp, ok := num(entry, "ContainerPort"); ok {
			port, found = int(cp), true
		}
	}
	return port, found
}

// routingLoadBalancers returns, for each load balancer with a listener or
// rule that sends traffic to target group arn, its security groups.
func (c *txc) routingLoadBalancers(arn string) [][]string {
	tg, _ := c.liveByAlias(catalog.TargetGroup, arn)
	if tg == nil {
		return nil
	}
	routers, _ := c.referrers(tg, catalog.Listener, catalog.ListenerRule)
	var out [][]string
	seen := map[string]bool{}
	for _, rt := range routers {
		key, listener := "Actions", (*record)(nil)
		if rt.Type == catalog.Listener {
			key, listener = "DefaultActions", rt
		} else {
			listener, _ = c.liveByAlias(catalog.Listener, str(rt.Props, "ListenerArn"))
		}
		if listener == nil || !slices.Contains(trafficTargets(rt.Props, key), tg.ID) {
			continue
		}
		lb, _ := c.liveByAlias(catalog.LoadBalancer, str(listener.Props, "LoadBalancerArn"))
		if lb == nil || seen[lb.ID] {
			continue
		}
		seen[lb.ID] = true
		var sgs []string
		for _, v := range list(lb.Props, "SecurityGroups") {
			if s, ok := v.(string); ok {
				sgs = append(sgs, s)
			}
		}
		out = append(out, sgs)
	}
	return out
}

// admits reports whether one of the groups has an ingress rule that lets
// TCP traffic to port in from one of the source groups (a CIDR rule is
// taken to admit the load balancer).
func admits(groups []map[string]any, port int, sources []string) bool {
	ok := false
	for _, g := range groups {
		objs(g, "SecurityGroupIngress", func(r map[string]any) {
			proto := strings.ToLower(str(r, "IpProtocol"))
			if proto != "-1" && proto != "tcp" && proto != "6" && proto != "all" {
				return
			}
			if proto == "tcp" || proto == "6" {
				from, _ := num(r, "FromPort")
				to, _ := num(r, "ToPort")
				if float64(port) < from || float64(port) > to {
					return
				}
			}
			src := str(r, "SourceSecurityGroupId")
			if src == "" || slices.Contains(sources, src) {
				ok = true
			}
		})
	}
	return ok
}
