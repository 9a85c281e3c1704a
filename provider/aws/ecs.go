package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// ECS clusters, their capacity provider associations and capacity
// providers. Task definitions are in ecs_taskdef.go, services in
// ecs_service.go.

func init() {
	register(&handler{Type: catalog.Cluster, ARN: arnResource("ecs", "cluster/"), List: listClusters,
		Children: clusterChildren,
		Create:   createCluster, Update: updateCluster, Tag: ecsTag,
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.ecs.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String(live.ID)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
	register(&handler{Type: catalog.ClusterCapacityProviderAssoc,
		// Listed with their cluster, which carries their address.
		List: func(context.Context, *call, []taggedARN) ([]*provider.Observed, error) { return nil, nil },
		Create: func(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
			return putAssociations(ctx, c, req)
		},
		Update: func(ctx context.Context, c *call, _ *provider.Observed, req provider.Request) (*provider.Observed, error) {
			return putAssociations(ctx, c, req)
		},
		Tag:    childRetag(catalog.ClusterCapacityProviderAssoc),
		Delete: deleteAssociations})
	register(&handler{Type: catalog.CapacityProvider, ARN: arnResource("ecs", "capacity-provider/"),
		List: listCapacityProviders, Create: createCapacityProvider, Update: updateCapacityProvider, Tag: ecsTag,
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.ecs.DeleteCapacityProvider(ctx, &ecs.DeleteCapacityProviderInput{CapacityProvider: aws.String(live.ID)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
}

func ecsTags(m map[string]string) []ecstypes.Tag {
	var out []ecstypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func ecsTagMap(tags []ecstypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// ecsARN is the ARN ECS's tagging calls take for live.
func ecsARN(live *provider.Observed) string {
	for _, k := range []string{"Arn", "ServiceArn", "TaskDefinitionArn"} {
		if a := live.Attributes[k]; a != "" {
			return a
		}
	}
	return live.ID
}

func ecsTag(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
	_, err := c.p.w.ecs.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(ecsARN(live)), Tags: ecsTags(tags)})
	return c.err(err)
}

func ecsSyncTags(ctx context.Context, c *call, arn string, have, want map[string]string) error {
	return syncTags(ctx, c, have, want,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.ecs.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: ecsTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.ecs.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
			return err
		})
}

// --- clusters ---

func listClusters(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	var out []*provider.Observed
	for _, batch := range chunks(arnIDs(tagged), 100) {
		obs, err := describeClusters(ctx, c, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, obs...)
	}
	return out, nil
}

// describeClusters reads clusters with their settings and tags, and the
// capacity provider associations of those that carry one's address.
func describeClusters(ctx context.Context, c *call, ids []string) ([]*provider.Observed, error) {
	res, err := c.p.r.ecs.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: ids,
		Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings, ecstypes.ClusterFieldTags, ecstypes.ClusterFieldConfigurations}})
	if err != nil {
		return nil, c.err(err)
	}
	var out []*provider.Observed
	for _, cl := range res.Clusters {
		if aws.ToString(cl.Status) == "INACTIVE" {
			continue
		}
		name, arn := aws.ToString(cl.ClusterName), aws.ToString(cl.ClusterArn)
		tags := ecsTagMap(cl.Tags)
		props := map[string]any{"ClusterName": name, "ClusterSettings": valueOf(cl.Settings),
			"CapacityProviders": anyStrings(cl.CapacityProviders), "DefaultCapacityProviderStrategy": valueOf(cl.DefaultCapacityProviderStrategy)}
		if cl.Configuration != nil {
			props["Configuration"] = valueOf(cl.Configuration)
		}
		rename(props, "Settings", "ClusterSettings")
		out = append(out, observed(catalog.Cluster, name, "", props, map[string]string{"Arn": arn}, tags))
		if addr := tags[childTag(catalog.ClusterCapacityProviderAssoc, name)]; addr != "" && ownedBy(tags, c.scope) {
			assoc := map[string]any{"Cluster": name, "CapacityProviders": props["CapacityProviders"],
				"DefaultCapacityProviderStrategy": props["DefaultCapacityProviderStrategy"]}
			out = append(out, observed(catalog.ClusterCapacityProviderAssoc, name, addr, assoc, nil, nil))
		}
	}
	return out, nil
}

func readCluster(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	obs, err := describeClusters(ctx, c, []string{name})
	if err != nil {
		return nil, err
	}
	for _, o := range obs {
		if o.Type == catalog.Cluster {
			return o, nil
		}
	}
	return nil, nil
}

func createCluster(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "ClusterName")
	read := func(ctx context.Context) (*provider.Observed, error) { return readCluster(ctx, c, name) }
	// CreateCluster of an existing name returns the existing cluster:
	// look first, so that only the scope's own is adopted.
	if ex, err := read(ctx); err != nil {
		return nil, err
	} else if ex != nil {
		return adopt(ctx, c, c.errorf("ecs:CreateCluster", "ClusterAlreadyExists",
			"a cluster named %s exists and does not carry this environment's gantry tags", name), read, updateCluster, req)
	}
	in := &ecs.CreateClusterInput{Tags: ecsTags(req.Tags)}
	m := keep(p, "ClusterName", "ClusterSettings", "CapacityProviders", "DefaultCapacityProviderStrategy", "Configuration", "ServiceConnectDefaults")
	rename(m, "ClusterSettings", "Settings")
	if err := toSDK(m, in); err != nil {
		return nil, c.errorf("ecs:CreateCluster", "ValidationError", "%v", err)
	}
	if _, err := c.p.w.ecs.CreateCluster(ctx, in); err != nil {
		return nil, c.err(err)
	}
	return mustRead(ctx, c, name, read)
}

func updateCluster(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.Cluster, p, live.Properties)
	name := aws.String(live.ID)
	// UpdateCluster changes settings, configuration and Service Connect
	// defaults in one call (UpdateClusterSettings does the settings only).
	if differs(want, have, "ClusterSettings", "Configuration", "ServiceConnectDefaults") {
		in := &ecs.UpdateClusterInput{Cluster: name}
		m := keep(p, "Configuration", "ServiceConnectDefaults")
		if differs(want, have, "ClusterSettings") {
			m["Settings"] = want["ClusterSettings"]
		}
		if err := toSDK(m, in); err != nil {
			return nil, c.errorf("ecs:UpdateCluster", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.ecs.UpdateCluster(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	// Capacity providers are the cluster's only when the request names
	// them (an associations resource owns them otherwise).
	_, named := p["CapacityProviders"]
	if named && differs(want, have, "CapacityProviders", "DefaultCapacityProviderStrategy") {
		if err := putClusterCapacityProviders(ctx, c, live.ID, p); err != nil {
			return nil, err
		}
	}
	if err := ecsSyncTags(ctx, c, live.Attributes["Arn"], live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readCluster(ctx, c, live.ID) })
}

func putClusterCapacityProviders(ctx context.Context, c *call, cluster string, p map[string]any) error {
	in := &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String(cluster)}
	if err := toSDK(keep(p, "CapacityProviders", "DefaultCapacityProviderStrategy"), in); err != nil {
		return c.errorf("ecs:PutClusterCapacityProviders", "ValidationError", "%v", err)
	}
	// The API requires both lists, empty ones included.
	if in.CapacityProviders == nil {
		in.CapacityProviders = []string{}
	}
	if in.DefaultCapacityProviderStrategy == nil {
		in.DefaultCapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{}
	}
	_, err := c.p.w.ecs.PutClusterCapacityProviders(ctx, in)
	return c.err(err)
}

// --- capacity provider associations (owned through the cluster) ---

// clusterName is a cluster named by name or ARN.
func clusterName(s string) string { return lastPart(s, ":cluster/") }

// putAssociations sets the cluster's capacity providers and records the
// associations' address in a tag on the cluster (the type takes none).
func putAssociations(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := clusterName(str(p, "Cluster"))
	cl, err := readCluster(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, c.errorf("ecs:PutClusterCapacityProviders", "ClusterNotFoundException", "cluster %s not found", name)
	}
	key := childTag(catalog.ClusterCapacityProviderAssoc, name)
	if a, ok := cl.Tags[graph.TagAddress]; !ok || !ownedBy(cl.Tags, c.scope) {
		return nil, c.errorf("ecs:PutClusterCapacityProviders", "NotOwned",
			"cluster %s does not carry this environment's gantry tags (address %q)", name, a)
	}
	if err := putClusterCapacityProviders(ctx, c, name, p); err != nil {
		return nil, err
	}
	if _, err := c.p.w.ecs.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(cl.Attributes["Arn"]),
		Tags: ecsTags(map[string]string{key: req.Address})}); err != nil {
		return nil, c.err(err)
	}
	obs, err := describeClusters(ctx, c, []string{name})
	if err != nil {
		return nil, err
	}
	for _, o := range obs {
		if o.Type == catalog.ClusterCapacityProviderAssoc {
			return o, nil
		}
	}
	return nil, c.errorf("read back", "NotYetVisible", "the associations of cluster %s are not visible yet", name)
}

func deleteAssociations(ctx context.Context, c *call, live *provider.Observed) error {
	name := clusterName(live.ID)
	cl, err := readCluster(ctx, c, name)
	if err != nil || cl == nil {
		return err
	}
	if err := putClusterCapacityProviders(ctx, c, name, map[string]any{}); err != nil && !notFound(err) {
		return err
	}
	_, err = c.p.w.ecs.UntagResource(ctx, &ecs.UntagResourceInput{ResourceArn: aws.String(cl.Attributes["Arn"]),
		TagKeys: []string{childTag(catalog.ClusterCapacityProviderAssoc, name)}})
	if notFound(err) {
		return nil
	}
	return c.err(err)
}

// --- capacity providers ---

func listCapacityProviders(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	var names []string
	for _, t := range tagged {
		names = append(names, lastPart(t.ARN, ":capacity-provider/"))
	}
	var out []*provider.Observed
	for _, batch := range chunks(names, 10) {
		obs, err := describeCapacityProviders(ctx, c, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, obs...)
	}
	return out, nil
}

func describeCapacityProviders(ctx context.Context, c *call, names []string) ([]*provider.Observed, error) {
	var out []*provider.Observed
	in := &ecs.DescribeCapacityProvidersInput{CapacityProviders: names, Include: []ecstypes.CapacityProviderField{ecstypes.CapacityProviderFieldTags}}
	for {
		res, err := c.p.r.ecs.DescribeCapacityProviders(ctx, in)
		if err != nil {
			return nil, c.err(err)
		}
		for _, cp := range res.CapacityProviders {
			if cp.Status == ecstypes.CapacityProviderStatusInactive {
				continue // deleted; AWS keeps describing it for a while
			}
			name, arn := aws.ToString(cp.Name), aws.ToString(cp.CapacityProviderArn)
			props := map[string]any{"Name": name}
			if cp.AutoScalingGroupProvider != nil {
				props["AutoScalingGroupProvider"] = valueOf(cp.AutoScalingGroupProvider)
			}
			out = append(out, observed(catalog.CapacityProvider, name, "", props, map[string]string{"Name": name, "Arn": arn},
				ecsTagMap(cp.Tags)))
		}
		if res.NextToken == nil {
			return out, nil
		}
		in.NextToken = res.NextToken
	}
}

func readCapacityProvider(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	obs, err := describeCapacityProviders(ctx, c, []string{name})
	if err != nil || len(obs) == 0 {
		return nil, err
	}
	return obs[0], nil
}

func createCapacityProvider(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "Name")
	in := &ecs.CreateCapacityProviderInput{Tags: ecsTags(req.Tags)}
	if err := toSDK(keep(p, "Name", "AutoScalingGroupProvider"), in); err != nil {
		return nil, c.errorf("ecs:CreateCapacityProvider", "ValidationError", "%v", err)
	}
	_, err := c.p.w.ecs.CreateCapacityProvider(ctx, in)
	read := func(ctx context.Context) (*provider.Observed, error) { return readCapacityProvider(ctx, c, name) }
	if err != nil && strings.Contains(strings.ToLower(opMessage(err)), "already exists") {
		return adopt(ctx, c, err, read, updateCapacityProvider, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	return mustRead(ctx, c, name, read)
}

// opMessage is AWS's message of an SDK error.
func opMessage(err error) string {
	if op, ok := opError(err, "", "").(*provider.OpError); ok {
		return op.Message
	}
	return err.Error()
}

// updateCapacityProvider changes the managed scaling, termination
// protection and draining settings; the group itself is create-only.
func updateCapacityProvider(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.CapacityProvider, p, live.Properties)
	if differs(want, have, "AutoScalingGroupProvider") {
		asg, _ := catalog.Copy(p["AutoScalingGroupProvider"]).(map[string]any)
		delete(asg, "AutoScalingGroupArn")
		in := &ecs.UpdateCapacityProviderInput{Name: aws.String(live.ID)}
		if err := toSDK(map[string]any{"AutoScalingGroupProvider": asg}, in); err != nil {
			return nil, c.errorf("ecs:UpdateCapacityProvider", "ValidationError", "%v", err)
		}
		if _, err := c.p.w.ecs.UpdateCapacityProvider(ctx, in); err != nil {
			return nil, c.err(err)
		}
	}
	if err := ecsSyncTags(ctx, c, live.Attributes["Arn"], live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readCapacityProvider(ctx, c, live.ID) })
}
