package aws

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"golang.org/x/sync/errgroup"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// listParallelism bounds how many types are read at once: enough to hide
// latency, few enough not to trip per-account API rate limits.
const listParallelism = 6

// ListOwned implements provider.Provider: the Tagging API lists what
// carries scope's project and environment tags (read as a set: it may
// repeat a resource); each type's handler then reads its resources in
// batches. Types the Tagging API does not list (IAM, Auto Scaling groups)
// and untaggable types owned through a parent are found by their handlers.
func (p *Provider) ListOwned(ctx context.Context, scope provider.Scope) ([]*provider.Observed, error) {
	tagged, err := p.taggedARNs(ctx, scope)
	if err != nil {
		return nil, err
	}
	byType := map[string][]taggedARN{}
	for _, t := range tagged {
		for _, h := range handlers {
			if h.ARN != nil && h.ARN(t.ARN) {
				byType[h.Type] = append(byType[h.Type], t)
				break
			}
		}
	}
	var (
		mu  sync.Mutex
		out []*provider.Observed
		ls  = &listing{running: map[string][]string{}}
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listParallelism)
	for _, typ := range Types() {
		h := handlers[typ]
		g.Go(func() error {
			obs, err := h.List(gctx, &call{p: p, scope: scope, typ: typ, listing: ls}, byType[typ])
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, obs...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ls.markUsed(out)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// taggedARNs pages through GetResources filtered by scope's ownership
// tags, deduplicating by ARN.
func (p *Provider) taggedARNs(ctx context.Context, scope provider.Scope) ([]taggedARN, error) {
	in := &tagging.GetResourcesInput{TagFilters: []tagtypes.TagFilter{
		{Key: aws.String(graph.TagProject), Values: []string{scope.Project}},
		{Key: aws.String(graph.TagEnvironment), Values: []string{scope.Environment}},
	}, ResourcesPerPage: aws.Int32(100)}
	seen := map[string]bool{}
	var out []taggedARN
	pg := tagging.NewGetResourcesPaginator(p.r.tag, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, opError(err, "", "")
		}
		for _, r := range page.ResourceTagMappingList {
			arn := aws.ToString(r.ResourceARN)
			if seen[arn] {
				continue
			}
			seen[arn] = true
			tags := map[string]string{}
			for _, t := range r.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out = append(out, taggedARN{ARN: arn, Tags: tags})
		}
	}
	p.log.Debug("aws: tagging API listed owned resources", "count", len(out))
	return out, nil
}

// arnIDs returns the ARNs of tagged.
func arnIDs(tagged []taggedARN) []string {
	out := make([]string, len(tagged))
	for i, t := range tagged {
		out[i] = t.ARN
	}
	return out
}

// arnResource reports whether arn is of the given service and its
// resource part starts with prefix ("ecs", "service/").
func arnResource(service, prefix string) func(string) bool {
	return func(arn string) bool {
		parts := splitARN(arn)
		return parts.service == service && len(parts.resource) >= len(prefix) && parts.resource[:len(prefix)] == prefix
	}
}

type arnParts struct{ partition, service, region, account, resource string }

// splitARN splits arn:partition:service:region:account:resource.
func splitARN(arn string) arnParts {
	var p [6]string
	rest := arn
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return arnParts{}
		}
		p[i], rest = rest[:j], rest[j+1:]
	}
	return arnParts{partition: p[1], service: p[2], region: p[3], account: p[4], resource: rest}
}

// listing is what one ListOwned's handlers share.
type listing struct {
	mu sync.Mutex
	// running maps task definition ARNs to the ids of the services whose
	// PRIMARY or ACTIVE deployments run them.
	running map[string][]string
}

func (l *listing) run(taskDef, service string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.running[taskDef] = append(l.running[taskDef], service)
}

// markUsed sets UsedBy on the listed task definitions.
func (l *listing) markUsed(all []*provider.Observed) {
	for _, o := range all {
		if o.Type == catalog.TaskDefinition {
			if s := l.running[o.ID]; len(s) > 0 {
				o.UsedBy = append([]string(nil), s...)
				sort.Strings(o.UsedBy)
			}
		}
	}
}
