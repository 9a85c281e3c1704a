package aws

import (
	"context"
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// EC2: security groups and launch templates.

func init() {
	register(&handler{Type: catalog.SecurityGroup, ARN: arnResource("ec2", "security-group/"),
		List: listSecurityGroups, Create: createSecurityGroup, Update: updateSecurityGroup, Tag: ec2Tag,
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			// DependencyViolation (an ENI of a deleted task not yet
			// released, another group's rule) is left to the applier,
			// which retries in-use errors of deletions.
			_, err := c.p.w.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(live.ID)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
	register(&handler{Type: catalog.LaunchTemplate, ARN: arnResource("ec2", "launch-template/"),
		List: listLaunchTemplates, Create: createLaunchTemplate, Update: updateLaunchTemplate, Tag: ec2Tag,
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(live.ID)})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		}})
}

func ec2Tags(m map[string]string) []ec2types.Tag {
	var out []ec2types.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func ec2TagMap(tags []ec2types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func ec2Tag(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
	_, err := c.p.w.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{live.ID}, Tags: ec2Tags(tags)})
	return c.err(err)
}

func ec2SyncTags(ctx context.Context, c *call, id string, have, want map[string]string) error {
	return syncTags(ctx, c, have, want,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			var tags []ec2types.Tag
			for _, k := range keys {
				tags = append(tags, ec2types.Tag{Key: aws.String(k)})
			}
			_, err := c.p.w.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags})
			return err
		})
}

// --- security groups ---

func listSecurityGroups(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	var ids []string
	for _, t := range tagged {
		ids = append(ids, lastPart(t.ARN, "security-group/"))
	}
	var out []*provider.Observed
	for _, batch := range chunks(ids, 200) {
		groups, err := describeSecurityGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{GroupIds: batch})
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			out = append(out, securityGroupObserved(g))
		}
	}
	return out, nil
}

// describeSecurityGroups pages DescribeSecurityGroups; a group deleted
// since it was listed fails the whole batch, which is then read one by one.
func describeSecurityGroups(ctx context.Context, c *call, in *ec2.DescribeSecurityGroupsInput) ([]ec2types.SecurityGroup, error) {
	var out []ec2types.SecurityGroup
	pg := ec2.NewDescribeSecurityGroupsPaginator(c.p.r.ec2, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.NotFound") {
			if len(in.GroupIds) <= 1 {
				return nil, nil
			}
			for _, id := range in.GroupIds {
				g, err := describeSecurityGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
				if err != nil {
					return nil, err
				}
				out = append(out, g...)
			}
			return out, nil
		}
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, page.SecurityGroups...)
	}
	return out, nil
}

func securityGroupObserved(g ec2types.SecurityGroup) *provider.Observed {
	id := aws.ToString(g.GroupId)
	props := map[string]any{
		"GroupName": aws.ToString(g.GroupName), "GroupDescription": aws.ToString(g.Description),
		"VpcId":                aws.ToString(g.VpcId),
		"SecurityGroupIngress": cfnRules(g.IpPermissions, "Source"),
		"SecurityGroupEgress":  cfnRules(g.IpPermissionsEgress, "Destination"),
	}
	return observed(catalog.SecurityGroup, id, "", props,
		map[string]string{"GroupId": id, "VpcId": aws.ToString(g.VpcId)}, ec2TagMap(g.Tags))
}

// cfnRules flattens EC2's permissions (one per protocol and port range,
// with lists of sources) into CloudFormation's one rule per source. side
// is "Source" for ingress, "Destination" for egress.
func cfnRules(perms []ec2types.IpPermission, side string) []any {
	var out []any
	for _, p := range perms {
		base := func(desc *string) map[string]any {
			r := map[string]any{"IpProtocol": aws.ToString(p.IpProtocol)}
			if p.FromPort != nil {
				r["FromPort"] = float64(*p.FromPort)
			}
			if p.ToPort != nil {
				r["ToPort"] = float64(*p.ToPort)
			}
			if desc != nil && *desc != "" {
				r["Description"] = *desc
			}
			return r
		}
		for _, x := range p.IpRanges {
			r := base(x.Description)
			r["CidrIp"] = aws.ToString(x.CidrIp)
			out = append(out, r)
		}
		for _, x := range p.Ipv6Ranges {
			r := base(x.Description)
			r["CidrIpv6"] = aws.ToString(x.CidrIpv6)
			out = append(out, r)
		}
		for _, x := range p.UserIdGroupPairs {
			r := base(x.Description)
			r[side+"SecurityGroupId"] = aws.ToString(x.GroupId)
			out = append(out, r)
		}
		for _, x := range p.PrefixListIds {
			r := base(x.Description)
			r[side+"PrefixListId"] = aws.ToString(x.PrefixListId)
			out = append(out, r)
		}
	}
	return out
}

// ipPermissions turns CloudFormation rules (canonical) into EC2's
// permissions, one per rule.
func ipPermissions(rules []any, side string) []ec2types.IpPermission {
	var out []ec2types.IpPermission
	for _, e := range rules {
		r, _ := e.(map[string]any)
		p := ec2types.IpPermission{IpProtocol: aws.String(str(r, "IpProtocol")), FromPort: i32(r, "FromPort"), ToPort: i32(r, "ToPort")}
		var desc *string
		if d := str(r, "Description"); d != "" {
			desc = aws.String(d)
		}
		switch {
		case str(r, "CidrIp") != "":
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(str(r, "CidrIp")), Description: desc}}
		case str(r, "CidrIpv6") != "":
			p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(str(r, "CidrIpv6")), Description: desc}}
		case str(r, side+"SecurityGroupId") != "":
			p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(str(r, side+"SecurityGroupId")), Description: desc}}
		case str(r, side+"PrefixListId") != "":
			p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(str(r, side+"PrefixListId")), Description: desc}}
		}
		out = append(out, p)
	}
	return out
}

func readSecurityGroup(ctx context.Context, c *call, id string) (*provider.Observed, error) {
	groups, err := describeSecurityGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	return securityGroupObserved(groups[0]), nil
}

func createSecurityGroup(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	out, err := c.p.w.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(str(p, "GroupName")), Description: aws.String(str(p, "GroupDescription")),
		VpcId:             optString(str(p, "VpcId")),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: ec2Tags(req.Tags)}},
	})
	if isCode(err, "InvalidGroup.Duplicate") {
		read := func(ctx context.Context) (*provider.Observed, error) {
			groups, err := describeSecurityGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
				{Name: aws.String("group-name"), Values: []string{str(p, "GroupName")}},
				{Name: aws.String("vpc-id"), Values: []string{str(p, "VpcId")}}}})
			if err != nil || len(groups) != 1 {
				return nil, err
			}
			return securityGroupObserved(groups[0]), nil
		}
		return adopt(ctx, c, err, read, updateSecurityGroup, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	id := aws.ToString(out.GroupId)
	// A new group has AWS's default egress rule (all traffic to
	// 0.0.0.0/0) and no ingress: reconcile from that.
	fresh := &provider.Observed{Type: catalog.SecurityGroup, ID: id, Address: req.Address, Tags: req.Tags,
		Properties: map[string]any{"SecurityGroupEgress": []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}}}}
	if err := reconcileRules(ctx, c, fresh, p); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, id, func(ctx context.Context) (*provider.Observed, error) { return readSecurityGroup(ctx, c, id) })
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// reconcileRules authorizes the rules desired has and live lacks and
// revokes the ones live has and desired lacks, compared in canonical form.
// Authorizing comes first, so traffic allowed before and after is never
// cut in between.
func reconcileRules(ctx context.Context, c *call, live *provider.Observed, desired map[string]any) error {
	want, have := canonicalPair(catalog.SecurityGroup, desired, live.Properties)
	id := aws.String(live.ID)
	in, out := ruleDiff(want, have, "SecurityGroupIngress"), ruleDiff(want, have, "SecurityGroupEgress")
	if len(in.add) > 0 {
		if _, err := c.p.w.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: id,
			IpPermissions: ipPermissions(in.add, "Source")}); err != nil && !isCode(err, "InvalidPermission.Duplicate") {
			return c.err(err)
		}
	}
	if len(out.add) > 0 {
		if _, err := c.p.w.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: id,
			IpPermissions: ipPermissions(out.add, "Destination")}); err != nil && !isCode(err, "InvalidPermission.Duplicate") {
			return c.err(err)
		}
	}
	if len(in.remove) > 0 {
		if _, err := c.p.w.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: id,
			IpPermissions: ipPermissions(in.remove, "Source")}); err != nil && !isCode(err, "InvalidPermission.NotFound") {
			return c.err(err)
		}
	}
	if len(out.remove) > 0 {
		if _, err := c.p.w.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: id,
			IpPermissions: ipPermissions(out.remove, "Destination")}); err != nil && !isCode(err, "InvalidPermission.NotFound") {
			return c.err(err)
		}
	}
	return nil
}

type rules struct{ add, remove []any }

func ruleDiff(want, have map[string]any, key string) rules {
	var r rules
	w, h := map[string]bool{}, map[string]bool{}
	for _, e := range catalog.List(want, key) {
		w[catalog.Key(e)] = true
	}
	for _, e := range catalog.List(have, key) {
		h[catalog.Key(e)] = true
		if !w[catalog.Key(e)] {
			r.remove = append(r.remove, e)
		}
	}
	for _, e := range catalog.List(want, key) {
		if !h[catalog.Key(e)] {
			r.add = append(r.add, e)
		}
	}
	return r
}

func updateSecurityGroup(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if err := reconcileRules(ctx, c, live, plain(req.Properties)); err != nil {
		return nil, err
	}
	if err := ec2SyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readSecurityGroup(ctx, c, live.ID) })
}

// --- launch templates ---

func listLaunchTemplates(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	var ids []string
	for _, t := range tagged {
		ids = append(ids, lastPart(t.ARN, "launch-template/"))
	}
	var out []*provider.Observed
	for _, batch := range chunks(ids, 200) {
		res, err := c.p.r.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: batch})
		if isCode(err, "InvalidLaunchTemplateId.NotFound") && len(batch) > 1 {
			for _, id := range batch {
				o, err := readLaunchTemplate(ctx, c, id)
				if err != nil {
					return nil, err
				}
				if o != nil {
					out = append(out, o)
				}
			}
			continue
		}
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, c.err(err)
		}
		for _, lt := range res.LaunchTemplates {
			o, err := launchTemplateObserved(ctx, c, lt)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// launchTemplateObserved reads the latest version's data: what the Auto
// Scaling group follows (LatestVersionNumber) and what an update writes.
// ImageId comes back as written ("resolve:ssm:..." stays: ResolveAlias is
// not set).
func launchTemplateObserved(ctx context.Context, c *call, lt ec2types.LaunchTemplate) (*provider.Observed, error) {
	id := aws.ToString(lt.LaunchTemplateId)
	v, err := c.p.r.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: lt.LaunchTemplateId, Versions: []string{"$Latest"}})
	if err != nil {
		return nil, c.err(err)
	}
	props := map[string]any{"LaunchTemplateName": aws.ToString(lt.LaunchTemplateName)}
	if len(v.LaunchTemplateVersions) > 0 {
		props["LaunchTemplateData"] = fromSDK(v.LaunchTemplateVersions[0].LaunchTemplateData)
	}
	attrs := map[string]string{"LaunchTemplateId": id,
		"LatestVersionNumber":  strconv.FormatInt(aws.ToInt64(lt.LatestVersionNumber), 10),
		"DefaultVersionNumber": strconv.FormatInt(aws.ToInt64(lt.DefaultVersionNumber), 10)}
	return observed(catalog.LaunchTemplate, id, "", props, attrs, ec2TagMap(lt.Tags)), nil
}

func readLaunchTemplate(ctx context.Context, c *call, id string) (*provider.Observed, error) {
	res, err := c.p.r.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{id}})
	if notFound(err) || err == nil && len(res.LaunchTemplates) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	return launchTemplateObserved(ctx, c, res.LaunchTemplates[0])
}

// templateData converts CloudFormation's LaunchTemplateData to the SDK's;
// user data is base64 on the wire, and is encoded when given as text.
func templateData(p map[string]any) (*ec2types.RequestLaunchTemplateData, error) {
	d, _ := catalog.Copy(p["LaunchTemplateData"]).(map[string]any)
	if d == nil {
		d = map[string]any{}
	}
	if s, ok := d["UserData"].(string); ok && !isBase64Text(s) {
		d["UserData"] = base64.StdEncoding.EncodeToString([]byte(s))
	}
	out := &ec2types.RequestLaunchTemplateData{}
	return out, toSDK(d, out)
}

// isBase64Text reports whether s is base64 of UTF-8 text (what the
// catalog decodes when comparing).
func isBase64Text(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && utf8.Valid(b)
}

func createLaunchTemplate(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	data, err := templateData(p)
	if err != nil {
		return nil, c.errorf("ec2:CreateLaunchTemplate", "ValidationError", "%v", err)
	}
	name := str(p, "LaunchTemplateName")
	out, err := c.p.w.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name), LaunchTemplateData: data,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: ec2Tags(req.Tags)}},
	})
	if isCode(err, "InvalidLaunchTemplateName.AlreadyExistsException") {
		read := func(ctx context.Context) (*provider.Observed, error) {
			res, err := c.p.r.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{name}})
			if err != nil || len(res.LaunchTemplates) == 0 {
				return nil, err
			}
			return launchTemplateObserved(ctx, c, res.LaunchTemplates[0])
		}
		return adopt(ctx, c, err, read, updateLaunchTemplate, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	id := aws.ToString(out.LaunchTemplate.LaunchTemplateId)
	return mustRead(ctx, c, id, func(ctx context.Context) (*provider.Observed, error) { return readLaunchTemplate(ctx, c, id) })
}

// updateLaunchTemplate registers a new version when the data differs and
// makes it the default, as CloudFormation does.
func updateLaunchTemplate(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.LaunchTemplate, p, live.Properties)
	if differs(want, have, "LaunchTemplateData") {
		data, err := templateData(p)
		if err != nil {
			return nil, c.errorf("ec2:CreateLaunchTemplateVersion", "ValidationError", "%v", err)
		}
		out, err := c.p.w.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
			LaunchTemplateId: aws.String(live.ID), LaunchTemplateData: data})
		if err != nil {
			return nil, c.err(err)
		}
		v := strconv.FormatInt(aws.ToInt64(out.LaunchTemplateVersion.VersionNumber), 10)
		if _, err := c.p.w.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
			LaunchTemplateId: aws.String(live.ID), DefaultVersion: aws.String(v)}); err != nil {
			return nil, c.err(err)
		}
	}
	if err := ec2SyncTags(ctx, c, live.ID, live.Tags, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readLaunchTemplate(ctx, c, live.ID) })
}
