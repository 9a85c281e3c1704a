package sandbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/gantry-gitops/gantry/provider"
)

// tagOps are the AWS operations that tag a resource, by API prefix (IAM
// has one per resource kind: TagRole, TagInstanceProfile), each its API
// reference's operation (ECS TagResource, ELBv2 AddTags, EC2 CreateTags,
// EC2 Auto Scaling CreateOrUpdateTags, ...).
var tagOps = map[string]string{
	"ecs":                     "ecs:TagResource",
	"elasticloadbalancing":    "elasticloadbalancing:AddTags",
	"application-autoscaling": "application-autoscaling:TagResource",
	"ec2":                     "ec2:CreateTags",
	"ecr":                     "ecr:TagResource",
	"logs":                    "logs:TagResource",
	"autoscaling":             "autoscaling:CreateOrUpdateTags",
	"cloudwatch":              "cloudwatch:TagResource",
}

// tagOp is the operation that tags resources of h's type.
func tagOp(h *handler) string {
	api, _, _ := strings.Cut(h.CreateOp, ":")
	if api == "iam" {
		// iam:CreateRole → iam:TagRole
		return "iam:Tag" + strings.TrimPrefix(h.CreateOp, "iam:Create")
	}
	if op, ok := tagOps[api]; ok {
		return op
	}
	return api + ":TagResource"
}

// Tag adds tags to the live resource (overwriting the values of keys it
// has) and changes nothing else, as TagResource does (ECS API Reference:
// TagResource: an existing key's value is replaced): no property is
// re-validated, so a scalable target whose service is gone can still be
// tagged. A resource that is gone fails with the type's NotFound error.
// Scaling policies and capacity provider associations take no tags.
func (s *Sandbox) Tag(ctx context.Context, scope provider.Scope, live *provider.Observed, tags map[string]string) (*provider.Observed, error) {
	if live == nil {
		return nil, fmt.Errorf("sandbox: Tag without the live resource")
	}
	h, err := handlerFor(live.Type, "Tag")
	if err != nil {
		return nil, err
	}
	op := tagOp(h)
	if !h.Taggable {
		return nil, &provider.OpError{Address: live.Address, Type: live.Type, Operation: op, Code: "ValidationException",
			Message: fmt.Sprintf("resources of type %s cannot be tagged", live.Type)}
	}
	after, err := s.call(ctx, op, live.Type, live.Address, true)
	if err != nil {
		return nil, err
	}
	return s.writeObserved(scope, op, live.Type, live.Address, after, func(c *txc) (*record, error) {
		old, err := s.liveRecord(c, h, scope, live.Type, live.ID)
		if err != nil {
			return nil, err
		}
		r := *old
		r.Tags = editableTags(old.Tags)
		for k, v := range tags {
			r.Tags[k] = v
		}
		if err := c.put(old, &r); err != nil {
			return nil, err
		}
		return &r, nil
	})
}
