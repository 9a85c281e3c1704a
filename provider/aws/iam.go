package aws

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// IAM: roles and instance profiles. The Tagging API lists neither: roles
// are found by their tags in GetAccountAuthorizationDetails (see
// listRoles); instance
// profiles, which ListInstanceProfiles returns without tags, are each
// read with GetInstanceProfile and kept when they carry the scope's tags.
// IAM is global: the same role serves every region.

// iamParallelism bounds the per-role reads, under IAM's low request rate.
const iamParallelism = 4

func init() {
	register(&handler{Type: catalog.IAMRole, List: listRoles, Create: createRole, Update: updateRole,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(live.ID), Tags: iamTags(tags)})
			return c.err(err)
		},
		Delete: deleteRole})
	register(&handler{Type: catalog.IAMInstanceProfile, List: listInstanceProfiles, Create: createInstanceProfile,
		Update: updateInstanceProfile,
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String(live.ID), Tags: iamTags(tags)})
			return c.err(err)
		},
		Delete: deleteInstanceProfile})
}

func iamTags(m map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func iamTagMap(tags []iamtypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// forEachOwned reads names in parallel with read and keeps the owned ones.
func forEachOwned(ctx context.Context, c *call, names []string, read func(context.Context, string) (*provider.Observed, error)) ([]*provider.Observed, error) {
	var (
		mu  sync.Mutex
		out []*provider.Observed
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(iamParallelism)
	for _, n := range names {
		g.Go(func() error {
			o, err := read(gctx, n)
			if err != nil || o == nil || !ownedBy(o.Tags, c.scope) {
				return err
			}
			mu.Lock()
			out = append(out, o)
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// --- roles ---

// listRoles finds the scope's roles by their tags in
// GetAccountAuthorizationDetails, which also gives their policies and
// permissions boundaries, and takes their description and session
// duration (which the details leave out) from ListRoles: two paged
// listings, 1000 roles a page, rather than five calls per role.
func listRoles(ctx context.Context, c *call, _ []taggedARN) ([]*provider.Observed, error) {
	owned := map[string]iamtypes.RoleDetail{}
	pg := iam.NewGetAccountAuthorizationDetailsPaginator(c.p.r.iam, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}, MaxItems: aws.Int32(1000)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, r := range page.RoleDetailList {
			if ownedBy(iamTagMap(r.Tags), c.scope) {
				owned[aws.ToString(r.RoleName)] = r
			}
		}
	}
	if len(owned) == 0 {
		return nil, nil
	}
	var out []*provider.Observed
	lp := iam.NewListRolesPaginator(c.p.r.iam, &iam.ListRolesInput{MaxItems: aws.Int32(1000)})
	for lp.HasMorePages() {
		page, err := lp.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, r := range page.Roles {
			if d, ok := owned[aws.ToString(r.RoleName)]; ok {
				r.Tags, r.PermissionsBoundary = d.Tags, d.PermissionsBoundary
				out = append(out, roleObserved(r, rolePolicies(d)))
			}
		}
	}
	return out, nil
}

// rolePolicies are a role's managed and inline policies from its details.
func rolePolicies(r iamtypes.RoleDetail) map[string]any {
	var arns, inline []any
	for _, p := range r.AttachedManagedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	for _, p := range r.RolePolicyList {
		inline = append(inline, map[string]any{"PolicyName": aws.ToString(p.PolicyName), "PolicyDocument": aws.ToString(p.PolicyDocument)})
	}
	return map[string]any{"ManagedPolicyArns": arns, "Policies": inline}
}

// readRole reads one role and its policies (four calls and one per
// inline policy): for a role just written.
func readRole(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	managed, err := attachedPolicies(ctx, c, name)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, err
	}
	inline, err := inlinePolicies(ctx, c, name)
	if err != nil {
		return nil, err
	}
	return getRole(ctx, c, name, map[string]any{"ManagedPolicyArns": managed, "Policies": inline})
}

// getRole reads a role with GetRole; policies are its policy properties,
// read otherwise.
func getRole(ctx context.Context, c *call, name string, policies map[string]any) (*provider.Observed, error) {
	out, err := c.p.r.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	return roleObserved(*out.Role, policies), nil
}

// roleObserved is a role in CloudFormation shape; policies are its policy
// properties (ManagedPolicyArns, Policies), which the Role type lacks.
func roleObserved(r iamtypes.Role, policies map[string]any) *provider.Observed {
	name := aws.ToString(r.RoleName)
	props := map[string]any{"RoleName": name, "Path": aws.ToString(r.Path),
		"AssumeRolePolicyDocument": aws.ToString(r.AssumeRolePolicyDocument), "Description": aws.ToString(r.Description)}
	if r.MaxSessionDuration != nil {
		props["MaxSessionDuration"] = float64(*r.MaxSessionDuration)
	}
	if r.PermissionsBoundary != nil {
		props["PermissionsBoundary"] = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	for k, v := range policies {
		props[k] = v
	}
	return observed(catalog.IAMRole, name, "", props,
		map[string]string{"Arn": aws.ToString(r.Arn), "RoleId": aws.ToString(r.RoleId)}, iamTagMap(r.Tags))
}

func attachedPolicies(ctx context.Context, c *call, role string) ([]any, error) {
	var out []any
	pg := iam.NewListAttachedRolePoliciesPaginator(c.p.r.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, p := range page.AttachedPolicies {
			out = append(out, aws.ToString(p.PolicyArn))
		}
	}
	return out, nil
}

// inlinePolicies reads the role's inline policies; their documents come
// back URL-encoded, which the catalog's normalisation decodes.
func inlinePolicies(ctx context.Context, c *call, role string) ([]any, error) {
	var out []any
	pg := iam.NewListRolePoliciesPaginator(c.p.r.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, n := range page.PolicyNames {
			doc, err := c.p.r.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
			if err != nil {
				return nil, c.err(err)
			}
			out = append(out, map[string]any{"PolicyName": n, "PolicyDocument": aws.ToString(doc.PolicyDocument)})
		}
	}
	return out, nil
}

func createRole(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "RoleName")
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(jsonText(p["AssumeRolePolicyDocument"])),
		Path: optString(str(p, "Path")), Description: optString(str(p, "Description")),
		MaxSessionDuration: i32(p, "MaxSessionDuration"), PermissionsBoundary: optString(str(p, "PermissionsBoundary")),
		Tags: iamTags(req.Tags)}
	_, err := c.p.w.iam.CreateRole(ctx, in)
	read := func(ctx context.Context) (*provider.Observed, error) { return readRole(ctx, c, name) }
	if isCode(err, "EntityAlreadyExists") {
		return adopt(ctx, c, err, read, updateRole, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	fresh := &provider.Observed{ID: name, Properties: map[string]any{}}
	if err := syncRolePolicies(ctx, c, fresh, p); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, name, read)
}

// syncRolePolicies attaches and detaches managed policies and puts and
// deletes inline policies so that live's match p's.
func syncRolePolicies(ctx context.Context, c *call, live *provider.Observed, p map[string]any) error {
	want, have := canonicalPair(catalog.IAMRole, p, live.Properties)
	role := aws.String(live.ID)
	wantArns, haveArns := stringList(want["ManagedPolicyArns"]), stringList(have["ManagedPolicyArns"])
	for _, arn := range minus(wantArns, haveArns) {
		if _, err := c.p.w.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)}); err != nil {
			return c.err(err)
		}
	}
	for _, arn := range minus(haveArns, wantArns) {
		if _, err := c.p.w.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: role, PolicyArn: aws.String(arn)}); err != nil && !notFound(err) {
			return c.err(err)
		}
	}
	wantDocs, haveDocs := policiesByName(want), policiesByName(have)
	raw := policiesByName(p)
	for _, n := range sortedKeys(wantDocs) {
		if hd, ok := haveDocs[n]; ok && equal(hd, wantDocs[n]) {
			continue
		}
		if _, err := c.p.w.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role, PolicyName: aws.String(n),
			PolicyDocument: aws.String(jsonText(raw[n]))}); err != nil {
			return c.err(err)
		}
	}
	for _, n := range sortedKeys(haveDocs) {
		if _, ok := wantDocs[n]; !ok {
			if _, err := c.p.w.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: role, PolicyName: aws.String(n)}); err != nil && !notFound(err) {
				return c.err(err)
			}
		}
	}
	return nil
}

// policiesByName maps Policies[].PolicyName to its PolicyDocument.
func policiesByName(p map[string]any) map[string]any {
	out := map[string]any{}
	for _, e := range catalog.List(p, "Policies") {
		o, _ := e.(map[string]any)
		if n := str(o, "PolicyName"); n != "" {
			out[n] = o["PolicyDocument"]
		}
	}
	return out
}

// minus returns the elements of a not in b, sorted.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func updateRole(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	want, have := canonicalPair(catalog.IAMRole, p, live.Properties)
	role := aws.String(live.ID)
	if differs(want, have, "AssumeRolePolicyDocument") {
		if _, err := c.p.w.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: role,
			PolicyDocument: aws.String(jsonText(p["AssumeRolePolicyDocument"]))}); err != nil {
			return nil, c.err(err)
		}
	}
	if differs(want, have, "Description", "MaxSessionDuration") {
		if _, err := c.p.w.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: role, Description: aws.String(str(p, "Description")),
			MaxSessionDuration: i32(want, "MaxSessionDuration")}); err != nil {
			return nil, c.err(err)
		}
	}
	if differs(want, have, "PermissionsBoundary") {
		var err error
		if b := str(want, "PermissionsBoundary"); b != "" {
			_, err = c.p.w.iam.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: role, PermissionsBoundary: aws.String(b)})
		} else {
			_, err = c.p.w.iam.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: role})
		}
		if err != nil {
			return nil, c.err(err)
		}
	}
	if err := syncRolePolicies(ctx, c, live, p); err != nil {
		return nil, err
	}
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.iam.TagRole(ctx, &iam.TagRoleInput{RoleName: role, Tags: iamTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.iam.UntagRole(ctx, &iam.UntagRoleInput{RoleName: role, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readRole(ctx, c, live.ID) })
}

// deleteRole detaches and deletes the role's policies first: IAM refuses
// to delete a role that has any (DeleteConflict).
func deleteRole(ctx context.Context, c *call, live *provider.Observed) error {
	cur, err := readRole(ctx, c, live.ID)
	if err != nil || cur == nil {
		return err
	}
	if err := syncRolePolicies(ctx, c, cur, map[string]any{}); err != nil {
		return err
	}
	_, err = c.p.w.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(live.ID)})
	if notFound(err) {
		return nil
	}
	return c.err(err)
}

// --- instance profiles ---

func listInstanceProfiles(ctx context.Context, c *call, _ []taggedARN) ([]*provider.Observed, error) {
	var names []string
	pg := iam.NewListInstanceProfilesPaginator(c.p.r.iam, &iam.ListInstanceProfilesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		for _, ip := range page.InstanceProfiles {
			names = append(names, aws.ToString(ip.InstanceProfileName))
		}
	}
	return forEachOwned(ctx, c, names, func(ctx context.Context, name string) (*provider.Observed, error) {
		return readInstanceProfile(ctx, c, name)
	})
}

func readInstanceProfile(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	out, err := c.p.r.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	ip := out.InstanceProfile
	var roles []any
	for _, r := range ip.Roles {
		roles = append(roles, aws.ToString(r.RoleName))
	}
	props := map[string]any{"InstanceProfileName": name, "Path": aws.ToString(ip.Path), "Roles": roles}
	return observed(catalog.IAMInstanceProfile, name, "", props, map[string]string{"Arn": aws.ToString(ip.Arn)},
		iamTagMap(ip.Tags)), nil
}

func createInstanceProfile(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	p := plain(req.Properties)
	name := str(p, "InstanceProfileName")
	_, err := c.p.w.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name),
		Path: optString(str(p, "Path")), Tags: iamTags(req.Tags)})
	read := func(ctx context.Context) (*provider.Observed, error) { return readInstanceProfile(ctx, c, name) }
	if isCode(err, "EntityAlreadyExists") {
		return adopt(ctx, c, err, read, updateInstanceProfile, req)
	}
	if err != nil {
		return nil, c.err(err)
	}
	if err := syncProfileRoles(ctx, c, name, nil, p); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, name, read)
}

func syncProfileRoles(ctx context.Context, c *call, name string, have, p map[string]any) error {
	want, cur := canonicalPair(catalog.IAMInstanceProfile, p, have)
	w, h := stringList(want["Roles"]), stringList(cur["Roles"])
	for _, r := range minus(h, w) {
		if _, err := c.p.w.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: aws.String(r)}); err != nil && !notFound(err) {
			return c.err(err)
		}
	}
	for _, r := range minus(w, h) {
		if _, err := c.p.w.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: aws.String(r)}); err != nil {
			// NoSuchEntity for a role created a moment before is IAM's
			// eventual consistency (the role is in the same plan).
			return justCreated(c.err(err))
		}
	}
	return nil
}

func updateInstanceProfile(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if err := syncProfileRoles(ctx, c, live.ID, live.Properties, plain(req.Properties)); err != nil {
		return nil, err
	}
	name := aws.String(live.ID)
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.iam.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: name, Tags: iamTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.iam.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: name, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readInstanceProfile(ctx, c, live.ID) })
}

// deleteInstanceProfile removes its roles first, as IAM requires.
func deleteInstanceProfile(ctx context.Context, c *call, live *provider.Observed) error {
	cur, err := readInstanceProfile(ctx, c, live.ID)
	if err != nil || cur == nil {
		return err
	}
	if err := syncProfileRoles(ctx, c, live.ID, cur.Properties, map[string]any{}); err != nil {
		return err
	}
	_, err = c.p.w.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(live.ID)})
	if notFound(err) {
		return nil
	}
	return c.err(err)
}
