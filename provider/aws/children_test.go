package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Delete never goes through a resource gantry does not own (the provider
// contract, provider.Provider.Delete): its children are read first, at the
// HTTP layer here with responses shaped like the ELBv2 and ECS API
// references' examples.

// Every catalog type with Children has a handler that reads them.
func TestEveryTypeWithChildrenReadsThem(t *testing.T) {
	for _, typ := range Types() {
		h, ct := handlers[typ], catalog.MustLookup(typ)
		if (len(ct.Children) > 0) != (h.Children != nil) {
			t.Errorf("%s: catalog children %v, handler reads children: %v", typ, ct.Children, h.Children != nil)
		}
	}
}

const (
	lbARN       = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shop-staging-public/50dc6c495c0c9188"
	listenerARN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shop-staging-public/50dc6c495c0c9188/f2f7dc8efc522ab2"
	defaultRule = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/shop-staging-public/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000000"
	ruleARN     = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener-rule/app/shop-staging-public/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
	tgARN       = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging-api/73e2d6bc24d8a067"
	clusterARN  = "arn:aws:ecs:eu-west-1:111111111111:cluster/shop-staging-main"
	serviceARN  = "arn:aws:ecs:eu-west-1:111111111111:service/shop-staging-main/legacy"
)

func owned(addr string) map[string]string {
	return map[string]string{graph.TagProject: unitScope.Project, graph.TagEnvironment: unitScope.Environment, graph.TagAddress: addr}
}

const elbNS = `xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"`

func elbResponse(op, result string) string {
	return `<` + op + `Response ` + elbNS + `><` + op + `Result>` + result + `</` + op + `Result>` +
		`<ResponseMetadata><RequestId>req-` + op + `</RequestId></ResponseMetadata></` + op + `Response>`
}

func forwardXML(tg string) string {
	return `<member><Type>forward</Type><TargetGroupArn>` + tg + `</TargetGroupArn></member>`
}

// elbAccount answers DescribeListeners, DescribeRules, DescribeTargetGroups
// and DescribeTags for one load balancer with one listener (forwarding to
// the target group by default) and one rule besides the default, tagged
// ruleTags; every delete is recorded.
func elbAccount(ruleTags map[string]string) func(op string, form url.Values, body string, n int) (int, string) {
	tags := map[string]map[string]string{
		lbARN: owned("load-balancer/public"), listenerARN: owned("load-balancer/public/listener-https"),
		ruleARN: ruleTags, tgARN: owned("service/api/target-group"),
	}
	return func(op string, form url.Values, body string, n int) (int, string) {
		switch op {
		case "DescribeListeners":
			if form.Get("LoadBalancerArn") != lbARN {
				return 400, `<ErrorResponse ` + elbNS + `><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error><RequestId>r</RequestId></ErrorResponse>`
			}
			return 200, elbResponse(op, `<Listeners><member><LoadBalancerArn>`+lbARN+`</LoadBalancerArn><Protocol>HTTPS</Protocol><Port>443</Port>`+
				`<ListenerArn>`+listenerARN+`</ListenerArn><DefaultActions>`+forwardXML(tgARN)+`</DefaultActions></member></Listeners>`)
		case "DescribeRules":
			return 200, elbResponse(op, `<Rules>`+
				`<member><IsDefault>true</IsDefault><Conditions/><Priority>default</Priority><Actions>`+forwardXML(tgARN)+`</Actions><RuleArn>`+defaultRule+`</RuleArn></member>`+
				`<member><IsDefault>false</IsDefault><Conditions><member><Field>path-pattern</Field><Values><member>/legacy/*</member></Values></member></Conditions>`+
				`<Priority>7</Priority><Actions>`+forwardXML(tgARN)+`</Actions><RuleArn>`+ruleARN+`</RuleArn></member></Rules>`)
		case "DescribeTargetGroups":
			return 200, elbResponse(op, `<TargetGroups><member><TargetGroupArn>`+tgARN+`</TargetGroupArn><TargetGroupName>shop-staging-api</TargetGroupName>`+
				`<LoadBalancerArns><member>`+lbARN+`</member></LoadBalancerArns></member></TargetGroups>`)
		case "DescribeTags":
			var b strings.Builder
			for i := 1; form.Get(fmt.Sprintf("ResourceArns.member.%d", i)) != ""; i++ {
				arn := form.Get(fmt.Sprintf("ResourceArns.member.%d", i))
				b.WriteString(`<member><ResourceArn>` + arn + `</ResourceArn><Tags>`)
				for k, v := range tags[arn] {
					b.WriteString(`<member><Key>` + k + `</Key><Value>` + v + `</Value></member>`)
				}
				b.WriteString(`</Tags></member>`)
			}
			return 200, elbResponse(op, `<TagDescriptions>`+b.String()+`</TagDescriptions>`)
		case "DeleteLoadBalancer", "DeleteListener", "DeleteTargetGroup":
			return 200, elbResponse(op, ``)
		case "ListClusters":
			return 200, `{"clusterArns":[]}`
		}
		return 400, `{"__type":"UnknownOperationException"}`
	}
}

func deletes(f *fakeAWS) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "Delete") {
			out = append(out, c)
		}
	}
	return out
}

// A listener rule someone else made on gantry's listener blocks the
// deletion of the load balancer (which would delete it through the
// listener), of the listener, and of the target group it forwards to
// (which AWS refuses): each error names the rule's ARN, and nothing is
// deleted.
func TestDeleteRefusesUnownedRule(t *testing.T) {
	p, f := newFake(t, elbAccount(map[string]string{"team": "legacy"}))
	for _, tc := range []struct {
		live     *provider.Observed
		cascades bool
	}{
		{&provider.Observed{Address: "load-balancer/public", Type: catalog.LoadBalancer, ID: lbARN}, true},
		{&provider.Observed{Address: "load-balancer/public/listener-https", Type: catalog.Listener, ID: listenerARN}, true},
	} {
		err := p.Delete(context.Background(), unitScope, tc.live)
		var ce *provider.ChildError
		if !errors.As(err, &ce) {
			t.Fatalf("delete %s: %v, want a ChildError", tc.live.Address, err)
		}
		want := provider.ChildError{Address: tc.live.Address, Type: tc.live.Type, ID: tc.live.ID,
			ChildType: catalog.ListenerRule, ChildID: ruleARN, Cascades: tc.cascades}
		if *ce != want {
			t.Errorf("delete %s:\n got %+v\nwant %+v", tc.live.Address, *ce, want)
		}
		if !strings.Contains(err.Error(), ruleARN) {
			t.Errorf("the error does not name the rule: %v", err)
		}
	}
	// The target group: the listener forwarding to it is gantry's, the
	// rule is not (AWS refuses while it forwards there: no cascade).
	tg := &provider.Observed{Address: "service/api/target-group", Type: catalog.TargetGroup, ID: tgARN}
	err := p.Delete(context.Background(), unitScope, tg)
	var ce *provider.ChildError
	if !errors.As(err, &ce) || ce.ChildID != ruleARN || ce.Cascades || ce.Type != catalog.TargetGroup {
		t.Errorf("delete of the target group: %#v", err)
	}
	if d := deletes(f); len(d) > 0 {
		t.Errorf("deleted despite the unowned rule: %v", d)
	}
	// A person's delete (no project: outside gantry) is not checked.
	if err := p.Delete(context.Background(), provider.Scope{Account: unitScope.Account, Region: unitScope.Region},
		&provider.Observed{Type: catalog.LoadBalancer, ID: lbARN}); err != nil {
		t.Errorf("a delete without a project: %v", err)
	}
	if d := deletes(f); !slices.Equal(d, []string{"DeleteLoadBalancer"}) {
		t.Errorf("deletes %v, want the unchecked DeleteLoadBalancer only", d)
	}
}

// A rule of another environment names its owner and address; a rule
// gantry keeps (gantry:retain) blocks as kept; with every child the
// scope's, the delete goes ahead.
func TestDeleteRefusesOtherEnvironmentsAndKeptRules(t *testing.T) {
	lb := &provider.Observed{Address: "load-balancer/public", Type: catalog.LoadBalancer, ID: lbARN}
	other := map[string]string{graph.TagProject: "shop", graph.TagEnvironment: "prod", graph.TagAddress: "service/x/rule-https"}
	p, _ := newFake(t, elbAccount(other))
	var ce *provider.ChildError
	if err := p.Delete(context.Background(), unitScope, lb); !errors.As(err, &ce) ||
		ce.ChildOwner != "project shop, environment prod" || ce.ChildAddress != "service/x/rule-https" || ce.Retained {
		t.Errorf("another environment's rule: %#v", err)
	}

	kept := owned("service/old/rule-https")
	kept[graph.TagRetain] = "true"
	p, _ = newFake(t, elbAccount(kept))
	if err := p.Delete(context.Background(), unitScope, lb); !errors.As(err, &ce) ||
		!ce.Retained || ce.ChildAddress != "service/old/rule-https" || ce.ChildOwner != "" || !ce.Cascades {
		t.Errorf("a kept rule: %#v", err)
	}

	p, f := newFake(t, elbAccount(owned("service/api/rule-https")))
	if err := p.Delete(context.Background(), unitScope, lb); err != nil {
		t.Fatalf("every child owned: %v", err)
	}
	if d := deletes(f); !slices.Equal(d, []string{"DeleteLoadBalancer"}) {
		t.Errorf("deletes %v, want DeleteLoadBalancer", d)
	}
}

// ecsAccount answers ListClusters, ListServices and DescribeServices for
// one cluster with the given services (JSON: name → tags), each
// registering in the target group.
func ecsAccount(services map[string]map[string]string, fallback func(op string, form url.Values, body string, n int) (int, string)) func(op string, form url.Values, body string, n int) (int, string) {
	arn := func(name string) string {
		return "arn:aws:ecs:eu-west-1:111111111111:service/shop-staging-main/" + name
	}
	return func(op string, form url.Values, body string, n int) (int, string) {
		switch op {
		case "ListClusters":
			return 200, `{"clusterArns":["` + clusterARN + `"]}`
		case "ListServices":
			var arns []string
			for name := range services {
				arns = append(arns, arn(name))
			}
			slices.Sort(arns)
			b, _ := json.Marshal(map[string]any{"serviceArns": arns})
			return 200, string(b)
		case "DescribeServices":
			var in struct{ Services []string }
			_ = json.Unmarshal([]byte(body), &in)
			var out []any
			for _, a := range in.Services {
				name := a[strings.LastIndex(a, "/")+1:]
				var tags []any
				for k, v := range services[name] {
					tags = append(tags, map[string]string{"key": k, "value": v})
				}
				out = append(out, map[string]any{"serviceArn": a, "serviceName": name, "clusterArn": clusterARN, "status": "ACTIVE",
					"tags": tags, "loadBalancers": []any{map[string]any{"targetGroupArn": tgARN, "containerName": name, "containerPort": 8080}}})
			}
			b, _ := json.Marshal(map[string]any{"services": out, "failures": []any{}})
			return 200, string(b)
		case "DeleteCluster":
			return 200, `{"cluster":{"clusterArn":"` + clusterARN + `","status":"INACTIVE"}}`
		}
		return fallback(op, form, body, n)
	}
}

// A service gantry does not own blocks the deletion of its cluster (named
// instead of AWS's retryable ClusterContainsServicesException) and of the
// target group it registers in.
func TestDeleteRefusesUnownedService(t *testing.T) {
	p, f := newFake(t, ecsAccount(map[string]map[string]string{"api": owned("service/api"), "legacy": {"team": "legacy"}},
		elbAccount(owned("service/api/rule-https"))))
	cluster := &provider.Observed{Address: "cluster/main", Type: catalog.Cluster, ID: "shop-staging-main"}
	var ce *provider.ChildError
	err := p.Delete(context.Background(), unitScope, cluster)
	if !errors.As(err, &ce) || ce.ChildType != catalog.Service || ce.ChildID != serviceARN || ce.Cascades || ce.Address != "cluster/main" {
		t.Fatalf("delete of the cluster: %#v", err)
	}
	if provider.IsRetryable(err) {
		t.Error("a ChildError is retryable")
	}
	tg := &provider.Observed{Address: "service/api/target-group", Type: catalog.TargetGroup, ID: tgARN}
	if err := p.Delete(context.Background(), unitScope, tg); !errors.As(err, &ce) || ce.ChildID != serviceARN {
		t.Fatalf("delete of the target group: %#v", err)
	}
	if d := deletes(f); len(d) > 0 {
		t.Errorf("deleted despite the unowned service: %v", d)
	}

	p, f = newFake(t, ecsAccount(map[string]map[string]string{"api": owned("service/api")}, elbAccount(owned("service/api/rule-https"))))
	if err := p.Delete(context.Background(), unitScope, cluster); err != nil {
		t.Fatalf("a cluster with only the scope's services: %v", err)
	}
	if err := p.Delete(context.Background(), unitScope, tg); err != nil {
		t.Fatalf("a target group with only the scope's forwards and services: %v", err)
	}
	if d := deletes(f); !slices.Equal(d, []string{"DeleteCluster", "DeleteTargetGroup"}) {
		t.Errorf("deletes %v", d)
	}
}
