package catalog

import (
	"maps"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(&Type{
		Name:           LoadBalancer,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"LoadBalancerArn"}, Tags: TagsList},
		References: []Reference{
			{Path: "SecurityGroups", Type: SecurityGroup},
		},
		Short: "load balancer",
		// Its DNS name goes with it (a new one gets another), and every
		// request sent to it fails from then on.
		Loses: "its DNS name and the traffic it receives",
		// DeleteLoadBalancer deletes its listeners, and their rules with
		// them (ELBv2 API Reference: DeleteLoadBalancer).
		Children:     []string{Listener},
		Stage:        StageFoundation,
		Attributes:   []string{"LoadBalancerArn", "DNSName", "CanonicalHostedZoneID", "LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"},
		ForceNew:     []string{"Name", "Scheme", "Type"},
		NameProperty: "Name",
		Tagged:       true,
		Ignore:       []string{"LoadBalancerArn", "DNSName", "CanonicalHostedZoneID", "LoadBalancerFullName", "LoadBalancerName"},
		Normalise:    normaliseLoadBalancer,
		Reconcile: func(d, l map[string]any) {
			DropUnlisted(d, l, "LoadBalancerAttributes", "Key")
		},
	})
	Register(&Type{
		Name:           Listener,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"ListenerArn"}},
		References: []Reference{
			{Path: "LoadBalancerArn", Type: LoadBalancer},
			{Path: "DefaultActions.TargetGroupArn", Type: TargetGroup},
			{Path: "DefaultActions.ForwardConfig.TargetGroups.TargetGroupArn", Type: TargetGroup},
		},
		Short: "listener",
		// DeleteListener deletes its rules (ELBv2 API Reference:
		// DeleteListener).
		Children:   []string{ListenerRule},
		Stage:      StageFoundation,
		Attributes: []string{"ListenerArn"},
		ForceNew:   []string{"LoadBalancerArn"},
		// CloudFormation's Listener has no Tags property; the provider tags
		// it through the tagging API.
		Tagged:    true,
		Ignore:    []string{"ListenerArn"},
		Normalise: normaliseListener,
		Reconcile: func(d, l map[string]any) {
			DropUnlisted(d, l, "ListenerAttributes", "Key")
		},
		Hold: func(p map[string]any, from, to string) map[string]any {
			return holdForwards(p, "DefaultActions", from, to)
		},
		Fallback: &Fallback{Property: "DefaultActions", Rules: ListenerRule, Narrows: answersOnlyFixed},
	})
	Register(&Type{
		Name:           ListenerRule,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"RuleArn"}},
		References: []Reference{
			{Path: "ListenerArn", Type: Listener},
			{Path: "Actions.TargetGroupArn", Type: TargetGroup},
			{Path: "Actions.ForwardConfig.TargetGroups.TargetGroupArn", Type: TargetGroup},
		},
		Short:      "listener rule",
		Stage:      StageRouting,
		Attributes: []string{"RuleArn"},
		ForceNew:   []string{"ListenerArn"},
		Pin:        "Priority",
		Tagged:     true,
		Ignore:     []string{"RuleArn", "IsDefault"},
		Normalise:  normaliseListenerRule,
		Hold: func(p map[string]any, from, to string) map[string]any {
			return holdForwards(p, "Actions", from, to)
		},
	})
	Register(&Type{
		Name:           TargetGroup,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"TargetGroupArn"}, Tags: TagsList},
		Short:          "target group",
		// DeleteTargetGroup refuses a group a listener or rule forwards
		// to (ResourceInUse, ELBv2 API Reference: DeleteTargetGroup);
		// a service registering in it loses its targets' registration.
		Children:   []string{Listener, ListenerRule, Service},
		Stage:      StageRouting,
		Attributes: []string{"TargetGroupArn", "TargetGroupFullName", "TargetGroupName", "LoadBalancerArns"},
		ForceNew: []string{"Name", "Port", "Protocol", "ProtocolVersion", "TargetType",
			"VpcId", "IpAddressType"},
		NameProperty: "Name",
		Tagged:       true,
		// ECS registers and deregisters targets: they are never ours.
		Ignore:    []string{"TargetGroupArn", "TargetGroupFullName", "TargetGroupName", "LoadBalancerArns", "Targets"},
		Normalise: normaliseTargetGroup,
		Reconcile: func(d, l map[string]any) {
			DropUnlisted(d, l, "TargetGroupAttributes", "Key")
		},
		// ECS services register their tasks in target groups; listeners
		// and rules forward to them. ECS allows several target groups
		// per service, which is what lets a service serve from the old
		// group and the new one during a replacement.
		Handover: &Handover{
			Registrar: Service, List: "LoadBalancers", Field: "TargetGroupArn",
			Routers: []string{ListenerRule, Listener},
			Drain:   targetGroupDrain,
		},
	})
}

// targetGroupDrain is the target group's deregistration delay:
// connections to its targets may finish that long after traffic moved
// away; 300 seconds unless set (Elastic Load Balancing API Reference:
// TargetGroupAttribute, deregistration_delay.timeout_seconds).
func targetGroupDrain(props map[string]any) time.Duration {
	const awsDefault = 300 * time.Second
	for _, a := range List(props, "TargetGroupAttributes") {
		m, _ := a.(map[string]any)
		if m["Key"] != "deregistration_delay.timeout_seconds" {
			continue
		}
		switch v := m["Value"].(type) {
		case string:
			if n, err := strconv.Atoi(v); err == nil {
				return time.Duration(n) * time.Second
			}
		case float64:
			return time.Duration(v) * time.Second
		case int:
			return time.Duration(v) * time.Second
		}
	}
	return awsDefault
}

// albAttributes are the attributes DescribeLoadBalancerAttributes returns
// for every Application Load Balancer, with the values a new one has.
var albAttributes = map[string]string{
	"access_logs.s3.enabled":                                   "false",
	"access_logs.s3.bucket":                                    "",
	"access_logs.s3.prefix":                                    "",
	"connection_logs.s3.enabled":                               "false",
	"connection_logs.s3.bucket":                                "",
	"connection_logs.s3.prefix":                                "",
	"health_check_logs.s3.enabled":                             "false",
	"health_check_logs.s3.bucket":                              "",
	"health_check_logs.s3.prefix":                              "",
	"client_keep_alive.seconds":                                "3600",
	"deletion_protection.enabled":                              "false",
	"idle_timeout.timeout_seconds":                             "60",
	"load_balancing.cross_zone.enabled":                        "true",
	"routing.http.desync_mitigation_mode":                      "defensive",
	"routing.http.drop_invalid_header_fields.enabled":          "false",
	"routing.http.preserve_host_header.enabled":                "false",
	"routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
	"routing.http.xff_client_port.enabled":                     "false",
	"routing.http.xff_header_processing.mode":                  "append",
	"routing.http2.enabled":                                    "true",
	"waf.fail_open.enabled":                                    "false",
	"zonal_shift.config.enabled":                               "false",
}

// normaliseLoadBalancer fills CreateLoadBalancer's defaults
// (internet-facing application load balancer, IPv4) and the full attribute
// list AWS returns. ipv6.deny_all_igw_traffic defaults by scheme.
func normaliseLoadBalancer(p map[string]any) {
	Default(p, "Type", "application")
	Default(p, "Scheme", "internet-facing")
	Default(p, "IpAddressType", "ipv4")
	// SubnetMappings without addresses say the same as Subnets.
	if sm := List(p, "SubnetMappings"); sm != nil && List(p, "Subnets") == nil {
		var subnets []any
		simple := true
		for _, e := range sm {
			o, _ := e.(map[string]any)
			if len(o) != 1 || o["SubnetId"] == nil {
				simple = false
				break
			}
			subnets = append(subnets, o["SubnetId"])
		}
		if simple {
			p["Subnets"] = subnets
			delete(p, "SubnetMappings")
		}
	}
	Sets(p, "Subnets", "SecurityGroups")
	if p["Type"] == "application" {
		defs := maps.Clone(albAttributes)
		defs["ipv6.deny_all_igw_traffic"] = "false"
		if p["Scheme"] == "internal" {
			defs["ipv6.deny_all_igw_traffic"] = "true"
		}
		KeyValues(p, "LoadBalancerAttributes", defs)
	} else {
		KeyValues(p, "LoadBalancerAttributes", nil)
	}
}

func normaliseListener(p map[string]any) {
	Number(p, "Port")
	Upper(p, "Protocol")
	if p["Protocol"] == "HTTPS" {
		Default(p, "SslPolicy", "ELBSecurityPolicy-2016-08")
	}
	Objs(p, "Certificates", func(c map[string]any) { delete(c, "IsDefault") })
	Set(p, "Certificates")
	normaliseActions(p, "DefaultActions")
	// Mutual TLS off is the same as no mutual TLS configuration.
	if ma := Obj(p, "MutualAuthentication"); ma != nil && (ma["Mode"] == "off" || ma["Mode"] == nil) {
		delete(p, "MutualAuthentication")
	}
	KeyValues(p, "ListenerAttributes", nil)
}

// normaliseActions canonicalises listener and rule actions: Order filled by
// position, a forward to one target group written as TargetGroupArn
// (DescribeListeners returns it both ways at once), redirect defaults.
func normaliseActions(p map[string]any, key string) {
	for i, e := range List(p, key) {
		a, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if s, ok := a["Type"].(string); ok {
			a["Type"] = strings.ToLower(s)
		}
		Number(a, "Order")
		Default(a, "Order", float64(i+1))
		switch a["Type"] {
		case "forward":
			normaliseForward(a)
		case "redirect":
			rc := DefaultObj(a, "RedirectConfig")
			Defaults(rc, map[string]any{
				"Host": "#{host}", "Path": "/#{path}", "Port": "#{port}",
				"Protocol": "#{protocol}", "Query": "#{query}",
			})
			if s, ok := Scalar(rc["Port"]); ok {
				rc["Port"] = s
			}
			Upper(rc, "Protocol")
			if rc["Protocol"] == "#{PROTOCOL}" {
				rc["Protocol"] = "#{protocol}"
			}
		case "fixed-response":
			if fr := Obj(a, "FixedResponseConfig"); fr != nil {
				if s, ok := Scalar(fr["StatusCode"]); ok {
					fr["StatusCode"] = s
				}
			}
		}
	}
	SetBy(p, key, "Order")
}

func normaliseForward(a map[string]any) {
	fc := Obj(a, "ForwardConfig")
	if fc == nil {
		return
	}
	tgs := List(fc, "TargetGroups")
	sticky := Obj(fc, "TargetGroupStickinessConfig")
	stickyOn := sticky != nil && sticky["Enabled"] == true
	if len(tgs) == 1 && !stickyOn {
		if o, ok := tgs[0].(map[string]any); ok && o["TargetGroupArn"] != nil {
			a["TargetGroupArn"] = o["TargetGroupArn"]
			delete(a, "ForwardConfig")
			return
		}
	}
	Objs(fc, "TargetGroups", func(o map[string]any) {
		Number(o, "Weight")
		Default(o, "Weight", 1.0)
	})
	SetBy(fc, "TargetGroups", "TargetGroupArn")
	if !stickyOn {
		delete(fc, "TargetGroupStickinessConfig")
	}
	if len(tgs) > 1 {
		// With several target groups, ForwardConfig is the source of truth.
		delete(a, "TargetGroupArn")
	}
}

// conditionConfigs maps a rule condition field to the config object that
// holds its values; the legacy top-level Values means the same.
var conditionConfigs = map[string]string{
	"host-header":  "HostHeaderConfig",
	"path-pattern": "PathPatternConfig",
}

func normaliseListenerRule(p map[string]any) {
	Number(p, "Priority")
	Objs(p, "Conditions", func(c map[string]any) {
		field, _ := c["Field"].(string)
		cfgKey, ok := conditionConfigs[field]
		if !ok {
			Set(c, "Values")
			return
		}
		cfg := DefaultObj(c, cfgKey)
		vals := append(List(cfg, "Values"), List(c, "Values")...)
		cfg["Values"] = SortSet(vals)
		delete(c, "Values")
	})
	SetBy(p, "Conditions", "Field")
	normaliseActions(p, "Actions")
}

// targetGroupAttributes are what DescribeTargetGroupAttributes returns for
// an Application Load Balancer target group of instance or ip targets,
// with a new group's values.
var targetGroupAttributes = map[string]string{
	"deregistration_delay.timeout_seconds":                                           "300",
	"stickiness.enabled":                                                             "false",
	"stickiness.type":                                                                "lb_cookie",
	"stickiness.lb_cookie.duration_seconds":                                          "86400",
	"stickiness.app_cookie.cookie_name":                                              "",
	"stickiness.app_cookie.duration_seconds":                                         "86400",
	"load_balancing.algorithm.type":                                                  "round_robin",
	"load_balancing.algorithm.anomaly_mitigation":                                    "off",
	"load_balancing.cross_zone.enabled":                                              "use_load_balancer_configuration",
	"slow_start.duration_seconds":                                                    "0",
	"target_group_health.dns_failover.minimum_healthy_targets.count":                 "1",
	"target_group_health.dns_failover.minimum_healthy_targets.percentage":            "off",
	"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      "1",
	"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
}

// normaliseTargetGroup fills CreateTargetGroup's defaults for HTTP(S)
// target groups and the full attribute list AWS returns.
func normaliseTargetGroup(p map[string]any) {
	Numbers(p, "Port", "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds",
		"HealthyThresholdCount", "UnhealthyThresholdCount")
	Bool(p, "HealthCheckEnabled")
	Upper(p, "Protocol")
	Upper(p, "HealthCheckProtocol")
	Default(p, "TargetType", "instance")
	Default(p, "IpAddressType", "ipv4")
	// CreateTargetGroup (Elastic Load Balancing API Reference): health
	// checks are on by default, except for Lambda targets.
	if p["TargetType"] == "lambda" {
		Default(p, "HealthCheckEnabled", false)
		KeyValues(p, "TargetGroupAttributes", nil)
		return
	}
	Default(p, "HealthCheckEnabled", true)
	if proto, _ := p["Protocol"].(string); proto == "HTTP" || proto == "HTTPS" {
		// CreateTargetGroup's defaults for an Application Load Balancer's
		// target group: health checks over HTTP whatever the traffic's
		// protocol, every 30 s, timing out after 6 s (HTTP) or 10 s
		// (HTTPS), 5 successes to be healthy and 2 failures not to be.
		Default(p, "ProtocolVersion", "HTTP1")
		Default(p, "HealthCheckProtocol", "HTTP")
		Default(p, "HealthCheckPath", "/")
		Default(DefaultObj(p, "Matcher"), "HttpCode", "200")
		Default(p, "HealthCheckIntervalSeconds", 30.0)
		timeout := 6.0
		if proto == "HTTPS" {
			timeout = 10.0
		}
		Default(p, "HealthCheckTimeoutSeconds", timeout)
		Default(p, "HealthyThresholdCount", 5.0)
		Default(p, "UnhealthyThresholdCount", 2.0)
	}
	Default(p, "HealthCheckPort", "traffic-port")
	if s, ok := Scalar(p["HealthCheckPort"]); ok {
		p["HealthCheckPort"] = s
	}
	KeyValues(p, "TargetGroupAttributes", targetGroupAttributes)
}

// holdForwards rewrites the forward actions in props[key] that send
// traffic to the target group to: they forward to from with weight 1 and
// to with weight 0 (ForwardConfig; TargetGroupArn dropped, as the API
// wants only one of them for several groups).
func holdForwards(props map[string]any, key, from, to string) map[string]any {
	out, _ := Copy(props).(map[string]any)
	actions, _ := out[key].([]any)
	for _, e := range actions {
		a, ok := e.(map[string]any)
		if !ok || !strings.EqualFold(stringOf(a["Type"]), "forward") {
			continue
		}
		var groups []any
		if fc, ok := a["ForwardConfig"].(map[string]any); ok {
			groups, _ = fc["TargetGroups"].([]any)
		}
		if len(groups) == 0 {
			groups = []any{map[string]any{"TargetGroupArn": a["TargetGroupArn"]}}
		}
		held := false
		var next []any
		for _, g := range groups {
			m, ok := g.(map[string]any)
			if !ok || m["TargetGroupArn"] != to {
				next = append(next, g)
				continue
			}
			held = true
			next = append(next, map[string]any{"TargetGroupArn": to, "Weight": 0})
		}
		if !held {
			continue
		}
		next = append(next, map[string]any{"TargetGroupArn": from, "Weight": 1})
		fc, _ := a["ForwardConfig"].(map[string]any)
		if fc == nil {
			fc = map[string]any{}
		}
		fc["TargetGroups"] = next
		a["ForwardConfig"] = fc
		delete(a, "TargetGroupArn")
	}
	return out
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// answersOnlyFixed reports whether a listener's default actions after a
// change only answer with a fixed response (the 404 of a listener that
// forwards through its rules) while before they redirected or forwarded:
// requests the old default served get an error from the new one.
func answersOnlyFixed(before, after any) bool {
	return onlyFixedResponse(after) && !onlyFixedResponse(before)
}

// onlyFixedResponse reports whether every action in the list is a fixed
// response (false for an empty or missing list).
func onlyFixedResponse(actions any) bool {
	l, _ := actions.([]any)
	for _, a := range l {
		m, _ := a.(map[string]any)
		if typ, _ := m["Type"].(string); !strings.EqualFold(typ, "fixed-response") {
			return false
		}
	}
	return len(l) > 0
}
