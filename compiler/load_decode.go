package compiler

import (
	"slices"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/config"
)

// The decoders read effective values (checked, defaults filled) into the
// config types. A value in error reads as its zero value: its error is
// already reported, and the project is discarded when there are errors.

func (n *gnode) s(name string) string {
	if c := n.field(name); c != nil {
		return c.str()
	}
	return ""
}

func (n *gnode) i(name string) int {
	if c := n.field(name); c != nil {
		return c.int()
	}
	return 0
}

func (n *gnode) b(name string) bool {
	if c := n.field(name); c != nil {
		return c.bool()
	}
	return false
}

func (n *gnode) has(name string) bool {
	c := n.field(name)
	return c != nil && !c.failed
}

func (n *gnode) optFloat(name string) *float64 {
	c := n.field(name)
	if c == nil || c.failed || !c.concrete {
		return nil
	}
	f := c.float()
	return &f
}

func (n *gnode) strs(name string) []string {
	c := n.field(name)
	if c == nil || c.kind != cue.ListKind || len(c.fields) == 0 {
		return nil
	}
	out := make([]string, 0, len(c.fields))
	for _, f := range c.elems() {
		e := f.node
		out = append(out, e.str())
	}
	return out
}

// each calls f for every field of a struct field, in name order.
func (n *gnode) each(name string, f func(name string, c *gnode)) {
	c := n.field(name)
	if c == nil || c.kind != cue.StructKind {
		return
	}
	fields := slices.Clone(c.fields)
	slices.SortFunc(fields, func(a, b gfield) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	for _, fl := range fields {
		if !fl.node.failed {
			f(fl.name, fl.node)
		}
	}
}

func (n *gnode) envVars(name string) map[string]config.EnvVar {
	var out map[string]config.EnvVar
	n.each(name, func(k string, c *gnode) {
		if out == nil {
			out = map[string]config.EnvVar{}
		}
		ev := config.EnvVar{Value: c.str()}
		if isSensitive(c) {
			ev.Sensitive = true
		}
		out[k] = ev
	})
	return out
}

// isSensitive reports whether a value carries @sensitive() in any of the
// places it was written.
func isSensitive(n *gnode) bool {
	if n.noAttrs {
		// Read from the syntax, which has no attribute for it.
		return false
	}
	for _, v := range []cue.Value{n.value(), n.alt.valueOrZero()} {
		if !v.Exists() {
			continue
		}
		if a := v.Attribute("sensitive"); a.Err() == nil {
			return true
		}
	}
	return false
}

func (n *gnode) secrets(name string) map[string]config.Secret {
	var out map[string]config.Secret
	n.each(name, func(k string, c *gnode) {
		if out == nil {
			out = map[string]config.Secret{}
		}
		out[k] = config.Secret{SSM: c.s("ssm"), SecretsManager: c.s("secretsManager")}
	})
	return out
}

// decodeEnvironment decodes an environment's effective value. Services
// disabled there are not in it.
func (c *checker) decodeEnvironment(name string, n *gnode) *config.Environment {
	net := n.field("network")
	e := &config.Environment{
		Name:    name,
		Account: n.s("account"),
		Region:  n.s("region"),
		Network: config.Network{
			VPC:            net.s("vpc"),
			PublicSubnets:  net.strs("publicSubnets"),
			PrivateSubnets: net.strs("privateSubnets"),
		},
		Notifications: config.Notifications{AlarmTopic: n.field("notifications").s("alarmTopic")},
	}
	if a := n.field("aws"); a != nil {
		e.AWS = &config.AWSAccess{RoleARN: a.s("roleArn"), ExternalID: a.s("externalId")}
	}
	n.each("tags", func(k string, v *gnode) {
		if e.Tags == nil {
			e.Tags = map[string]string{}
		}
		e.Tags[k] = v.str()
	})
	n.each("clusters", func(cn string, cv *gnode) {
		e.Clusters = append(e.Clusters, decodeCluster(cn, cv))
	})
	n.each("loadBalancers", func(ln string, lv *gnode) {
		e.LoadBalancers = append(e.LoadBalancers, decodeLoadBalancer(ln, lv))
	})
	n.each("services", func(sn string, sv *gnode) {
		e.Services = append(e.Services, decodeService(sn, sv))
	})
	for _, r := range c.repositories {
		copied := *r // each environment owns its values
		e.Repositories = append(e.Repositories, &copied)
	}
	return e
}

func decodeCluster(name string, n *gnode) *config.Cluster {
	cl := &config.Cluster{Name: name, ContainerInsights: n.b("containerInsights"), RetainOnDelete: n.b("retainOnDelete")}
	cp := n.field("capacity")
	strategy := func(x *gnode) *config.Strategy {
		if x == nil || x.failed {
			return nil
		}
		return &config.Strategy{Base: x.i("base"), Weight: x.i("weight")}
	}
	cl.Capacity.Fargate = strategy(cp.field("fargate"))
	cl.Capacity.FargateSpot = strategy(cp.field("fargateSpot"))
	if ec2 := cp.field("ec2"); ec2 != nil && !ec2.failed {
		cl.Capacity.EC2 = decodeEC2(ec2)
	}
	// No provider at all: regular Fargate takes every task.
	if cl.Capacity.Fargate == nil && cl.Capacity.FargateSpot == nil && cl.Capacity.EC2 == nil {
		cl.Capacity.Fargate = &config.Strategy{Weight: 1}
	}
	return cl
}

// decodeEC2 reads an EC2 fleet. instanceType is read as a list of one, so
// the compiler and the checks see one list of types either way.
func decodeEC2(n *gnode) *config.EC2 {
	e := &config.EC2{
		InstanceType:      n.s("instanceType"),
		InstanceTypes:     n.strs("instanceTypes"),
		MinInstances:      n.i("minInstances"),
		MaxInstances:      n.i("maxInstances"),
		TargetUtilization: n.i("targetUtilization"),
		RootVolumeGiB:     n.i("rootVolumeGiB"),
		AMI:               n.s("ami"),
		Refresh:           config.Refresh{MinHealthyPercent: n.field("refresh").i("minHealthyPercent")},
	}
	if e.InstanceType != "" && len(e.InstanceTypes) == 0 {
		e.InstanceTypes = []string{e.InstanceType}
	}
	n.each("weights", func(t string, w *gnode) {
		if e.Weights == nil {
			e.Weights = map[string]int{}
		}
		e.Weights[t] = w.int()
	})
	if sp := n.field("spot"); sp != nil && !sp.failed {
		e.Spot = &config.Spot{
			OnDemandBase:         sp.i("onDemandBase"),
			OnDemandPercentAbove: sp.i("onDemandPercentAbove"),
			Strategy:             sp.s("strategy"),
		}
	}
	return e
}

func decodeLoadBalancer(name string, n *gnode) *config.LoadBalancer {
	lb := &config.LoadBalancer{
		Name:               name,
		Scheme:             n.s("scheme"),
		RedirectHTTP:       n.b("redirectHTTP"),
		IdleTimeoutSeconds: n.i("idleTimeoutSeconds"),
		IngressCIDRs:       n.strs("ingressCidrs"),
	}
	lb.RetainOnDelete = n.b("retainOnDelete")
	if !n.has("ingressCidrs") && lb.Scheme == "internet-facing" {
		lb.IngressCIDRs = []string{"0.0.0.0/0"} // the schema's documented default
	}
	if h := n.field("https"); h != nil && !h.failed {
		lb.HTTPS = &config.HTTPS{Certificate: h.s("certificate"), SSLPolicy: h.s("sslPolicy")}
	}
	return lb
}

func decodeService(name string, n *gnode) *config.Service {
	s := &config.Service{
		Name:       name,
		Cluster:    n.s("cluster"),
		Image:      n.s("image"),
		Platform:   n.s("platform"),
		CPU:        n.i("cpu"),
		Memory:     n.i("memory"),
		Port:       n.i("port"),
		Command:    n.strs("command"),
		EntryPoint: n.strs("entryPoint"),
		Env:        n.envVars("env"),
		Secrets:    n.secrets("secrets"),
	}
	if h := n.field("healthCheck"); h != nil && !h.failed {
		s.HealthCheck = &config.ContainerHealthCheck{
			Command:            h.strs("command"),
			IntervalSeconds:    h.i("intervalSeconds"),
			TimeoutSeconds:     h.i("timeoutSeconds"),
			Retries:            h.i("retries"),
			StartPeriodSeconds: h.i("startPeriodSeconds"),
		}
	}
	if r := n.field("route"); r != nil && !r.failed {
		hc := r.field("healthCheck")
		s.Route = &config.Route{
			LoadBalancer: r.s("loadBalancer"),
			Host:         r.s("host"),
			Paths:        r.strs("paths"),
			Priority:     r.i("priority"),
			HealthCheck: config.TargetHealthCheck{
				Path:               hc.s("path"),
				HealthyThreshold:   hc.i("healthyThreshold"),
				UnhealthyThreshold: hc.i("unhealthyThreshold"),
				IntervalSeconds:    hc.i("intervalSeconds"),
				TimeoutSeconds:     hc.i("timeoutSeconds"),
				Matcher:            hc.s("matcher"),
			},
			DeregistrationDelaySeconds: r.i("deregistrationDelaySeconds"),
		}
	}
	sc := n.field("scale")
	s.Scale = config.Scale{
		Min:               sc.i("min"),
		Max:               sc.i("max"),
		CPUTarget:         sc.i("cpuTarget"),
		MemoryTarget:      sc.i("memoryTarget"),
		RequestsPerTarget: sc.i("requestsPerTarget"),
	}
	if !sc.has("max") {
		s.Scale.Max = s.Scale.Min // the schema's documented default
	}
	n.each("alarms", func(an string, a *gnode) {
		al := &config.Alarm{
			Name:       an,
			Metric:     a.s("metric"),
			Above:      a.optFloat("above"),
			Below:      a.optFloat("below"),
			ForMinutes: a.i("forMinutes"),
			Statistic:  a.s("statistic"),
		}
		if !a.has("statistic") {
			al.Statistic = DefaultStatistic(al.Metric)
		}
		s.Alarms = append(s.Alarms, al)
	})
	d := n.field("deploy")
	s.Deploy = config.Deploy{
		CircuitBreaker:    d.b("circuitBreaker"),
		MinHealthyPercent: d.i("minHealthyPercent"),
		MaxPercent:        d.i("maxPercent"),
		RollbackOnAlarms:  d.strs("rollbackOnAlarms"),
	}
	s.Logs.RetentionDays = n.field("logs").i("retentionDays")
	if p := n.field("permissions"); p != nil && p.kind == cue.ListKind {
		for _, f := range p.elems() {
			e := f.node
			if e == nil || e.failed {
				continue
			}
			s.Permissions = append(s.Permissions, config.Permission{Actions: e.strs("actions"), Resources: e.strs("resources")})
		}
	}
	n.each("sidecars", func(cn string, sc *gnode) {
		s.Sidecars = append(s.Sidecars, &config.Sidecar{
			Name:      cn,
			Image:     sc.s("image"),
			CPU:       sc.i("cpu"),
			Memory:    sc.i("memory"),
			Env:       sc.envVars("env"),
			Secrets:   sc.secrets("secrets"),
			Essential: sc.b("essential"),
			Port:      sc.i("port"),
		})
	})
	s.RetainOnDelete = n.b("retainOnDelete")
	return s
}

func decodeRepository(name string, n *gnode) *config.Repository {
	return &config.Repository{
		Name:           name,
		ScanOnPush:     n.b("scanOnPush"),
		ImmutableTags:  n.b("immutableTags"),
		KeepImages:     n.i("keepImages"),
		RetainOnDelete: n.b("retainOnDelete"),
	}
}

// valuePositions returns the positions of the conjuncts that make up v.
// For a value CUE knows from one declaration only, its position is that
// field's label; atValue asks for the value's instead, as the positions of
// a unification's parts are.
func valuePositions(v cue.Value, atValue bool) []token.Pos {
	op, args := v.Expr()
	if op != cue.AndOp {
		if f, ok := v.Source().(*ast.Field); ok && atValue && f.Value != nil && f.Value.Pos().IsValid() {
			return []token.Pos{f.Value.Pos()}
		}
		if p := v.Pos(); p.IsValid() {
			return []token.Pos{p}
		}
		return nil
	}
	var out []token.Pos
	for _, a := range args {
		if p := a.Pos(); p.IsValid() {
			out = append(out, p)
		}
	}
	return out
}
