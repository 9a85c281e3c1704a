package aws

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// taskDefProps are AWS::ECS::TaskDefinition's properties that
// DescribeTaskDefinition returns under the same names.
var taskDefProps = []string{"Family", "ContainerDefinitions", "Cpu", "Memory", "NetworkMode", "RequiresCompatibilities",
	"RuntimePlatform", "ExecutionRoleArn", "TaskRoleArn", "Volumes", "PlacementConstraints", "EphemeralStorage",
	"PidMode", "IpcMode", "ProxyConfiguration", "InferenceAccelerators", "EnableFaultInjection"}

func init() {
	register(&handler{Type: catalog.TaskDefinition, ARN: arnResource("ecs", "task-definition/"),
		List: listTaskDefinitions, Create: registerTaskDefinition, Update: updateTaskDefinition, Tag: ecsTag,
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(live.ID)})
			if notFound(err) || isCode(err, "ClientException") && strings.Contains(opMessage(err), "INACTIVE") {
				return nil
			}
			return c.err(err)
		}})
}

// family returns the family and revision of a task definition ARN.
func family(arn string) (string, int) {
	fr := lastPart(arn, ":task-definition/")
	i := strings.LastIndex(fr, ":")
	if i < 0 {
		return fr, 0
	}
	n, _ := strconv.Atoi(fr[i+1:])
	return fr[:i], n
}

// listTaskDefinitions lists every ACTIVE revision of each family the
// Tagging API names: the newest owned one at its address, older ones at
// ADDRESS#REVISION. The ACTIVE revisions come from one paged
// ListTaskDefinitions over the account and region (100 a page), not one
// listing per family; each revision is then one DescribeTaskDefinition
// (the API has no batch read).
func listTaskDefinitions(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	families := map[string][]string{}
	for _, t := range tagged {
		f, _ := family(t.ARN)
		families[f] = nil
	}
	if len(families) == 0 {
		return nil, nil
	}
	pg := ecs.NewListTaskDefinitionsPaginator(c.p.r.ecs, &ecs.ListTaskDefinitionsInput{
		Status: ecstypes.TaskDefinitionStatusActive, Sort: ecstypes.SortOrderDesc})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, a := range page.TaskDefinitionArns {
			f, _ := family(a)
			if arns, ok := families[f]; ok {
				families[f] = append(arns, a)
			}
		}
	}
	var out []*provider.Observed
	for _, f := range sortedKeys(families) {
		obs, err := familyRevisions(ctx, c, families[f])
		if err != nil {
			return nil, err
		}
		out = append(out, obs...)
	}
	return out, nil
}

// familyRevisions reads one family's ACTIVE revisions (arns) and places
// them: the newest owned one at its address, older ones beside it.
func familyRevisions(ctx context.Context, c *call, arns []string) ([]*provider.Observed, error) {
	sort.Slice(arns, func(i, j int) bool { _, a := family(arns[i]); _, b := family(arns[j]); return a > b })
	var out []*provider.Observed
	latest := map[string]bool{} // addresses whose newest revision is listed
	for _, a := range arns {
		o, err := readTaskDefinition(ctx, c, a)
		if err != nil {
			return nil, err
		}
		if o == nil || !ownedBy(o.Tags, c.scope) {
			continue
		}
		if latest[o.Address] {
			// An older revision: at an address of its own, which its
			// observed ownership tag names too (as the planner checks).
			_, rev := family(a)
			o.Address += "#" + strconv.Itoa(rev)
			o.Tags[graph.TagAddress] = o.Address
		}
		latest[strings.SplitN(o.Address, "#", 2)[0]] = true
		out = append(out, o)
	}
	return out, nil
}

func readTaskDefinition(ctx context.Context, c *call, arn string) (*provider.Observed, error) {
	res, err := c.p.r.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn),
		Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	td := res.TaskDefinition
	if td == nil || td.Status != ecstypes.TaskDefinitionStatusActive {
		return nil, nil
	}
	id := aws.ToString(td.TaskDefinitionArn)
	return observed(catalog.TaskDefinition, id, "", keep(fromSDK(td), taskDefProps...),
		map[string]string{"TaskDefinitionArn": id}, ecsTagMap(res.Tags)), nil
}

// registerTaskDefinition registers a new revision, unless the family's
// newest ACTIVE revision already is the request with this address (a
// retried create), which is returned.
func registerTaskDefinition(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	if cur, err := latestRevision(ctx, c, str(p, "Family")); err != nil {
		return nil, err
	} else if cur != nil && adoptable(cur.Tags, c.scope, req.Address) &&
		equal(canonical(catalog.TaskDefinition, p), canonical(catalog.TaskDefinition, cur.Properties)) {
		return updateTaskDefinition(ctx, c, cur, req)
	}
	in := &ecs.RegisterTaskDefinitionInput{Tags: ecsTags(req.Tags)}
	if err := toSDK(keep(p, taskDefProps...), in); err != nil {
		return nil, c.errorf("ecs:RegisterTaskDefinition", "ValidationError", "%v", err)
	}
	res, err := c.p.w.ecs.RegisterTaskDefinition(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	arn := aws.ToString(res.TaskDefinition.TaskDefinitionArn)
	return mustRead(ctx, c, arn, func(ctx context.Context) (*provider.Observed, error) { return readTaskDefinition(ctx, c, arn) })
}

func latestRevision(ctx context.Context, c *call, fam string) (*provider.Observed, error) {
	res, err := c.p.r.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(fam),
		Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	return readTaskDefinition(ctx, c, aws.ToString(res.TaskDefinition.TaskDefinitionArn))
}

// updateTaskDefinition: every property of a revision is immutable, so a
// change registers a new revision; tags change in place.
func updateTaskDefinition(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if !equal(canonical(catalog.TaskDefinition, plain(req.Properties)), canonical(catalog.TaskDefinition, live.Properties)) {
		req.Tags = withAddress(req.Tags, req.Address)
		return registerTaskDefinition(ctx, c, req)
	}
	if err := ecsSyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	o, err := mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readTaskDefinition(ctx, c, live.ID) })
	if err == nil && live.Address != "" && o.Address != live.Address && strings.Contains(live.Address, "#") {
		o.Address = live.Address
		o.Tags[graph.TagAddress] = live.Address
	}
	return o, err
}

// withAddress returns tags whose gantry:address is the request's (an
// update of an older revision's address registers at the base address).
func withAddress(tags map[string]string, addr string) map[string]string {
	if addr == "" || tags == nil {
		return tags
	}
	out := map[string]string{}
	for k, v := range tags {
		out[k] = v
	}
	if _, ok := out[graph.TagAddress]; ok {
		out[graph.TagAddress] = strings.SplitN(addr, "#", 2)[0]
	}
	return out
}
