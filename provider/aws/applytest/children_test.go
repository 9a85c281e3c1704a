package applytest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

// TestEmulatorDestroyRefusesUnownedRule (issue 12, item 3): a listener
// rule someone made with the SDK on gantry's listener, forwarding to
// gantry's target group, blocks destroy: the load balancer and the
// listener (which would delete the rule with them) and the target group
// (which AWS refuses while the rule forwards to it) are not deleted, and
// the errors name the rule's ARN. Once the rule is gone, destroy removes everything.
func TestEmulatorDestroyRefusesUnownedRule(t *testing.T) {
	awstest.Need(t)
	ctx := context.Background()
	scope := provider.Scope{Project: "children", Environment: "staging", Account: awstest.Account, Region: awstest.Region}
	p, err := aws.New(ctx, scope, aws.Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	g := awstest.Graph(scope, awstest.MakeNetwork(t), 1, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	plan, live := planFor(t, p, scope, g)
	if res := applyPlan(t, p, plan, live); len(res.Failed)+len(res.NotStarted) > 0 {
		t.Fatalf("apply:\n%s", failures(res))
	}
	live, err = planner.Read(ctx, p, scope)
	if err != nil {
		t.Fatal(err)
	}
	listener, tg, lb := find(live, "load-balancer/public/listener-app"), find(live, "service/svc0/target-group"), find(live, "load-balancer/public")

	client := elb.NewFromConfig(sdkConfig(t))
	out, err := client.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: awssdk.String(listener.ID), Priority: awssdk.Int32(900),
		Conditions: []elbtypes.RuleCondition{{Field: awssdk.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/legacy/*"}}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: awssdk.String(tg.ID)}},
		Tags:       []elbtypes.Tag{{Key: awssdk.String("team"), Value: awssdk.String("legacy")}}})
	if err != nil {
		t.Fatal(err)
	}
	rule := awssdk.ToString(out.Rules[0].RuleArn)

	// The load balancer and the listener, deleted directly, name the rule.
	for _, o := range []*provider.Observed{lb, listener} {
		var ce *provider.ChildError
		if err := p.Delete(ctx, scope, o); !errors.As(err, &ce) || ce.ChildID != rule || ce.ChildType != catalog.ListenerRule ||
			!ce.Cascades || ce.Address != o.Address || !strings.Contains(err.Error(), rule) {
			t.Errorf("Delete of %s: %v, want a ChildError naming %s", o.Address, err, rule)
		}
	}

	dplan, _ := applier.DestroyPlan(p.Name(), scope, live, true, time.Now())
	res := applyPlan(t, p, dplan, live)
	blocked := map[string]string{}
	for _, b := range res.Blocked() {
		blocked[b.Address] = b.ChildID
		if !strings.Contains(b.Error(), rule) {
			t.Errorf("%s: %v does not name the rule", b.Address, b)
		}
	}
	// The target group's stage comes first (routing before foundation):
	// it is refused, and the stages after it, the listener's and the load
	// balancer's, do not start.
	if blocked["service/svc0/target-group"] != rule || len(blocked) != 1 {
		t.Errorf("blocked: %v, want the target group by the rule %s\n%s", blocked, rule, failures(res))
	}
	if err := res.Failure("destroy"); err == nil || !strings.Contains(err.Error(), rule) {
		t.Errorf("destroy's failure does not name the rule: %v", err)
	}
	left, err := p.ListOwned(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"load-balancer/public", "load-balancer/public/listener-app", "service/svc0/target-group"} {
		if o := find(left, addr); o.ID == "" {
			t.Errorf("%s was deleted despite the unowned rule", addr)
		}
	}
	if r, err := client.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{rule}}); err != nil || len(r.Rules) != 1 {
		t.Errorf("the unowned rule is gone: %v", err)
	}

	// Its owner deletes it; destroy finishes.
	if _, err := client.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: awssdk.String(rule)}); err != nil {
		t.Fatal(err)
	}
	dplan, _ = applier.DestroyPlan(p.Name(), scope, left, true, time.Now())
	if res := applyPlan(t, p, dplan, left); len(res.Failed) > 0 {
		t.Errorf("destroy after the rule was deleted:\n%s", failures(res))
	}
	if left, err := p.ListOwned(ctx, scope); err != nil || len(left) > 0 {
		for _, o := range left {
			t.Errorf("left after destroy: %s %s", o.Address, o.ID)
		}
	}
}
