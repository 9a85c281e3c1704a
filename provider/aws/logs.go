package aws

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func init() {
	register(&handler{
		Type:   catalog.LogGroup,
		ARN:    arnResource("logs", "log-group:"),
		List:   listLogGroups,
		Create: createLogGroup,
		Update: updateLogGroup,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{
				ResourceArn: aws.String(logGroupARN(live.Attributes["Arn"])), Tags: tags})
			return c.err(err)
		},
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(live.ID)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		},
	})
}

// logGroupARN is the ARN the tagging calls take: without the ":*" that
// DescribeLogGroups' arn (CloudFormation's Arn attribute) ends with.
func logGroupARN(arn string) string { return strings.TrimSuffix(arn, ":*") }

// listLogGroups pages DescribeLogGroups by the names' common prefix (the
// API filters by prefix only), keeping the tagged ones: one listing of the
// project's groups rather than one call per group.
func listLogGroups(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	if len(tagged) == 0 {
		return nil, nil
	}
	tags := map[string]map[string]string{}
	var names []string
	for _, t := range tagged {
		name := strings.TrimSuffix(lastPart(t.ARN, ":log-group:"), ":*")
		tags[name] = t.Tags
		names = append(names, name)
	}
	groups, err := describeLogGroups(ctx, c, commonPrefix(names))
	if err != nil {
		return nil, err
	}
	var out []*provider.Observed
	for _, g := range groups {
		if t, ok := tags[aws.ToString(g.LogGroupName)]; ok {
			out = append(out, logGroupObserved(g, t))
		}
	}
	return out, nil
}

func describeLogGroups(ctx context.Context, c *call, prefix string) ([]logtypes.LogGroup, error) {
	in := &cloudwatchlogs.DescribeLogGroupsInput{}
	if prefix != "" {
		in.LogGroupNamePrefix = aws.String(prefix)
	}
	var out []logtypes.LogGroup
	pg := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.p.r.logs, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, page.LogGroups...)
	}
	return out, nil
}

// readLogGroup reads one log group and its tags; nil when it is gone.
func readLogGroup(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	groups, err := describeLogGroups(ctx, c, name)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if aws.ToString(g.LogGroupName) != name {
			continue
		}
		t, err := c.p.r.logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{
			ResourceArn: aws.String(logGroupARN(aws.ToString(g.Arn)))})
		if err != nil {
			return nil, c.err(err)
		}
		return logGroupObserved(g, t.Tags), nil
	}
	return nil, nil
}

func logGroupObserved(g logtypes.LogGroup, tags map[string]string) *provider.Observed {
	props := map[string]any{"LogGroupName": aws.ToString(g.LogGroupName), "LogGroupClass": string(g.LogGroupClass)}
	if g.RetentionInDays != nil {
		props["RetentionInDays"] = float64(*g.RetentionInDays)
	}
	if g.KmsKeyId != nil {
		props["KmsKeyId"] = *g.KmsKeyId
	}
	if g.DeletionProtectionEnabled != nil {
		props["DeletionProtectionEnabled"] = *g.DeletionProtectionEnabled
	}
	arn := aws.ToString(g.Arn)
	return observed(catalog.LogGroup, aws.ToString(g.LogGroupName), "", props, map[string]string{"Arn": arn}, tags)
}

func createLogGroup(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "LogGroupName")
	in := &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: req.Tags,
		LogGroupClass: logtypes.LogGroupClass(str(p, "LogGroupClass"))}
	if k := str(p, "KmsKeyId"); k != "" {
		in.KmsKeyId = aws.String(k)
	}
	if b, ok := p["DeletionProtectionEnabled"].(bool); ok {
		in.DeletionProtectionEnabled = aws.Bool(b)
	}
	_, err := c.p.w.logs.CreateLogGroup(ctx, in)
	if isCode(err, "ResourceAlreadyExistsException") {
		read := func(ctx context.Context) (*provider.Observed, error) { return readLogGroup(ctx, c, name) }
		return adopt(ctx, c, err, read, updateLogGroup, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	if d := i32(p, "RetentionInDays"); d != nil {
		if _, err := c.p.w.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: aws.String(name), RetentionInDays: d}); err != nil {
			return nil, c.err(err)
		}
	}
	return mustRead(ctx, c, name, func(ctx context.Context) (*provider.Observed, error) { return readLogGroup(ctx, c, name) })
}

func updateLogGroup(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := live.ID
	want, have := i32(p, "RetentionInDays"), i32(live.Properties, "RetentionInDays")
	switch {
	case want != nil && (have == nil || *have != *want):
		_, err := c.p.w.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: want})
		if err != nil {
			return nil, c.err(err)
		}
	case want == nil && have != nil:
		if _, err := c.p.w.logs.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(name)}); err != nil {
			return nil, c.err(err)
		}
	}
	if k := str(p, "KmsKeyId"); k != str(live.Properties, "KmsKeyId") {
		var err error
		if k != "" {
			_, err = c.p.w.logs.AssociateKmsKey(ctx, &cloudwatchlogs.AssociateKmsKeyInput{LogGroupName: aws.String(name), KmsKeyId: aws.String(k)})
		} else {
			_, err = c.p.w.logs.DisassociateKmsKey(ctx, &cloudwatchlogs.DisassociateKmsKeyInput{LogGroupName: aws.String(name)})
		}
		if err != nil {
			return nil, c.err(err)
		}
	}
	if b, ok := p["DeletionProtectionEnabled"].(bool); ok && b != (live.Properties["DeletionProtectionEnabled"] == true) {
		if _, err := c.p.w.logs.PutLogGroupDeletionProtection(ctx, &cloudwatchlogs.PutLogGroupDeletionProtectionInput{
			LogGroupIdentifier: aws.String(name), DeletionProtectionEnabled: aws.Bool(b)}); err != nil {
			return nil, c.err(err)
		}
	}
	arn := aws.String(logGroupARN(live.Attributes["Arn"]))
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: arn, Tags: t})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.logs.UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: arn, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, name, func(ctx context.Context) (*provider.Observed, error) { return readLogGroup(ctx, c, name) })
}

// commonPrefix is the longest prefix all names share.
func commonPrefix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	pre := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, pre) {
			pre = pre[:len(pre)-1]
		}
	}
	return pre
}
