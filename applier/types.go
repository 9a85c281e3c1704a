package applier

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// handler is the little the applier needs to know about a resource type
// beyond the catalog. Types without an entry need none of it.
type handler struct {
	// drain is how long a replaced resource must be left in place after
	// traffic moved to its replacement, before it is deleted.
	drain func(old *provider.Observed) time.Duration
	// revision returns what a health-gated resource's deployment must end
	// up running, from the request's resolved properties ("" = anything).
	revision func(props map[string]any) string
	// keepData reports whether destroy keeps the resource unless asked to
	// delete data too, and why; known is false when only a delete attempt
	// can tell (then dataCode says the resource still holds data).
	keepData func(o *provider.Observed) (keep, known bool, why string)
	// dataCode is the AWS error code of a delete refused because the
	// resource still holds data.
	dataCode string
	// emptyOnDelete returns the properties that make a delete take the
	// resource's data with it (CloudFormation's EmptyOnDelete).
	emptyOnDelete func(live *provider.Observed) map[string]any
	// drainsOnDelete: the delete returns before the resource is gone (an
	// ECS service drains, its name and cluster still taken), so the
	// applier polls Health until it is INACTIVE (awaitGone), and a create
	// refused because the previous one still drains waits and retries.
	drainsOnDelete bool
}

var handlers = map[string]handler{
	catalog.TargetGroup: {drain: targetGroupDrain},
	catalog.Service: {
		revision: func(props map[string]any) string {
			s, _ := props["TaskDefinition"].(string)
			return s
		},
		drainsOnDelete: true,
	},
	catalog.ECRRepository: {
		keepData: repositoryHoldsImages,
		dataCode: "RepositoryNotEmptyException",
		emptyOnDelete: func(live *provider.Observed) map[string]any {
			props := maps.Clone(live.Properties)
			props["EmptyOnDelete"] = true
			return props
		},
	},
	catalog.LogGroup: {keepData: func(*provider.Observed) (bool, bool, string) {
		return true, true, "log group (holds logs)"
	}},
}

// targetGroupDrain is the target group's deregistration delay: connections
// to its targets are allowed to finish that long after the rule moved away.
func targetGroupDrain(old *provider.Observed) time.Duration {
	const awsDefault = 300 * time.Second
	attrs, _ := old.Properties["TargetGroupAttributes"].([]any)
	for _, a := range attrs {
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

// ImageCountAttribute is the Observed attribute in which a provider may
// report how many images an ECR repository holds. Without it, destroy
// tries the delete, which AWS refuses for a repository that still holds
// images (RepositoryNotEmptyException): the repository is then kept.
const ImageCountAttribute = catalog.ImageCountAttribute

func repositoryHoldsImages(o *provider.Observed) (keep, known bool, why string) {
	s, ok := o.Attributes[ImageCountAttribute]
	if !ok {
		return false, false, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 0 {
		return true, true, fmt.Sprintf("repository holds %s images", s)
	}
	return false, true, ""
}

func handlerFor(typ string) handler { return handlers[typ] }
