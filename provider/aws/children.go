package aws

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Never through a resource gantry does not own (provider.Provider.Delete's
// contract): before deleting a resource whose type has Children in the
// catalog, Delete reads its live children through the API, with their
// tags, and their children in turn, and refuses with a
// *provider.ChildError when one is not the scope's or is kept
// (graph.TagRetain):
//
//   - a load balancer's listeners: DescribeListeners of the load balancer
//     (DeleteLoadBalancer deletes them, ELBv2 API Reference);
//   - a listener's rules: DescribeRules of the listener, the default rule
//     left out (it is the listener's own DefaultActions, not a resource;
//     DeleteListener deletes the others);
//   - a target group's listeners and rules that forward to it:
//     DescribeListeners and DescribeRules of the load balancers it is
//     associated with (DescribeTargetGroups' LoadBalancerArns;
//     DeleteTargetGroup refuses while they exist), and the ECS services
//     that register in it: DescribeServices of every service in the
//     account's clusters (ECS has no lookup by target group; a cluster
//     the deployer may not read, AccessDeniedException, is another
//     team's and is skipped);
//   - a cluster's services: ListServices and DescribeServices of the
//     cluster (DeleteCluster refuses while any is ACTIVE or DRAINING).
//
// Tags come from DescribeTags (ELB, 20 ARNs a call) and DescribeServices
// with Include TAGS (ECS, 10 services a call). A DRAINING service is not
// a child that blocks: it is already deleted (by whoever deleted it), and
// the cluster's delete waits for it as AWS's retryable
// ClusterContainsServicesException.

// child is one live child of a resource: its type, id and tags.
type child struct {
	typ, id string
	tags    map[string]string
}

// checkChildren refuses the delete of top when the resource of type typ
// with id (top itself or one of its descendants) has a child that c's
// scope does not own or that gantry keeps. cascades says whether every
// step from top down to this resource deletes with its parent.
func checkChildren(ctx context.Context, c *call, top *provider.Observed, typ, id string, cascades bool) error {
	h := handlers[typ]
	if h == nil || h.Children == nil {
		return nil
	}
	kids, err := h.Children(ctx, c, id)
	if err != nil {
		return err
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].id < kids[j].id })
	for _, k := range kids {
		project, env, addr := k.tags[graph.TagProject], k.tags[graph.TagEnvironment], k.tags[graph.TagAddress]
		tagged := project != ""
		mine := tagged && project == c.scope.Project && env == c.scope.Environment
		retained := mine && k.tags[graph.TagRetain] == "true"
		if !mine || retained {
			ce := &provider.ChildError{Address: top.Address, Type: top.Type, ID: top.ID,
				ChildType: k.typ, ChildID: k.id, Retained: retained, Cascades: cascades && h.Cascades}
			if tagged {
				ce.ChildAddress = addr
			}
			if tagged && !mine {
				ce.ChildOwner = "project " + project + ", environment " + env
			}
			return ce
		}
		if err := checkChildren(ctx, c, top, k.typ, k.id, cascades && h.Cascades); err != nil {
			return err
		}
	}
	return nil
}

// --- ELB ---

// elbChildren makes a child of each ARN with its tags (DescribeTags).
func elbChildren(ctx context.Context, c *call, typ string, arns []string) ([]child, error) {
	if len(arns) == 0 {
		return nil, nil
	}
	tags, err := describeELBTags(ctx, c, arns)
	if err != nil {
		return nil, err
	}
	out := make([]child, 0, len(arns))
	for _, a := range arns {
		out = append(out, child{typ: typ, id: a, tags: tags[a]})
	}
	return out, nil
}

// loadBalancerListeners pages DescribeListeners of a load balancer; a
// load balancer that is gone has none.
func loadBalancerListeners(ctx context.Context, c *call, lb string) ([]elbtypes.Listener, error) {
	var out []elbtypes.Listener
	pg := elb.NewDescribeListenersPaginator(c.p.r.elb, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if isCode(err, "LoadBalancerNotFound") {
			return nil, nil
		}
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, page.Listeners...)
	}
	return out, nil
}

// listenerRules is DescribeRules of a listener without its default rule;
// a listener that is gone has none.
func listenerRules(ctx context.Context, c *call, listener string) ([]elbtypes.Rule, error) {
	rules, err := describeListenerRules(ctx, c, listener)
	if isCode(err, "ListenerNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := rules[:0]
	for _, r := range rules {
		if !aws.ToBool(r.IsDefault) {
			out = append(out, r)
		}
	}
	return out, nil
}

func loadBalancerChildren(ctx context.Context, c *call, id string) ([]child, error) {
	ls, err := loadBalancerListeners(ctx, c, id)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(ls))
	for i, l := range ls {
		arns[i] = aws.ToString(l.ListenerArn)
	}
	return elbChildren(ctx, c, catalog.Listener, arns)
}

func listenerChildren(ctx context.Context, c *call, id string) ([]child, error) {
	rules, err := listenerRules(ctx, c, id)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(rules))
	for i, r := range rules {
		arns[i] = aws.ToString(r.RuleArn)
	}
	return elbChildren(ctx, c, catalog.ListenerRule, arns)
}

// forwardsTo reports whether actions send traffic to the target group.
func forwardsTo(actions []elbtypes.Action, tg string) bool {
	for _, a := range actions {
		if aws.ToString(a.TargetGroupArn) == tg {
			return true
		}
		if a.ForwardConfig != nil {
			for _, t := range a.ForwardConfig.TargetGroups {
				if aws.ToString(t.TargetGroupArn) == tg {
					return true
				}
			}
		}
	}
	return false
}

func targetGroupChildren(ctx context.Context, c *call, id string) ([]child, error) {
	res, err := c.p.r.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{id}})
	if isCode(err, "TargetGroupNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	var listeners, rules []string
	for _, tg := range res.TargetGroups {
		for _, lb := range tg.LoadBalancerArns {
			ls, err := loadBalancerListeners(ctx, c, lb)
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				arn := aws.ToString(l.ListenerArn)
				if forwardsTo(l.DefaultActions, id) {
					listeners = append(listeners, arn)
				}
				rs, err := listenerRules(ctx, c, arn)
				if err != nil {
					return nil, err
				}
				for _, r := range rs {
					if forwardsTo(r.Actions, id) {
						rules = append(rules, aws.ToString(r.RuleArn))
					}
				}
			}
		}
	}
	out, err := elbChildren(ctx, c, catalog.Listener, listeners)
	if err != nil {
		return nil, err
	}
	rc, err := elbChildren(ctx, c, catalog.ListenerRule, rules)
	if err != nil {
		return nil, err
	}
	out = append(out, rc...)
	svcs, err := servicesWhere(ctx, c, nil, func(s ecstypes.Service) bool {
		for _, lb := range s.LoadBalancers {
			if aws.ToString(lb.TargetGroupArn) == id {
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	return append(out, svcs...), nil
}

// --- ECS ---

func clusterChildren(ctx context.Context, c *call, id string) ([]child, error) {
	return servicesWhere(ctx, c, []string{id}, func(ecstypes.Service) bool { return true })
}

// servicesWhere returns the ACTIVE services of clusters (every cluster of
// the account and region when nil) that match, with their tags.
func servicesWhere(ctx context.Context, c *call, clusters []string, match func(ecstypes.Service) bool) ([]child, error) {
	all := clusters == nil
	if all {
		pg := ecs.NewListClustersPaginator(c.p.r.ecs, &ecs.ListClustersInput{})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, c.err(err)
			}
			clusters = append(clusters, page.ClusterArns...)
		}
	}
	var out []child
	for _, cl := range clusters {
		var arns []string
		pg := ecs.NewListServicesPaginator(c.p.r.ecs, &ecs.ListServicesInput{Cluster: aws.String(cl), MaxResults: aws.Int32(100)})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if isCode(err, "ClusterNotFoundException") {
				break
			}
			if all && isCode(err, "AccessDeniedException") {
				// Another team's cluster the deployer may not read (the
				// deployer's policy scopes ECS reads to the project's
				// names): its services cannot be gantry's to delete, and
				// deleting the target group deletes none of them.
				c.p.log.Debug("aws: cannot list the services of a cluster to check for services registering in a target group", "cluster", cl, "error", err)
				arns = nil
				break
			}
			if err != nil {
				return nil, c.err(err)
			}
			arns = append(arns, page.ServiceArns...)
		}
		for _, batch := range chunks(arns, 10) {
			svcs, err := describeServices(ctx, c, cl, batch)
			if all && isCode(err, "AccessDeniedException") {
				c.p.log.Debug("aws: cannot describe the services of a cluster to check for services registering in a target group", "cluster", cl, "error", err)
				break
			}
			if err != nil {
				return nil, err
			}
			for _, s := range svcs {
				if aws.ToString(s.Status) == provider.ServiceActive && match(s) {
					out = append(out, child{typ: catalog.Service, id: aws.ToString(s.ServiceArn), tags: ecsTagMap(s.Tags)})
				}
			}
		}
	}
	return out, nil
}
