package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func init() {
	register(&handler{
		Type:   catalog.ECRRepository,
		ARN:    arnResource("ecr", "repository/"),
		List:   listRepositories,
		Create: createRepository,
		Update: updateRepository,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.ecr.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(live.Attributes["Arn"]), Tags: ecrTags(tags)})
			return c.err(err)
		},
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			// EmptyOnDelete is set by destroy --include-data (CloudFormation's
			// way to delete a repository with its images).
			force := live.Properties["EmptyOnDelete"] == true
			_, err := c.p.w.ecr.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(live.ID), Force: force})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		},
	})
}

func ecrTags(m map[string]string) []ecrtypes.Tag {
	out := make([]ecrtypes.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, ecrtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

// listRepositories describes the tagged repositories by name, 100 at a
// time, and reads each one's lifecycle policy (the API has no batch read
// of those).
func listRepositories(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := map[string]map[string]string{}
	var names []string
	for _, t := range tagged {
		n := lastPart(t.ARN, ":repository/")
		tags[n] = t.Tags
		names = append(names, n)
	}
	var out []*provider.Observed
	for _, batch := range chunks(names, 100) {
		repos, err := describeRepositories(ctx, c, batch)
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			o, err := repositoryObserved(ctx, c, r, tags[aws.ToString(r.RepositoryName)])
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// describeRepositories describes repositories by name; names that do not
// exist (deleted since the Tagging API listed them) are left out.
func describeRepositories(ctx context.Context, c *call, names []string) ([]ecrtypes.Repository, error) {
	var out []ecrtypes.Repository
	pg := ecr.NewDescribeRepositoriesPaginator(c.p.r.ecr, &ecr.DescribeRepositoriesInput{RepositoryNames: names})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if isCode(err, "RepositoryNotFoundException") && len(names) > 1 {
			// One missing name fails the whole batch: describe one by one.
			return describeEach(ctx, c, names)
		}
		if notFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, page.Repositories...)
	}
	return out, nil
}

func describeEach(ctx context.Context, c *call, names []string) ([]ecrtypes.Repository, error) {
	var out []ecrtypes.Repository
	for _, n := range names {
		r, err := describeRepositories(ctx, c, []string{n})
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

func repositoryObserved(ctx context.Context, c *call, r ecrtypes.Repository, tags map[string]string) (*provider.Observed, error) {
	props := map[string]any{
		"RepositoryName":     aws.ToString(r.RepositoryName),
		"ImageTagMutability": string(r.ImageTagMutability),
	}
	if r.ImageScanningConfiguration != nil {
		props["ImageScanningConfiguration"] = map[string]any{"ScanOnPush": r.ImageScanningConfiguration.ScanOnPush}
	}
	if e := r.EncryptionConfiguration; e != nil {
		props["EncryptionConfiguration"] = fromSDK(e)
	}
	lp, err := c.p.r.ecr.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: r.RepositoryName})
	switch {
	case isCode(err, "LifecyclePolicyNotFoundException"):
	case err != nil:
		return nil, c.err(err)
	default:
		props["LifecyclePolicy"] = map[string]any{"LifecyclePolicyText": aws.ToString(lp.LifecyclePolicyText),
			"RegistryId": aws.ToString(lp.RegistryId)}
	}
	// No image count (catalog.ImageCountAttribute): ECR has no batch
	// count, and one ListImages per repository would be a call per
	// resource in every plan. Without it a plan says a deleted repository
	// loses "the images it holds, if any", and destroy learns it from
	// DeleteRepository's RepositoryNotEmptyException (the repository is
	// then kept unless --include-data).
	attrs := map[string]string{"Arn": aws.ToString(r.RepositoryArn), "RepositoryUri": aws.ToString(r.RepositoryUri)}
	return observed(catalog.ECRRepository, aws.ToString(r.RepositoryName), "", props, attrs, tags), nil
}

// readRepository reads one repository with its tags; nil when it is gone.
func readRepository(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	repos, err := describeRepositories(ctx, c, []string{name})
	if err != nil || len(repos) == 0 {
		return nil, err
	}
	t, err := c.p.r.ecr.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: repos[0].RepositoryArn})
	if err != nil {
		return nil, c.err(err)
	}
	tags := map[string]string{}
	for _, tg := range t.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return repositoryObserved(ctx, c, repos[0], tags)
}

func createRepository(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "RepositoryName")
	in := &ecr.CreateRepositoryInput{RepositoryName: aws.String(name), Tags: ecrTags(req.Tags),
		ImageTagMutability: ecrtypes.ImageTagMutability(str(p, "ImageTagMutability"))}
	if err := toSDK(keep(p, "ImageScanningConfiguration", "EncryptionConfiguration"), in); err != nil {
		return nil, c.errorf("ecr:CreateRepository", "ValidationError", "%v", err)
	}
	_, err := c.p.w.ecr.CreateRepository(ctx, in)
	read := func(ctx context.Context) (*provider.Observed, error) { return readRepository(ctx, c, name) }
	if isCode(err, "RepositoryAlreadyExistsException") {
		return adopt(ctx, c, err, read, updateRepository, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	if text := lifecycleText(p); text != "" {
		if _, err := c.p.w.ecr.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String(name),
			LifecyclePolicyText: aws.String(text)}); err != nil {
			return nil, c.err(err)
		}
	}
	return mustRead(ctx, c, name, read)
}

// lifecycleText is the request's lifecycle policy as the JSON text the
// API takes (CloudFormation gives it as a string; a tree is accepted).
func lifecycleText(p map[string]any) string {
	lp, _ := p["LifecyclePolicy"].(map[string]any)
	return jsonText(lp["LifecyclePolicyText"])
}

func updateRepository(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := aws.String(live.ID)
	want, have := canonical(catalog.ECRRepository, p), canonical(catalog.ECRRepository, live.Properties)
	if want["ImageTagMutability"] != have["ImageTagMutability"] {
		if _, err := c.p.w.ecr.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: name,
			ImageTagMutability: ecrtypes.ImageTagMutability(str(want, "ImageTagMutability"))}); err != nil {
			return nil, c.err(err)
		}
	}
	if !equal(want["ImageScanningConfiguration"], have["ImageScanningConfiguration"]) {
		scan, _ := want["ImageScanningConfiguration"].(map[string]any)
		if _, err := c.p.w.ecr.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{RepositoryName: name,
			ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: scan["ScanOnPush"] == true}}); err != nil {
			return nil, c.err(err)
		}
	}
	if !equal(want["LifecyclePolicy"], have["LifecyclePolicy"]) {
		var err error
		if text := lifecycleText(p); text != "" {
			_, err = c.p.w.ecr.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: name, LifecyclePolicyText: aws.String(text)})
		} else {
			_, err = c.p.w.ecr.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: name})
		}
		if err != nil && !isCode(err, "LifecyclePolicyNotFoundException") {
			return nil, c.err(err)
		}
	}
	arn := aws.String(live.Attributes["Arn"])
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.ecr.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: arn, Tags: ecrTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.ecr.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: arn, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readRepository(ctx, c, live.ID) })
}
