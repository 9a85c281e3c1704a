package sandbox

import (
	"maps"
	"regexp"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// albHostedZones are the Route 53 hosted zones of Application Load
// Balancers by region (CanonicalHostedZoneID) (AWS General Reference:
// Elastic Load Balancing endpoints and quotas).
var albHostedZones = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
	"us-west-2": "Z1H1FL5HABSF5", "ca-central-1": "ZQSVJUPU6J1EY", "eu-west-1": "Z32O12XQLNTSW2",
	"eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4", "eu-central-1": "Z215JYRZR1TBD5",
	"eu-north-1": "Z23TAZ7KFP5QB0", "eu-south-1": "Z3ULH7SSC9OV64", "ap-northeast-1": "Z14GRHDCWA56QT",
	"ap-northeast-2": "ZWKZPGTI48KDX", "ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65",
	"ap-south-1": "ZP97RAFLXTNZK", "sa-east-1": "Z2P70J7HTTTPLU",
}

// albAttributeDefaults are the attributes DescribeLoadBalancerAttributes
// returns for every Application Load Balancer, with a new one's values,
// each as the reference states it (ELBv2 API Reference:
// LoadBalancerAttribute, Key). The bucket and prefix keys have no stated
// default: a new load balancer reports them empty. ipv6.deny_all_igw_traffic
// is added by scheme (Read).
var albAttributeDefaults = map[string]string{
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

// targetGroupAttributeDefaults are what DescribeTargetGroupAttributes
// returns for an ALB target group of instance or ip targets, with the
// defaults the reference states (ELBv2 API Reference: TargetGroupAttribute,
// Key): deregistration delay 300 s, stickiness off, cookie durations one
// day (86400 s), round_robin without anomaly mitigation, cross-zone as
// the load balancer, no slow start, DNS failover and unhealthy-state
// routing at 1 target and no percentage. stickiness.type states no
// default (lb_cookie is what a new ALB target group reports), nor does
// the app cookie's name (empty).
var targetGroupAttributeDefaults = map[string]string{
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

// Attribute keys ELB accepts beyond those it returns by default (ELBv2
// API Reference: LoadBalancerAttribute, TargetGroupAttribute); any other
// key is refused.
var extraLBAttributes = map[string]bool{
	"ipv6.deny_all_igw_traffic":        true,
	"dns_record.client_routing_policy": true, "secondary_ips.auto_assigned.per_subnet": true,
}
var extraTGAttributes = map[string]bool{
	"lambda.multi_value_headers.enabled": true, "proxy_protocol_v2.enabled": true,
	"preserve_client_ip.enabled": true, "deregistration_delay.connection_termination.enabled": true,
	"stickiness.source_ip.duration_seconds": true, "target_failover.on_deregistration": true,
	"target_failover.on_unhealthy": true, "target_health_state.unhealthy.connection_termination.enabled": true,
	"target_health_state.unhealthy.draining_interval_seconds": true,
}

// ruleConditionConfigs maps a rule condition field to the config object
// DescribeRules also returns its values in (ELBv2 API Reference:
// RuleCondition: Values or the field's config).
var ruleConditionConfigs = map[string]string{"host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig"}

// Load balancer and target group names: up to 32 alphanumerics and
// hyphens, not beginning or ending with a hyphen (ELBv2 API Reference:
// CreateLoadBalancer, CreateTargetGroup, Name).
var elbNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

func init() {
	register(&handler{
		Type:     catalog.LoadBalancer,
		Taggable: true,
		NameProp: "Name",
		NameMax:  32,
		// CreateLoadBalancer is idempotent: the same settings again
		// succeed (ELBv2 API Reference: CreateLoadBalancer).
		Upsert:   upsertSameSettings,
		CreateOp: "elasticloadbalancing:CreateLoadBalancer",
		UpdateOp: "elasticloadbalancing:ModifyLoadBalancerAttributes",
		DeleteOp: "elasticloadbalancing:DeleteLoadBalancer",
		// Describe calls take up to 400 a page (PageSize), DescribeTags
		// up to 20 resources, attributes one load balancer a call (ELBv2
		// API Reference).
		Reads: []readCall{
			{Op: "elasticloadbalancing:DescribeLoadBalancers", Page: 400},
			{Op: "elasticloadbalancing:DescribeTags", Page: 20},
			{Op: "elasticloadbalancing:DescribeLoadBalancerAttributes", PerItem: true},
		},
		CreateOnly: []string{"Name", "Scheme", "Type"},
		Prepare:    func(p map[string]any) { stringValues(p, "LoadBalancerAttributes") },
		// Names are unique per region and account; ELBv2 API Reference:
		// DuplicateLoadBalancerNameException, LoadBalancerNotFoundException.
		Key: nameKey("Name"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", str(ex.Props, "Name"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("LoadBalancerNotFound", "One or more load balancers not found")
		},
		Validate: validateLoadBalancer,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("elb", r.Key)
			if err != nil {
				return err
			}
			name := str(r.Props, "Name")
			kind := "app"
			switch str(r.Props, "Type") {
			case "network":
				kind = "net"
			case "gateway":
				kind = "gwy"
			}
			full := kind + "/" + name + "/" + b.hex(16)
			arn := "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":loadbalancer/" + full
			dns := strings.ToLower(name) + "-" + b.digits(10) + "." + c.region + ".elb.amazonaws.com"
			if str(r.Props, "Scheme") == "internal" {
				dns = "internal-" + dns
			}
			zone := albHostedZones[c.region]
			if zone == "" {
				zone = "Z" + b.upper(13)
			}
			r.ID = arn
			r.Attrs = map[string]string{
				"LoadBalancerArn":       arn,
				"LoadBalancerFullName":  full,
				"LoadBalancerName":      name,
				"DNSName":               dns,
				"CanonicalHostedZoneID": zone,
			}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			// CreateLoadBalancer: Type default application; Scheme
			// default internet-facing; IpAddressType ipv4 (the reference
			// lists the values; ipv4 is what a load balancer created
			// without it reports).
			setDefault(p, "Type", "application")
			setDefault(p, "Scheme", "internet-facing")
			setDefault(p, "IpAddressType", "ipv4")
			if list(p, "Subnets") == nil {
				// DescribeLoadBalancers lists the subnets of the mappings.
				var subnets []any
				objs(p, "SubnetMappings", func(m map[string]any) { subnets = append(subnets, m["SubnetId"]) })
				if subnets != nil {
					p["Subnets"] = subnets
				}
			}
			c.shuffleKey(r, "", p, "Subnets")
			c.shuffleKey(r, "", p, "SecurityGroups")
			// LoadBalancerAttribute, ipv6.deny_all_igw_traffic: false for
			// internet-facing, true for internal load balancers.
			if p["Type"] == "application" {
				defs := maps.Clone(albAttributeDefaults)
				defs["ipv6.deny_all_igw_traffic"] = "false"
				if p["Scheme"] == "internal" {
					defs["ipv6.deny_all_igw_traffic"] = "true"
				}
				p["LoadBalancerAttributes"] = c.shuffle(r, "LoadBalancerAttributes", mergedAttributes(defs, p, "LoadBalancerAttributes"))
			}
		},
		// Deletion protection refuses DeleteLoadBalancer,
		// OperationNotPermitted (ELBv2 API Reference: DeleteLoadBalancer).
		// Its listeners go with it (ELBv2 API Reference:
		// DeleteLoadBalancer), and their rules with them.
		Children: []string{catalog.Listener},
		Cascades: true,
		CheckDelete: func(c *txc, r *record) error {
			if keyValues(r.Props, "LoadBalancerAttributes")["deletion_protection.enabled"] == "true" {
				return c.errorf("OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled", r.ID)
			}
			return nil
		},
		// Deleting a load balancer deletes its listeners and their rules
		// (ELBv2 API Reference: DeleteLoadBalancer, DeleteListener).
		Delete: func(c *txc, r *record) error {
			listeners, err := c.referrers(r, catalog.Listener)
			if err != nil {
				return err
			}
			for _, l := range listeners {
				if err := deleteListener(c, l); err != nil {
					return err
				}
			}
			return c.remove(r)
		},
	})

	register(&handler{
		Type:     catalog.Listener,
		Taggable: true,
		// CreateListener is idempotent: the same settings again succeed
		// (ELBv2 API Reference: CreateListener).
		Upsert:   upsertSameSettings,
		CreateOp: "elasticloadbalancing:CreateListener",
		UpdateOp: "elasticloadbalancing:ModifyListener",
		DeleteOp: "elasticloadbalancing:DeleteListener",
		Reads: []readCall{
			{Op: "elasticloadbalancing:DescribeListeners", Page: 400},
			{Op: "elasticloadbalancing:DescribeTags", Page: 20},
		},
		CreateOnly: []string{"LoadBalancerArn"},
		Prepare: func(p map[string]any) {
			asNumber(p, "Port")
			prepareActions(p, "DefaultActions")
			stringValues(p, "ListenerAttributes")
		},
		// One listener a port on a load balancer: DuplicateListener
		// (ELBv2 API Reference: DuplicateListenerException).
		Key: func(c *txc, p map[string]any) (string, error) {
			if str(p, "LoadBalancerArn") == "" {
				return "", c.errorf("ValidationError", "A load balancer ARN must be specified")
			}
			return str(p, "LoadBalancerArn") + "|" + str(p, "Port"), nil
		},
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", str(ex.Props, "LoadBalancerArn"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ListenerNotFound", "One or more listeners not found")
		},
		Validate: validateListener,
		Update: func(c *txc, old, r *record) error {
			c.noteRouting(old, r, "DefaultActions")
			return nil
		},
		Create: func(c *txc, r *record) error {
			lb, _ := c.liveByAlias(catalog.LoadBalancer, str(r.Props, "LoadBalancerArn"))
			b, err := c.newIDs("elb-listener", r.Key)
			if err != nil {
				return err
			}
			r.ID = "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":listener/" + lb.Attrs["LoadBalancerFullName"] + "/" + b.hex(16)
			r.Attrs = map[string]string{"ListenerArn": r.ID}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			proto := strings.ToUpper(str(p, "Protocol"))
			// CreateListener, SslPolicy: the reference states no default;
			// a listener created through the API without one reports
			// ELBSecurityPolicy-2016-08 (the console picks a newer one).
			if proto == "HTTPS" || proto == "TLS" {
				setDefault(p, "SslPolicy", "ELBSecurityPolicy-2016-08")
			}
			// MutualAuthenticationAttributes, Mode: default off.
			if proto == "HTTPS" {
				ma := objDefault(p, "MutualAuthentication")
				setDefault(ma, "Mode", "off")
			}
			readActions(c, r, p, "DefaultActions")
			c.shuffleKey(r, "", p, "Certificates")
		},
		// Its rules go with it (ELBv2 API Reference: DeleteListener).
		Children: []string{catalog.ListenerRule},
		Cascades: true,
		Delete:   deleteListener,
	})

	register(&handler{
		Type:     catalog.ListenerRule,
		Taggable: true,
		CreateOp: "elasticloadbalancing:CreateRule",
		UpdateOp: "elasticloadbalancing:ModifyRule",
		DeleteOp: "elasticloadbalancing:DeleteRule",
		Reads: []readCall{
			{Op: "elasticloadbalancing:DescribeRules", Page: 400},
			{Op: "elasticloadbalancing:DescribeTags", Page: 20},
		},
		CreateOnly: []string{"ListenerArn"},
		Prepare: func(p map[string]any) {
			asNumber(p, "Priority")
			prepareActions(p, "Actions")
		},
		// One rule a priority on a listener: PriorityInUse (ELBv2 API
		// Reference: CreateRule, Priority; PriorityInUseException).
		Key: func(c *txc, p map[string]any) (string, error) {
			if str(p, "ListenerArn") == "" {
				return "", c.errorf("ValidationError", "A listener ARN must be specified")
			}
			return str(p, "ListenerArn") + "|" + str(p, "Priority"), nil
		},
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("PriorityInUse", "Priority '%s' is currently in use", str(ex.Props, "Priority"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("RuleNotFound", "One or more rules not found")
		},
		Validate: validateRule,
		Update: func(c *txc, old, r *record) error {
			c.noteRouting(old, r, "Actions")
			return nil
		},
		Create: func(c *txc, r *record) error {
			l, _ := c.liveByAlias(catalog.Listener, str(r.Props, "ListenerArn"))
			b, err := c.newIDs("elb-rule", r.Key)
			if err != nil {
				return err
			}
			r.ID = strings.Replace(l.ID, ":listener/", ":listener-rule/", 1) + "/" + b.hex(16)
			r.Attrs = map[string]string{"RuleArn": r.ID, "IsDefault": "false"}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			objs(p, "Conditions", func(cond map[string]any) {
				field := str(cond, "Field")
				cfgKey := ruleConditionConfigs[field]
				if cfgKey == "" {
					return
				}
				// DescribeRules returns the values both ways: in the
				// legacy Values and in the field's config.
				cfg := objDefault(cond, cfgKey)
				vals := list(cfg, "Values")
				if vals == nil {
					vals = list(cond, "Values")
				}
				vals = c.shuffle(r, "Conditions."+field, vals)
				cfg["Values"] = vals
				cond["Values"] = deepCopy(vals)
			})
			c.shuffleKey(r, "", p, "Conditions")
			readActions(c, r, p, "Actions")
		},
	})

	register(&handler{
		Type:     catalog.TargetGroup,
		Taggable: true,
		NameProp: "Name",
		NameMax:  32,
		// CreateTargetGroup is idempotent: the same settings again
		// succeed (ELBv2 API Reference: CreateTargetGroup).
		Upsert:   upsertSameSettings,
		CreateOp: "elasticloadbalancing:CreateTargetGroup",
		UpdateOp: "elasticloadbalancing:ModifyTargetGroup",
		DeleteOp: "elasticloadbalancing:DeleteTargetGroup",
		Reads: []readCall{
			{Op: "elasticloadbalancing:DescribeTargetGroups", Page: 400},
			{Op: "elasticloadbalancing:DescribeTags", Page: 20},
			{Op: "elasticloadbalancing:DescribeTargetGroupAttributes", PerItem: true},
		},
		CreateOnly: []string{"Name", "Port", "Protocol", "ProtocolVersion", "TargetType", "VpcId", "IpAddressType"},
		Prepare: func(p map[string]any) {
			asNumber(p, "Port", "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount")
			asString(p, "HealthCheckPort")
			if m := obj(p, "Matcher"); m != nil {
				asString(m, "HttpCode")
			}
			stringValues(p, "TargetGroupAttributes")
		},
		// ELBv2 API Reference: DuplicateTargetGroupNameException,
		// TargetGroupNotFoundException.
		Key: nameKey("Name"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", str(ex.Props, "Name"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("TargetGroupNotFound", "One or more target groups not found")
		},
		Validate: validateTargetGroup,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("elb-tg", r.Key)
			if err != nil {
				return err
			}
			name := str(r.Props, "Name")
			full := "targetgroup/" + name + "/" + b.hex(16)
			r.ID = "arn:aws:elasticloadbalancing:" + c.region + ":" + c.account + ":" + full
			r.Attrs = map[string]string{"TargetGroupArn": r.ID, "TargetGroupFullName": full, "TargetGroupName": name}
			return nil
		},
		Read: readTargetGroup,
		// A target group an action forwards to cannot be deleted:
		// ResourceInUse (ELBv2 API Reference: DeleteTargetGroup); nor
		// while a service registers targets in it.
		Children: []string{catalog.Listener, catalog.ListenerRule, catalog.Service},
		CheckDelete: func(c *txc, r *record) error {
			users, err := c.referrers(r, catalog.Listener, catalog.ListenerRule, catalog.Service)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				return c.errorf("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", r.ID)
			}
			return nil
		},
	})
}

// stringValues turns the values of a [{Key, Value}] list into strings.
func stringValues(p map[string]any, k string) {
	objs(p, k, func(o map[string]any) { asString(o, "Value") })
}

// mergedAttributes is defaults overlaid with the attributes written, as a
// [{Key, Value}] list.
func mergedAttributes(defs map[string]string, p map[string]any, k string) []any {
	for key, v := range keyValues(p, k) {
		defs[key] = v
	}
	return keyValueList(defs)
}

func prepareActions(p map[string]any, k string) {
	objs(p, k, func(a map[string]any) {
		asNumber(a, "Order")
		if rc := obj(a, "RedirectConfig"); rc != nil {
			asString(rc, "Port")
		}
		if fr := obj(a, "FixedResponseConfig"); fr != nil {
			asString(fr, "StatusCode")
		}
		if fc := obj(a, "ForwardConfig"); fc != nil {
			objs(fc, "TargetGroups", func(t map[string]any) { asNumber(t, "Weight") })
		}
	})
}

// readActions returns actions as DescribeListeners and DescribeRules do:
// every action has an Order (ELBv2 API Reference: Action, Order: lowest
// first; numbered by position when not given, observed), a forward to one
// target group is described both as TargetGroupArn and as a ForwardConfig
// of weight 1 without stickiness (Action, TargetGroupArn;
// TargetGroupTuple; observed), and redirects have every component filled
// in: unmodified components keep their values, written as the reserved
// keywords (RedirectActionConfig).
func readActions(c *txc, r *record, p map[string]any, k string) {
	for i, e := range list(p, k) {
		a, ok := e.(map[string]any)
		if !ok {
			continue
		}
		setDefault(a, "Order", float64(i+1))
		switch strings.ToLower(str(a, "Type")) {
		case "forward":
			fc := obj(a, "ForwardConfig")
			if fc == nil && str(a, "TargetGroupArn") != "" {
				fc = map[string]any{"TargetGroups": []any{map[string]any{"TargetGroupArn": a["TargetGroupArn"]}}}
				a["ForwardConfig"] = fc
			}
			if fc != nil {
				objs(fc, "TargetGroups", func(t map[string]any) { setDefault(t, "Weight", 1.0) })
				setDefault(objDefault(fc, "TargetGroupStickinessConfig"), "Enabled", false)
				if tgs := list(fc, "TargetGroups"); len(tgs) == 1 {
					setDefault(a, "TargetGroupArn", tgs[0].(map[string]any)["TargetGroupArn"])
				}
				c.shuffleKey(r, k, fc, "TargetGroups")
			}
		case "redirect":
			rc := objDefault(a, "RedirectConfig")
			setDefaults(rc, map[string]any{
				"Host": "#{host}", "Path": "/#{path}", "Port": "#{port}",
				"Protocol": "#{protocol}", "Query": "#{query}",
			})
		}
	}
}

// actionTargetGroups lists the target groups actions forward to.
func actionTargetGroups(p map[string]any, k string) []string {
	var out []string
	objs(p, k, func(a map[string]any) {
		if arn := str(a, "TargetGroupArn"); arn != "" {
			out = append(out, arn)
		}
		objs(obj(a, "ForwardConfig"), "TargetGroups", func(t map[string]any) {
			if arn := str(t, "TargetGroupArn"); arn != "" {
				out = append(out, arn)
			}
		})
	})
	return dedupe(out)
}

var actionTypes = map[string]bool{"forward": true, "redirect": true, "fixed-response": true, "authenticate-oidc": true, "authenticate-cognito": true}

// validateActions checks listener and rule actions (ELBv2 API Reference:
// Action, CreateListener, CreateRule): known types, the configuration
// each type needs, target groups that exist (TargetGroupNotFound) and
// belong to no other load balancer (TargetGroupAssociationLimit: an ALB
// target group serves one load balancer).
func validateActions(c *txc, p map[string]any, k, lbArn string) error {
	actions := list(p, k)
	if len(actions) == 0 {
		return c.errorf("ValidationError", "At least one action must be specified")
	}
	for _, e := range actions {
		a, _ := e.(map[string]any)
		typ := strings.ToLower(str(a, "Type"))
		if !actionTypes[typ] {
			return c.errorf("ValidationError", "Action type '%s' must be one of 'redirect,fixed-response,forward,authenticate-oidc,authenticate-cognito'", str(a, "Type"))
		}
		switch typ {
		case "forward":
			if str(a, "TargetGroupArn") == "" && len(list(obj(a, "ForwardConfig"), "TargetGroups")) == 0 {
				return c.errorf("ValidationError", "A target group ARN must be specified")
			}
		case "redirect":
			if str(obj(a, "RedirectConfig"), "StatusCode") == "" {
				return c.errorf("ValidationError", "A redirect configuration with a status code must be specified")
			}
		case "fixed-response":
			if str(obj(a, "FixedResponseConfig"), "StatusCode") == "" {
				return c.errorf("ValidationError", "A fixed response configuration with a status code must be specified")
			}
		}
	}
	for _, arn := range actionTargetGroups(p, k) {
		tg, err := c.liveByAlias(catalog.TargetGroup, arn)
		if err != nil {
			return err
		}
		if tg == nil {
			return c.notFound("TargetGroupNotFound", "One or more target groups not found")
		}
		if other := targetGroupLoadBalancer(c, tg); other != "" && other != lbArn {
			return c.errorf("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", arn)
		}
	}
	return nil
}

// targetGroupLoadBalancer returns the load balancer a target group is
// associated with through a listener or rule, or "".
func targetGroupLoadBalancer(c *txc, tg *record) string {
	users, err := c.referrers(tg, catalog.Listener, catalog.ListenerRule)
	if err != nil {
		return ""
	}
	for _, u := range users {
		if u.Type == catalog.Listener {
			return str(u.Props, "LoadBalancerArn")
		}
		if l, _ := c.liveByAlias(catalog.Listener, str(u.Props, "ListenerArn")); l != nil {
			return str(l.Props, "LoadBalancerArn")
		}
	}
	return ""
}

// validateLoadBalancer checks what CreateLoadBalancer checks (ELBv2 API
// Reference: CreateLoadBalancer, LoadBalancerAttribute): the name rules,
// subnets in two zones at least for an ALB, existing security groups
// (InvalidSecurityGroup), a known scheme and attribute keys.
func validateLoadBalancer(c *txc, r, old *record) error {
	name := str(r.Props, "Name")
	if len(name) > 32 {
		return c.errorf("ValidationError", "The load balancer name '%s' cannot be longer than '32' characters", name)
	}
	if !elbNamePattern.MatchString(name) || strings.HasPrefix(name, "internal-") {
		return c.errorf("ValidationError", "The load balancer name '%s' can only contain characters that are alphanumeric characters and hyphens(-), must not begin or end with a hyphen, and must not begin with 'internal-'", name)
	}
	subnets := strList(r.Props, "Subnets")
	objs(r.Props, "SubnetMappings", func(m map[string]any) { subnets = append(subnets, str(m, "SubnetId")) })
	typ := str(r.Props, "Type")
	if len(subnets) == 0 {
		return c.errorf("ValidationError", "At least one subnet must be specified")
	}
	if (typ == "" || typ == "application") && len(dedupe(subnets)) < 2 {
		return c.errorf("ValidationError", "At least two subnets in two different Availability Zones must be specified")
	}
	for _, sg := range strList(r.Props, "SecurityGroups") {
		if x, err := c.liveByAlias(catalog.SecurityGroup, sg); err != nil {
			return err
		} else if x == nil {
			return c.errorf("InvalidSecurityGroup", "Security group '%s' does not exist", sg)
		}
	}
	if s := str(r.Props, "Scheme"); s != "" && s != "internet-facing" && s != "internal" {
		return c.errorf("ValidationError", "Scheme '%s' must be one of 'internet-facing, internal'", s)
	}
	for k := range keyValues(r.Props, "LoadBalancerAttributes") {
		if _, ok := albAttributeDefaults[k]; !ok && !extraLBAttributes[k] {
			return c.errorf("ValidationError", "Load balancer attribute key '%s' is not recognized", k)
		}
	}
	return nil
}

// validateListener checks what CreateListener checks (ELBv2 API Reference:
// CreateListener): the load balancer exists, a port 1-65535, a known
// protocol, a certificate for HTTPS, valid actions.
func validateListener(c *txc, r, old *record) error {
	lb, err := c.liveByAlias(catalog.LoadBalancer, str(r.Props, "LoadBalancerArn"))
	if err != nil {
		return err
	}
	if lb == nil {
		return c.notFound("LoadBalancerNotFound", "One or more load balancers not found")
	}
	port, ok := num(r.Props, "Port")
	if !ok || port < 1 || port > 65535 {
		return c.errorf("ValidationError", "Port must be between 1 and 65535")
	}
	proto := strings.ToUpper(str(r.Props, "Protocol"))
	switch proto {
	case "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "":
	default:
		return c.errorf("ValidationError", "Listener protocol '%s' must be one of 'HTTPS, TCP_UDP, TLS, UDP, TCP, HTTP'", proto)
	}
	if proto == "HTTPS" && len(list(r.Props, "Certificates")) == 0 {
		return c.errorf("ValidationError", "A certificate must be specified for HTTPS listeners")
	}
	return validateActions(c, r.Props, "DefaultActions", lb.ID)
}

// validateRule checks what CreateRule checks (ELBv2 API Reference:
// CreateRule, RuleCondition): the listener exists, a priority 1-50000,
// known condition fields, at most 5 condition values a rule (Application
// Load Balancers Guide: quotas), valid actions.
func validateRule(c *txc, r, old *record) error {
	l, err := c.liveByAlias(catalog.Listener, str(r.Props, "ListenerArn"))
	if err != nil {
		return err
	}
	if l == nil {
		return c.notFound("ListenerNotFound", "One or more listeners not found")
	}
	prio, ok := num(r.Props, "Priority")
	if !ok || prio < 1 || prio > 50000 || prio != float64(int(prio)) {
		return c.errorf("ValidationError", "Priority '%s' must be between 1 and 50000", str(r.Props, "Priority"))
	}
	conds := list(r.Props, "Conditions")
	if len(conds) == 0 {
		return c.errorf("ValidationError", "A condition must be specified")
	}
	values := 0
	for _, e := range conds {
		cond, _ := e.(map[string]any)
		field := str(cond, "Field")
		switch field {
		case "host-header", "path-pattern":
			vals := len(list(cond, "Values"))
			cfg := obj(cond, ruleConditionConfigs[field])
			if n := len(list(cfg, "Values")); n > vals {
				vals = n
			}
			if vals == 0 {
				return c.errorf("ValidationError", "A value must be specified for condition '%s'", field)
			}
			values += vals
		case "http-header", "http-request-method", "query-string", "source-ip":
			values++
		default:
			return c.errorf("ValidationError", "Condition field '%s' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'", field)
		}
	}
	if values > 5 {
		return c.errorf("ValidationError", "A rule can only have '5' condition values")
	}
	return validateActions(c, r.Props, "Actions", str(l.Props, "LoadBalancerArn"))
}

// validateTargetGroup checks what CreateTargetGroup checks (ELBv2 API
// Reference: CreateTargetGroup): the name rules; port, protocol and VPC
// unless the targets are a Lambda function; a health check timeout below
// the interval; known attribute keys.
func validateTargetGroup(c *txc, r, old *record) error {
	name := str(r.Props, "Name")
	if len(name) > 32 || !elbNamePattern.MatchString(name) {
		return c.errorf("ValidationError", "Target group name '%s' can only contain characters that are alphanumeric characters or hyphens(-), must not begin or end with a hyphen, and can be at most 32 characters", name)
	}
	if str(r.Props, "TargetType") != "lambda" {
		for _, req := range []struct{ prop, what string }{{"Port", "port"}, {"Protocol", "protocol"}, {"VpcId", "VPC ID"}} {
			if str(r.Props, req.prop) == "" {
				return c.errorf("ValidationError", "A %s must be specified", req.what)
			}
		}
	}
	interval, ok1 := num(r.Props, "HealthCheckIntervalSeconds")
	timeout, ok2 := num(r.Props, "HealthCheckTimeoutSeconds")
	defInterval, defTimeout := healthCheckTiming(str(r.Props, "TargetType"), str(r.Props, "Protocol"))
	if !ok1 {
		interval = defInterval
	}
	if !ok2 {
		timeout = defTimeout
	}
	if timeout >= interval {
		return c.errorf("ValidationError", "Health check timeout '%s' must be smaller than the interval '%s'", formatNumber(timeout), formatNumber(interval))
	}
	for k := range keyValues(r.Props, "TargetGroupAttributes") {
		if _, ok := targetGroupAttributeDefaults[k]; !ok && !extraTGAttributes[k] {
			return c.errorf("ValidationError", "Target group attribute key '%s' is not recognized", k)
		}
	}
	return nil
}

// healthCheckTiming is CreateTargetGroup's default health check interval
// and timeout for a target type and protocol (ELBv2 API Reference:
// CreateTargetGroup, HealthCheckIntervalSeconds: 35 for Lambda, else 30;
// HealthCheckTimeoutSeconds: 30 for Lambda, 6 for HTTP, 10 for HTTPS).
func healthCheckTiming(targetType, protocol string) (interval, timeout float64) {
	if targetType == "lambda" {
		return 35, 30
	}
	if strings.ToUpper(protocol) == "HTTPS" {
		return 30, 10
	}
	return 30, 6
}

// readTargetGroup fills CreateTargetGroup's defaults and the full list of
// target group attributes (ELBv2 API Reference: CreateTargetGroup).
func readTargetGroup(c *txc, r *record, p map[string]any) {
	// TargetType: instance is the default; IpAddressType: ipv4;
	// HealthCheckEnabled: always on for instance, ip and alb targets,
	// off by default for a Lambda function.
	setDefault(p, "TargetType", "instance")
	setDefault(p, "IpAddressType", "ipv4")
	setDefault(p, "HealthCheckEnabled", p["TargetType"] != "lambda")
	if p["TargetType"] == "lambda" {
		return
	}
	proto := strings.ToUpper(str(p, "Protocol"))
	if proto == "HTTP" || proto == "HTTPS" {
		interval, timeout := healthCheckTiming("", proto)
		setDefaults(p, map[string]any{
			// ProtocolVersion: default HTTP1.
			"ProtocolVersion": "HTTP1",
			// HealthCheckProtocol: HTTP for Application Load Balancer
			// target groups, whatever their protocol.
			"HealthCheckProtocol": "HTTP",
			// HealthCheckPath: default / (HTTP1 and HTTP2).
			"HealthCheckPath":            "/",
			"HealthCheckIntervalSeconds": interval,
			"HealthCheckTimeoutSeconds":  timeout,
			// HealthyThresholdCount 5, UnhealthyThresholdCount 2 for
			// HTTP and HTTPS.
			"HealthyThresholdCount":   5.0,
			"UnhealthyThresholdCount": 2.0,
		})
		// Matcher, HttpCode: 200 by default for ALB target groups.
		setDefault(objDefault(p, "Matcher"), "HttpCode", "200")
	}
	// HealthCheckPort: traffic-port by default.
	setDefault(p, "HealthCheckPort", "traffic-port")
	p["TargetGroupAttributes"] = c.shuffle(r, "TargetGroupAttributes", mergedAttributes(maps.Clone(targetGroupAttributeDefaults), p, "TargetGroupAttributes"))
}

// deleteListener deletes a listener and its rules, as ELB does (ELBv2 API
// Reference: DeleteListener; the rules belong to the listener).
func deleteListener(c *txc, l *record) error {
	rules, err := c.referrers(l, catalog.ListenerRule)
	if err != nil {
		return err
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	for _, rule := range rules {
		if err := c.remove(rule); err != nil {
			return err
		}
	}
	return c.remove(l)
}
