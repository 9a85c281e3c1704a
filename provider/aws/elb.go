package aws

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Elastic Load Balancing v2: load balancers, listeners, listener rules
// and target groups. Tags come from the Tagging API when listing and from
// DescribeTags (20 ARNs per call) when reading one back.

func init() {
	register(&handler{Type: catalog.LoadBalancer, ARN: arnResource("elasticloadbalancing", "loadbalancer/"),
		Children: loadBalancerChildren, Cascades: true,
		List: listLoadBalancers, Create: createLoadBalancer, Update: updateLoadBalancer, Tag: elbTag,
		Delete: elbDelete(func(ctx context.Context, c *call, id string) error {
			_, err := c.p.w.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(id)})
			return err
		})})
	register(&handler{Type: catalog.Listener, ARN: arnResource("elasticloadbalancing", "listener/"),
		Children: listenerChildren, Cascades: true,
		List: listListeners, Create: createListener, Update: updateListener, Tag: elbTag,
		Delete: elbDelete(func(ctx context.Context, c *call, id string) error {
			_, err := c.p.w.elb.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(id)})
			return err
		})})
	register(&handler{Type: catalog.ListenerRule, ARN: arnResource("elasticloadbalancing", "listener-rule/"),
		List: listRules, Create: createRule, Update: updateRule, Tag: elbTag,
		Delete: elbDelete(func(ctx context.Context, c *call, id string) error {
			_, err := c.p.w.elb.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: aws.String(id)})
			return err
		})})
	register(&handler{Type: catalog.TargetGroup, ARN: arnResource("elasticloadbalancing", "targetgroup/"),
		Children: targetGroupChildren,
		List:     listTargetGroups, Create: createTargetGroup, Update: updateTargetGroup, Tag: elbTag,
		Delete: elbDelete(func(ctx context.Context, c *call, id string) error {
			_, err := c.p.w.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(id)})
			return err
		})})
}

func elbTags(m map[string]string) []elbtypes.Tag {
	out := make([]elbtypes.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Key < *out[j].Key })
	return out
}

func elbTag(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
	_, err := c.p.w.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{live.ID}, Tags: elbTags(tags)})
	return c.err(err)
}

func elbDelete(del func(ctx context.Context, c *call, id string) error) func(context.Context, *call, *provider.Observed) error {
	return func(ctx context.Context, c *call, live *provider.Observed) error {
		if err := del(ctx, c, live.ID); err != nil && !notFound(err) {
			return c.err(err)
		}
		return nil
	}
}

// elbSyncTags makes the tags of arn want.
func elbSyncTags(ctx context.Context, c *call, arn string, have, want map[string]string) error {
	return syncTags(ctx, c, have, want,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.elb.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: keys})
			return err
		})
}

// describeELBTags reads the tags of arns, 20 per call (the API's limit).
func describeELBTags(ctx context.Context, c *call, arns []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, batch := range chunks(arns, 20) {
		res, err := c.p.r.elb.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		if err != nil {
			return nil, c.err(err)
		}
		for _, d := range res.TagDescriptions {
			m := map[string]string{}
			for _, t := range d.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out[aws.ToString(d.ResourceArn)] = m
		}
	}
	return out, nil
}

// readOneELB reads one resource back through the type's batch read,
// with its tags from DescribeTags.
func readOneELB(ctx context.Context, c *call, arn string,
	list func(context.Context, *call, []taggedARN) ([]*provider.Observed, error)) (*provider.Observed, error) {
	tags, err := describeELBTags(ctx, c, []string{arn})
	if isCode(err, "LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound", "RuleNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	obs, err := list(ctx, c, []taggedARN{{ARN: arn, Tags: tags[arn]}})
	if err != nil || len(obs) == 0 {
		return nil, err
	}
	return obs[0], nil
}

// tagsByARN indexes tagged by ARN.
func tagsByARN(tagged []taggedARN) map[string]map[string]string {
	out := make(map[string]map[string]string, len(tagged))
	for _, t := range tagged {
		out[t.ARN] = t.Tags
	}
	return out
}

// --- load balancers ---

func listLoadBalancers(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := tagsByARN(tagged)
	var out []*provider.Observed
	for _, batch := range chunks(arnIDs(tagged), 20) {
		res, err := c.p.r.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: batch})
		if isCode(err, "LoadBalancerNotFound") {
			continue // deleted since the Tagging API listed it
		}
		if err != nil {
			return nil, c.err(err)
		}
		for _, lb := range res.LoadBalancers {
			o, err := loadBalancerObserved(ctx, c, lb, tags[aws.ToString(lb.LoadBalancerArn)])
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

func loadBalancerObserved(ctx context.Context, c *call, lb elbtypes.LoadBalancer, tags map[string]string) (*provider.Observed, error) {
	arn := aws.ToString(lb.LoadBalancerArn)
	props := map[string]any{"Name": aws.ToString(lb.LoadBalancerName), "Scheme": string(lb.Scheme),
		"Type": string(lb.Type), "IpAddressType": string(lb.IpAddressType), "SecurityGroups": anyStrings(lb.SecurityGroups)}
	var subnets []any
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, aws.ToString(az.SubnetId))
	}
	props["Subnets"] = subnets
	attrs, err := c.p.r.elb.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		return nil, c.err(err)
	}
	props["LoadBalancerAttributes"] = valueOf(attrs.Attributes)
	return observed(catalog.LoadBalancer, arn, "", props, map[string]string{
		"LoadBalancerArn": arn, "DNSName": aws.ToString(lb.DNSName), "CanonicalHostedZoneID": aws.ToString(lb.CanonicalHostedZoneId),
		"LoadBalancerFullName": lastPart(arn, ":loadbalancer/"), "LoadBalancerName": aws.ToString(lb.LoadBalancerName),
	}, tags), nil
}

func anyStrings(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func createLoadBalancer(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "Name")
	// CreateLoadBalancer with an existing name and the same settings
	// returns the existing one: look first, so only an owned one is adopted.
	ex, err := c.p.r.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{name}})
	if err == nil && len(ex.LoadBalancers) == 1 {
		arn := aws.ToString(ex.LoadBalancers[0].LoadBalancerArn)
		read := func(ctx context.Context) (*provider.Observed, error) {
			return readOneELB(ctx, c, arn, listLoadBalancers)
		}
		return adopt(ctx, c, c.errorf("elasticloadbalancing:CreateLoadBalancer", "DuplicateLoadBalancerName",
			"a load balancer named %s exists and does not carry this environment's gantry tags", name), read, updateLoadBalancer, req)
	}
	if err != nil && !isCode(err, "LoadBalancerNotFound") {
		return nil, c.err(err)
	}
	in := &elb.CreateLoadBalancerInput{Tags: elbTags(req.Tags)}
	if err := toSDK(keep(p, "Name", "Scheme", "Type", "IpAddressType", "SecurityGroups", "Subnets", "SubnetMappings"), in); err != nil {
		return nil, c.errorf("elasticloadbalancing:CreateLoadBalancer", "ValidationError", "%v", err)
	}
	out, err := c.p.w.elb.CreateLoadBalancer(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
	if attrs := keyValues(p["LoadBalancerAttributes"]); len(attrs) > 0 {
		if err := modifyLBAttributes(ctx, c, arn, attrs); err != nil {
			return nil, err
		}
	}
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) {
		return readOneELB(ctx, c, arn, listLoadBalancers)
	})
}

func elbAttrs(m map[string]string) []elbtypes.LoadBalancerAttribute {
	var out []elbtypes.LoadBalancerAttribute
	for _, k := range sortedKeys(m) {
		out = append(out, elbtypes.LoadBalancerAttribute{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func modifyLBAttributes(ctx context.Context, c *call, arn string, attrs map[string]string) error {
	_, err := c.p.w.elb.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(arn), Attributes: elbAttrs(attrs)})
	return c.err(err)
}

func updateLoadBalancer(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	want, have := canonicalPair(catalog.LoadBalancer, plain(req.Properties), live.Properties)
	arn := aws.String(live.ID)
	if differs(want, have, "SecurityGroups") {
		if _, err := c.p.w.elb.SetSecurityGroups(ctx, &elb.SetSecurityGroupsInput{LoadBalancerArn: arn,
			SecurityGroups: stringList(want["SecurityGroups"])}); err != nil {
			return nil, c.err(err)
		}
	}
	if differs(want, have, "Subnets", "SubnetMappings") {
		in := &elb.SetSubnetsInput{LoadBalancerArn: arn}
		if err := toSDK(keep(want, "Subnets", "SubnetMappings"), in); err != nil {
			return nil, c.errorf("elasticloadbalancing:SetSubnets", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.elb.SetSubnets(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if differs(want, have, "IpAddressType") {
		if _, err := c.p.w.elb.SetIpAddressType(ctx, &elb.SetIpAddressTypeInput{LoadBalancerArn: arn,
			IpAddressType: elbtypes.IpAddressType(str(want, "IpAddressType"))}); err != nil {
			return nil, c.err(err)
		}
	}
	if changed := changedKeyValues(want["LoadBalancerAttributes"], have["LoadBalancerAttributes"]); len(changed) > 0 {
		if err := modifyLBAttributes(ctx, c, live.ID, changed); err != nil {
			return nil, err
		}
	}
	if err := elbSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) {
		return readOneELB(ctx, c, live.ID, listLoadBalancers)
	})
}

// changedKeyValues returns the entries of want (a canonical Key/Value
// list) whose values have lacks or differs in.
func changedKeyValues(want, have any) map[string]string {
	w, h := keyValues(want), keyValues(have)
	out := map[string]string{}
	for k, v := range w {
		if hv, ok := h[k]; !ok || hv != v {
			out[k] = v
		}
	}
	return out
}

// --- listeners ---

var listenerProps = []string{"LoadBalancerArn", "Port", "Protocol", "SslPolicy", "Certificates", "DefaultActions",
	"AlpnPolicy", "MutualAuthentication"}

func listListeners(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := tagsByARN(tagged)
	var out []*provider.Observed
	for _, batch := range chunks(arnIDs(tagged), 20) {
		res, err := c.p.r.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: batch})
		if isCode(err, "ListenerNotFound") {
			continue
		}
		if err != nil {
			return nil, c.err(err)
		}
		for _, l := range res.Listeners {
			arn := aws.ToString(l.ListenerArn)
			props := keep(fromSDK(l), listenerProps...)
			// A security policy applies to HTTPS and TLS listeners only
			// (API reference, SslPolicy); one read back for another
			// protocol means nothing. The emulator reports one for HTTP.
			if l.Protocol != elbtypes.ProtocolEnumHttps && l.Protocol != elbtypes.ProtocolEnumTls {
				delete(props, "SslPolicy")
			}
			out = append(out, observed(catalog.Listener, arn, "", props, map[string]string{"ListenerArn": arn}, tags[arn]))
		}
	}
	return out, nil
}

// actionsIn coerces a request's actions to the SDK's types: ports and
// status codes are strings in the API.
func actionsIn(p map[string]any, key string) {
	l, _ := p[key].([]any)
	for _, e := range l {
		a, _ := e.(map[string]any)
		if rc, ok := a["RedirectConfig"].(map[string]any); ok {
			stringsIn(rc, "Port")
		}
		if fr, ok := a["FixedResponseConfig"].(map[string]any); ok {
			stringsIn(fr, "StatusCode")
		}
	}
}

func listenerInput(p map[string]any, out any) error {
	m := keep(p, listenerProps...)
	actionsIn(m, "DefaultActions")
	return toSDK(m, out)
}

func createListener(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	// A listener is identified by its load balancer and port: look first,
	// so that a retried create adopts the one it made.
	ex, err := c.p.r.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(str(p, "LoadBalancerArn"))})
	if err != nil {
		return nil, c.err(err)
	}
	port, _ := num(p["Port"])
	for _, l := range ex.Listeners {
		if l.Port != nil && float64(*l.Port) == port {
			arn := aws.ToString(l.ListenerArn)
			read := func(ctx context.Context) (*provider.Observed, error) { return readOneELB(ctx, c, arn, listListeners) }
			return adopt(ctx, c, c.errorf("elasticloadbalancing:CreateListener", "DuplicateListener",
				"the load balancer already has a listener on port %v that does not carry this environment's gantry tags", port),
				read, updateListener, req)
		}
	}
	in := &elb.CreateListenerInput{Tags: elbTags(req.Tags)}
	if err := listenerInput(p, in); err != nil {
		return nil, c.errorf("elasticloadbalancing:CreateListener", "ValidationError", "%v", err)
	}
	out, err := c.p.w.elb.CreateListener(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) { return readOneELB(ctx, c, arn, listListeners) })
}

func updateListener(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.Listener, p, live.Properties)
	if differs(want, have, "Port", "Protocol", "SslPolicy", "Certificates", "DefaultActions", "AlpnPolicy", "MutualAuthentication") {
		in := &elb.ModifyListenerInput{ListenerArn: aws.String(live.ID)}
		m := keep(p, listenerProps...)
		delete(m, "LoadBalancerArn")
		actionsIn(m, "DefaultActions")
		if err := toSDK(m, in); err != nil {
			return nil, c.errorf("elasticloadbalancing:ModifyListener", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.elb.ModifyListener(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if err := elbSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) {
		return readOneELB(ctx, c, live.ID, listListeners)
	})
}

// --- listener rules ---

func listRules(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := tagsByARN(tagged)
	var out []*provider.Observed
	for _, batch := range chunks(arnIDs(tagged), 20) {
		res, err := c.p.r.elb.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: batch})
		if isCode(err, "RuleNotFound") {
			continue
		}
		if err != nil {
			return nil, c.err(err)
		}
		for _, r := range res.Rules {
			out = append(out, ruleObserved(r, tags[aws.ToString(r.RuleArn)]))
		}
	}
	return out, nil
}

func ruleObserved(r elbtypes.Rule, tags map[string]string) *provider.Observed {
	arn := aws.ToString(r.RuleArn)
	props := keep(fromSDK(r), "Conditions", "Actions")
	if f, ok := num(aws.ToString(r.Priority)); ok {
		props["Priority"] = f
	}
	props["ListenerArn"] = ruleListener(arn)
	return observed(catalog.ListenerRule, arn, "", props, map[string]string{"RuleArn": arn}, tags)
}

// ruleListener derives a rule's listener ARN from the rule's ARN
// (DescribeRules does not return it): listener-rule/app/NAME/LB/LISTENER/RULE
// belongs to listener/app/NAME/LB/LISTENER.
func ruleListener(ruleARN string) string {
	i := strings.LastIndex(ruleARN, "/")
	if i < 0 {
		return ""
	}
	return strings.Replace(ruleARN[:i], ":listener-rule/", ":listener/", 1)
}

func ruleInput(p map[string]any, out any, keys ...string) error {
	m := keep(p, keys...)
	actionsIn(m, "Actions")
	return toSDK(m, out)
}

func createRule(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	listener := str(p, "ListenerArn")
	prio, _ := num(p["Priority"])
	// A rule is identified by its listener and priority.
	ex, err := describeListenerRules(ctx, c, listener)
	if err != nil {
		return nil, err
	}
	for _, r := range ex {
		if f, ok := num(aws.ToString(r.Priority)); ok && f == prio {
			arn := aws.ToString(r.RuleArn)
			read := func(ctx context.Context) (*provider.Observed, error) { return readOneELB(ctx, c, arn, listRules) }
			return adopt(ctx, c, c.errorf("elasticloadbalancing:CreateRule", "PriorityInUse",
				"priority %v of the listener is taken by a rule that does not carry this environment's gantry tags", prio),
				read, updateRule, req)
		}
	}
	in := &elb.CreateRuleInput{Tags: elbTags(req.Tags)}
	if err := ruleInput(p, in, "ListenerArn", "Priority", "Conditions", "Actions", "Transforms"); err != nil {
		return nil, c.errorf("elasticloadbalancing:CreateRule", "ValidationError", "%v", err)
	}
	out, err := c.p.w.elb.CreateRule(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(out.Rules[0].RuleArn)
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) { return readOneELB(ctx, c, arn, listRules) })
}

func describeListenerRules(ctx context.Context, c *call, listener string) ([]elbtypes.Rule, error) {
	var out []elbtypes.Rule
	in := &elb.DescribeRulesInput{ListenerArn: aws.String(listener)}
	for {
		res, err := c.p.r.elb.DescribeRules(ctx, in)
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, res.Rules...)
		if res.NextMarker == nil {
			return out, nil
		}
		in.Marker = res.NextMarker
	}
}

func updateRule(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.ListenerRule, p, live.Properties)
	if differs(want, have, "Conditions", "Actions", "Transforms") {
		in := &elb.ModifyRuleInput{RuleArn: aws.String(live.ID)}
		if err := ruleInput(p, in, "Conditions", "Actions", "Transforms"); err != nil {
			return nil, c.errorf("elasticloadbalancing:ModifyRule", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.elb.ModifyRule(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if differs(want, have, "Priority") {
		if _, err := c.p.w.elb.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{
			{RuleArn: aws.String(live.ID), Priority: i32(p, "Priority")}}}); err != nil {
			return nil, c.err(err)
		}
	}
	if err := elbSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readOneELB(ctx, c, live.ID, listRules) })
}

// --- target groups ---

var targetGroupProps = []string{"Name", "HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath",
	"HealthCheckPort", "HealthCheckProtocol", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "IpAddressType",
	"Matcher", "Port", "Protocol", "ProtocolVersion", "TargetType", "UnhealthyThresholdCount", "VpcId"}

// healthCheckProps are what ModifyTargetGroup changes in place.
var healthCheckProps = []string{"HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath",
	"HealthCheckPort", "HealthCheckProtocol", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "Matcher",
	"UnhealthyThresholdCount"}

func listTargetGroups(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := tagsByARN(tagged)
	var out []*provider.Observed
	for _, batch := range chunks(arnIDs(tagged), 100) {
		res, err := c.p.r.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: batch})
		if isCode(err, "TargetGroupNotFound") {
			continue
		}
		if err != nil {
			return nil, c.err(err)
		}
		for _, tg := range res.TargetGroups {
			o, err := targetGroupObserved(ctx, c, tg, tags[aws.ToString(tg.TargetGroupArn)])
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

func targetGroupObserved(ctx context.Context, c *call, tg elbtypes.TargetGroup, tags map[string]string) (*provider.Observed, error) {
	arn := aws.ToString(tg.TargetGroupArn)
	m := fromSDK(tg)
	rename(m, "TargetGroupName", "Name")
	props := keep(m, targetGroupProps...)
	attrs, err := c.p.r.elb.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn})
	if err != nil {
		return nil, c.err(err)
	}
	props["TargetGroupAttributes"] = valueOf(attrs.Attributes)
	return observed(catalog.TargetGroup, arn, "", props, map[string]string{
		"TargetGroupArn": arn, "TargetGroupFullName": "targetgroup/" + lastPart(arn, ":targetgroup/"),
		"TargetGroupName": aws.ToString(tg.TargetGroupName), "LoadBalancerArns": strings.Join(tg.LoadBalancerArns, ","),
	}, tags), nil
}

func targetGroupInput(p map[string]any, out any, keys ...string) error {
	m := keep(p, keys...)
	stringsIn(m, "HealthCheckPort")
	return toSDK(m, out)
}

func createTargetGroup(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "Name")
	ex, err := c.p.r.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{name}})
	if err == nil && len(ex.TargetGroups) == 1 {
		arn := aws.ToString(ex.TargetGroups[0].TargetGroupArn)
		read := func(ctx context.Context) (*provider.Observed, error) {
			return readOneELB(ctx, c, arn, listTargetGroups)
		}
		return adopt(ctx, c, c.errorf("elasticloadbalancing:CreateTargetGroup", "DuplicateTargetGroupName",
			"a target group named %s exists and does not carry this environment's gantry tags", name), read, updateTargetGroup, req)
	}
	if err != nil && !isCode(err, "TargetGroupNotFound") {
		return nil, c.err(err)
	}
	in := &elb.CreateTargetGroupInput{Tags: elbTags(req.Tags)}
	if err := targetGroupInput(p, in, targetGroupProps...); err != nil {
		return nil, c.errorf("elasticloadbalancing:CreateTargetGroup", "ValidationError", "%v", err)
	}
	out, err := c.p.w.elb.CreateTargetGroup(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	if attrs := keyValues(p["TargetGroupAttributes"]); len(attrs) > 0 {
		if err := modifyTGAttributes(ctx, c, arn, attrs); err != nil {
			return nil, err
		}
	}
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) {
		return readOneELB(ctx, c, arn, listTargetGroups)
	})
}

func modifyTGAttributes(ctx context.Context, c *call, arn string, attrs map[string]string) error {
	var list []elbtypes.TargetGroupAttribute
	for _, k := range sortedKeys(attrs) {
		list = append(list, elbtypes.TargetGroupAttribute{Key: aws.String(k), Value: aws.String(attrs[k])})
	}
	_, err := c.p.w.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn), Attributes: list})
	return c.err(err)
}

func updateTargetGroup(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.TargetGroup, p, live.Properties)
	if differs(want, have, healthCheckProps...) {
		in := &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(live.ID)}
		if err := targetGroupInput(want, in, healthCheckProps...); err != nil {
			return nil, c.errorf("elasticloadbalancing:ModifyTargetGroup", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.elb.ModifyTargetGroup(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if changed := changedKeyValues(want["TargetGroupAttributes"], have["TargetGroupAttributes"]); len(changed) > 0 {
		if err := modifyTGAttributes(ctx, c, live.ID, changed); err != nil {
			return nil, err
		}
	}
	if err := elbSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) {
		return readOneELB(ctx, c, live.ID, listTargetGroups)
	})
}
