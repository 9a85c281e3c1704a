package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// A scalable target's ScheduledActions (CloudFormation keeps them in the
// target; the API has calls of their own).

var scheduledActionProps = []string{"ScheduledActionName", "Schedule", "Timezone", "StartTime", "EndTime", "ScalableTargetAction"}

// scheduledActions reads the namespace's scheduled actions (of one
// resource when resource is set), by target id.
func scheduledActions(ctx context.Context, c *call, resource, dimension string) (map[string][]any, error) {
	in := &aas.DescribeScheduledActionsInput{ServiceNamespace: aasNamespace}
	if resource != "" {
		in.ResourceId, in.ScalableDimension = aws.String(resource), aastypes.ScalableDimension(dimension)
	}
	out := map[string][]any{}
	pg := aas.NewDescribeScheduledActionsPaginator(c.p.r.aas, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, a := range page.ScheduledActions {
			id := targetID(aws.ToString(a.ResourceId), string(a.ScalableDimension), string(a.ServiceNamespace))
			out[id] = append(out[id], keep(fromSDK(a), scheduledActionProps...))
		}
	}
	return out, nil
}

// syncScheduledActions puts the actions desired has and live lacks (or
// has otherwise) and deletes the ones live has and desired lacks.
func syncScheduledActions(ctx context.Context, c *call, desired, live map[string]any) error {
	want, have := canonicalPair(catalog.ScalableTarget, desired, live)
	byName := func(p map[string]any) map[string]any {
		out := map[string]any{}
		for _, e := range catalog.List(p, "ScheduledActions") {
			if o, ok := e.(map[string]any); ok {
				out[str(o, "ScheduledActionName")] = o
			}
		}
		return out
	}
	w, h := byName(want), byName(have)
	resource, dimension := str(desired, "ResourceId"), aastypes.ScalableDimension(str(desired, "ScalableDimension"))
	for _, name := range sortedKeys(w) {
		if equal(w[name], h[name]) {
			continue
		}
		in := &aas.PutScheduledActionInput{ServiceNamespace: aasNamespace, ResourceId: aws.String(resource), ScalableDimension: dimension}
		if err := toSDK(w[name].(map[string]any), in); err != nil {
			return c.errorf("application-autoscaling:PutScheduledAction", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.aas.PutScheduledAction(ctx, in); err != nil {
			return c.err(err)
		}
	}
	for _, name := range sortedKeys(h) {
		if _, ok := w[name]; ok {
			continue
		}
		_, err := c.p.w.aas.DeleteScheduledAction(ctx, &aas.DeleteScheduledActionInput{ServiceNamespace: aasNamespace,
			ResourceId: aws.String(resource), ScalableDimension: dimension, ScheduledActionName: aws.String(name)})
		if err != nil && !notFound(err) {
			return c.err(err)
		}
	}
	return nil
}

// withScheduledActions adds the target's scheduled actions to o.
func withScheduledActions(o *provider.Observed, actions map[string][]any) *provider.Observed {
	if o != nil && len(actions[o.ID]) > 0 {
		o.Properties["ScheduledActions"] = actions[o.ID]
	}
	return o
}
