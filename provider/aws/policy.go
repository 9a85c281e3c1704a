package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Document is an IAM policy document: the deployer's least-privilege
// policy (see Policy).
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Condition maps an operator
// (StringEquals, ArnLike, ...) to keys and their value (a string or a
// list of strings).
type Statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// PolicyVersion is the IAM policy language version.
const PolicyVersion = "2012-10-17"

// DependentActions are the IAM actions the policy grants that are not API
// calls of their own: AWS authorises them as part of a call gantry makes.
//
//   - iam:PassRole: RegisterTaskDefinition passes the execution and task
//     roles to ECS tasks; CreateAutoScalingGroup and UpdateAutoScalingGroup
//     pass the instance role (in the launch template's instance profile)
//     to EC2.
//   - ec2:RunInstances: Auto Scaling checks that whoever creates or
//     updates a group with a launch template may launch instances from it
//     (the Amazon EC2 Auto Scaling User Guide, "Launch template support").
var DependentActions = map[string]string{
	"iam:PassRole":     "RegisterTaskDefinition passes the task and execution roles to ECS; creating or updating an Auto Scaling group passes the instance role to EC2",
	"ec2:RunInstances": "Auto Scaling checks that the caller may launch from the launch template when a group is created or updated with it",
}

// Policy returns the least-privilege IAM policy the deploying identity
// needs to plan, apply, destroy and unlock the environment g compiles,
// in scope's account and region: every action of APICalls (plus
// DependentActions, and only those the graph needs), each scoped as
// narrowly as the service's authorisation allows.
//
// Scoping, per kind of action:
//   - creates name the exact ARNs the compiler gives the graph's resources
//     and require gantry's ownership tags in the request (aws:RequestTag)
//     where the service supports it; a type the graph has none of gets no
//     create permission;
//   - changes, tagging and deletions of existing resources name the
//     project's name pattern ({project}-{env}-*) and require the ownership
//     tags on the resource (aws:ResourceTag) where the service supports
//     it: a plan also deletes resources that are no longer in the
//     configuration, or that a change renamed, which the exact names of
//     this configuration would not cover;
//   - reads AWS authorises per resource name the name pattern, or the
//     account and region where names carry ids or no prefix (and for
//     ecs:DescribeServices, which delete checks make in any cluster);
//     calls AWS does not authorise per resource are on "*".
//
// Rules with the same kind of scoping share a statement (statementGroups),
// to stay near IAM's size limits; Split cuts a document to a size. The
// Sid of every statement that is broader than the names says why. The
// statements come in a fixed order; actions and resources are sorted.
func Policy(g *graph.Graph, scope provider.Scope) (Document, error) {
	if g == nil {
		return Document{}, errors.New("aws: policy: no graph")
	}
	if scope.Account == "" || scope.Region == "" || scope.Project == "" || scope.Environment == "" {
		return Document{}, errors.New("aws: policy: the scope needs a project, an environment, an account and a region")
	}
	b := newPolicyBuilder(g, scope)
	b.build()
	doc := Document{Version: PolicyVersion}
	placed := map[string]bool{}
	merged, err := mergeStatements(b.out)
	if err != nil {
		return Document{}, err
	}
	for _, s := range merged {
		s.Action = b.keep(s.Action)
		s.Resource = uniqSorted(s.Resource)
		if len(s.Action) == 0 || len(s.Resource) == 0 {
			continue
		}
		for _, a := range s.Action {
			placed[a] = true
		}
		s.Effect = "Allow"
		doc.Statement = append(doc.Statement, s)
	}
	// A call added to APICalls without a rule here still gets permission
	// (gantry must work), on "*", named as such; TestPolicyGrantsExactlyAPICalls
	// fails until it gets a rule.
	var rest []string
	for _, c := range APICalls() {
		if !placed[c.Action] && !b.omitted[c.Action] {
			rest = append(rest, c.Action)
		}
	}
	if len(rest) > 0 {
		doc.Statement = append(doc.Statement, Statement{Sid: "NotYetScopedByGantryAllResources", Effect: "Allow",
			Action: rest, Resource: []string{"*"}})
	}
	sids := map[string]bool{}
	for _, s := range doc.Statement {
		if sids[s.Sid] {
			return Document{}, fmt.Errorf("aws: policy: two statements with Sid %s", s.Sid)
		}
		sids[s.Sid] = true
	}
	return doc, nil
}

// policyBuilder collects the names of one graph and writes the statements.
type policyBuilder struct {
	g     *graph.Graph
	scope provider.Scope
	part  string
	calls map[string]bool
	// omitted are the create actions left out because the graph has no
	// resource of their type.
	omitted map[string]bool
	out     []Statement
	byType  map[string][]*graph.Resource
}

func newPolicyBuilder(g *graph.Graph, scope provider.Scope) *policyBuilder {
	b := &policyBuilder{g: g, scope: scope, part: catalog.Partition(scope.Region), calls: map[string]bool{},
		omitted: map[string]bool{}, byType: map[string][]*graph.Resource{}}
	for _, c := range APICalls() {
		b.calls[c.Action] = true
	}
	for a := range DependentActions {
		b.calls[a] = true
	}
	if g != nil {
		for _, r := range g.Resources {
			b.byType[r.Type] = append(b.byType[r.Type], r)
		}
	}
	return b
}

// keep returns the actions that are API calls (or dependent actions),
// sorted: a rule for a call the provider no longer makes grants nothing.
func (b *policyBuilder) keep(actions []string) []string {
	var out []string
	for _, a := range actions {
		if b.calls[a] {
			out = append(out, a)
		}
	}
	return uniqSorted(out)
}

// arn builds an ARN in the scope's partition, region and account; global
// services (IAM) pass region "".
func (b *policyBuilder) arn(service, region, resource string) string {
	return "arn:" + b.part + ":" + service + ":" + region + ":" + b.scope.Account + ":" + resource
}

func (b *policyBuilder) regional(service, resource string) string {
	return b.arn(service, b.scope.Region, resource)
}

// prefix is the start every AWS name of the environment has:
// {project}-{env}-.
func (b *policyBuilder) prefix() string { return b.scope.Project + "-" + b.scope.Environment + "-" }

// namePattern is prefix()+"*", for names that may be cut to limit
// characters (the compiler keeps the first limit-8 and appends "-" and a
// 7-digit hash) and may be prefixed where AWS reserves their start (see
// compiler/names.go and docs/compile.md).
func (b *policyBuilder) namePattern(limit int, reserved []string, guard string) string {
	p := b.prefix()
	lower := strings.ToLower(p)
	for _, r := range reserved {
		if strings.HasPrefix(lower, r) {
			p = guard + p
			break
		}
	}
	if limit > 0 && len(p) > limit-8 {
		p = p[:limit-8]
	}
	return p + "*"
}

func (b *policyBuilder) requestTags() map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {
		"aws:RequestTag/" + graph.TagProject:     b.scope.Project,
		"aws:RequestTag/" + graph.TagEnvironment: b.scope.Environment,
	}}
}

func (b *policyBuilder) resourceTags() map[string]map[string]any {
	return map[string]map[string]any{"StringEquals": {
		"aws:ResourceTag/" + graph.TagProject:     b.scope.Project,
		"aws:ResourceTag/" + graph.TagEnvironment: b.scope.Environment,
	}}
}

// createdWithTags is requestTags plus the service's "which create call"
// key, for the tagging action AWS authorises when a create call carries
// tags.
func (b *policyBuilder) createdWithTags(key string, creates ...string) map[string]map[string]any {
	c := b.requestTags()
	c["StringEquals"][key] = anyList(creates)
	return c
}

func anyList(s []string) any {
	s = uniqSorted(s)
	if len(s) == 1 {
		return s[0]
	}
	return s
}

// names returns the string property prop of every resource of type typ.
func (b *policyBuilder) names(typ, prop string) []string {
	var out []string
	for _, r := range b.byType[typ] {
		if s, ok := r.Properties[prop].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return uniqSorted(out)
}

func (b *policyBuilder) has(typ string) bool { return len(b.byType[typ]) > 0 }

// add appends a statement.
func (b *policyBuilder) add(sid string, actions, resources []string, cond map[string]map[string]any) {
	b.out = append(b.out, Statement{Sid: sid, Action: actions, Resource: resources, Condition: cond})
}

// create appends a create statement for typ, or records its actions as
// omitted when the graph has no resource of typ.
func (b *policyBuilder) create(typ, sid string, actions, resources []string, cond map[string]map[string]any) {
	if !b.has(typ) || len(resources) == 0 {
		for _, a := range actions {
			b.omitted[a] = true
		}
		return
	}
	b.add(sid, actions, resources, cond)
}

func mapEach(in []string, f func(string) string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, f(s))
	}
	return out
}

func uniqSorted(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// The statements, service by service. Which actions take which resource
// types and condition keys is from the Service Authorization Reference
// ("Actions, resources, and condition keys for <service>").
func (b *policyBuilder) build() {
	b.accountWide()
	b.lock()
	b.iam()
	b.ec2()
	b.autoScaling()
	b.logs()
	b.ecr()
	b.elb()
	b.cloudWatch()
	b.ecs()
	b.appAutoScaling()
}

func (b *policyBuilder) accountWide() {
	b.add("ReadCallsWithoutResourceLevelPermissions", []string{
		"sts:GetCallerIdentity",
		"tag:GetResources",
		"iam:GetAccountAuthorizationDetails",
		"iam:ListRoles",
		"iam:ListInstanceProfiles",
		"ec2:DescribeSecurityGroups",
		"ec2:DescribeLaunchTemplates",
		"ec2:DescribeLaunchTemplateVersions",
		"autoscaling:DescribeAutoScalingGroups",
		"autoscaling:DescribeInstanceRefreshes",
		"logs:DescribeLogGroups",
		"elasticloadbalancing:DescribeLoadBalancers",
		"elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:DescribeListeners",
		"elasticloadbalancing:DescribeRules",
		"elasticloadbalancing:DescribeTargetGroups",
		"elasticloadbalancing:DescribeTargetGroupAttributes",
		"elasticloadbalancing:DescribeTargetHealth",
		"elasticloadbalancing:DescribeTags",
		"cloudwatch:DescribeAlarms",
		"ecs:ListTaskDefinitions",
		"ecs:ListClusters",
		"ecs:ListServices",
		"application-autoscaling:DescribeScalableTargets",
		"application-autoscaling:DescribeScalingPolicies",
		"application-autoscaling:DescribeScheduledActions",
	}, []string{"*"}, nil)
}

func (b *policyBuilder) lock() {
	param := b.regional("ssm", "parameter/gantry/"+b.scope.Project+"/"+b.scope.Environment+"/lock")
	b.add("ApplyLockParameter", []string{"ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"},
		[]string{param}, nil)
}

// roleARN is a role's or instance profile's ARN, with its path.
func (b *policyBuilder) iamARN(kind, path, name string) string {
	if path == "" {
		path = "/"
	}
	return b.arn("iam", "", kind+path+name)
}

func (b *policyBuilder) iam() {
	var roles, profiles []string
	trusted := map[string][]string{} // service principal -> role ARNs
	for _, r := range b.byType[catalog.IAMRole] {
		name, _ := r.Properties["RoleName"].(string)
		if name == "" {
			continue
		}
		path, _ := r.Properties["Path"].(string)
		arn := b.iamARN("role", path, name)
		roles = append(roles, arn)
		for _, svc := range trustedServices(r.Properties["AssumeRolePolicyDocument"]) {
			trusted[svc] = append(trusted[svc], arn)
		}
	}
	for _, r := range b.byType[catalog.IAMInstanceProfile] {
		name, _ := r.Properties["InstanceProfileName"].(string)
		path, _ := r.Properties["Path"].(string)
		if name != "" {
			profiles = append(profiles, b.iamARN("instance-profile", path, name))
		}
	}
	rolePattern := b.arn("iam", "", "role/"+b.namePattern(64, nil, ""))
	profilePattern := b.arn("iam", "", "instance-profile/"+b.namePattern(128, nil, ""))

	b.create(catalog.IAMRole, "CreateRolesByNameWithOwnershipTags",
		[]string{"iam:CreateRole", "iam:TagRole"}, roles, b.requestTags())
	b.create(catalog.IAMInstanceProfile, "CreateInstanceProfilesByNameWithOwnershipTags",
		[]string{"iam:CreateInstanceProfile", "iam:TagInstanceProfile"}, profiles, b.requestTags())
	b.add("ReadRolesByNamePattern", []string{
		"iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetRolePolicy",
	}, []string{rolePattern}, nil)
	b.add("ReadInstanceProfilesByNamePattern", []string{"iam:GetInstanceProfile"}, []string{profilePattern}, nil)
	b.add("ChangeOwnedRolesByNamePatternAndTags", []string{
		"iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
		"iam:DeleteRolePermissionsBoundary", "iam:DetachRolePolicy",
		"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:DeleteRole",
	}, []string{rolePattern}, b.resourceTags())
	// Least certain: aws:ResourceTag on the instance-profile resource
	// (instance profiles are taggable; the reference lists the key for
	// the resource type).
	b.add("ChangeOwnedInstanceProfilesByNamePatternAndTags", []string{
		"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
		"iam:TagInstanceProfile", "iam:UntagInstanceProfile", "iam:DeleteInstanceProfile",
	}, []string{profilePattern}, b.resourceTags())
	// Managed policies: only those the configuration attaches
	// (iam:PolicyARN), to gantry's roles.
	var managed []string
	for _, r := range b.byType[catalog.IAMRole] {
		if l, ok := r.Properties["ManagedPolicyArns"].([]any); ok {
			for _, x := range l {
				if s, ok := x.(string); ok {
					managed = append(managed, s)
				}
			}
		}
	}
	if len(managed) > 0 {
		c := b.resourceTags()
		c["ArnEquals"] = map[string]any{"iam:PolicyARN": anyList(managed)}
		b.add("AttachOnlyTheConfiguredManagedPoliciesToOwnedRoles", []string{"iam:AttachRolePolicy"},
			[]string{rolePattern}, c)
	} else {
		b.omitted["iam:AttachRolePolicy"] = true
	}
	services := make([]string, 0, len(trusted))
	for svc := range trusted {
		services = append(services, svc)
	}
	sort.Strings(services)
	for _, svc := range services {
		op := "StringEquals"
		if svc == "ec2.amazonaws.com" {
			// The Service Authorization Reference lists iam:PassRole as a
			// dependent action of AddRoleToInstanceProfile, which names no
			// service: the instance role may be passed where the request
			// names none, and where it names one, only to EC2.
			op = "StringEqualsIfExists"
		}
		b.add("PassRolesTo"+sidWord(svc), []string{"iam:PassRole"}, trusted[svc],
			map[string]map[string]any{op: {"iam:PassedToService": svc}})
	}
}

// sidWord turns "ecs-tasks.amazonaws.com" into "EcsTasks" for a Sid
// (alphanumeric only).
func sidWord(svc string) string {
	svc = strings.TrimSuffix(svc, ".amazonaws.com")
	var sb strings.Builder
	up := true
	for _, r := range svc {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			sb.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			sb.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return sb.String()
}

// trustedServices returns the service principals a trust policy lets
// assume the role.
func trustedServices(doc any) []string {
	d, _ := doc.(map[string]any)
	stmts, _ := d["Statement"].([]any)
	var out []string
	for _, s := range stmts {
		m, _ := s.(map[string]any)
		if m["Effect"] != "Allow" {
			continue
		}
		p, _ := m["Principal"].(map[string]any)
		switch v := p["Service"].(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return uniqSorted(out)
}

func (b *policyBuilder) ec2() {
	sg := b.regional("ec2", "security-group/*")
	lt := b.regional("ec2", "launch-template/*")
	vpcs := mapEach(b.names(catalog.SecurityGroup, "VpcId"), func(v string) string { return b.regional("ec2", "vpc/"+v) })
	if b.has(catalog.SecurityGroup) {
		// CreateSecurityGroup is authorised on the new group and on its VPC;
		// the VPC carries no gantry tags, so it is named, without a condition.
		b.add("CreateSecurityGroupsWithOwnershipTagsIdOnlyARN", []string{"ec2:CreateSecurityGroup"},
			[]string{sg}, b.requestTags())
		b.add("CreateSecurityGroupsInTheEnvironmentsVPC", []string{"ec2:CreateSecurityGroup"}, vpcs, nil)
	} else {
		b.omitted["ec2:CreateSecurityGroup"] = true
	}
	b.create(catalog.LaunchTemplate, "CreateLaunchTemplatesWithOwnershipTagsIdOnlyARN",
		[]string{"ec2:CreateLaunchTemplate"}, []string{lt}, b.requestTags())
	var creates []string
	var res []string
	if b.has(catalog.SecurityGroup) {
		creates, res = append(creates, "CreateSecurityGroup"), append(res, sg)
	}
	if b.has(catalog.LaunchTemplate) {
		creates, res = append(creates, "CreateLaunchTemplate"), append(res, lt)
	}
	if len(creates) > 0 {
		b.add("TagEC2ResourcesOnCreateWithOwnershipTags", []string{"ec2:CreateTags"}, res,
			b.createdWithTags("ec2:CreateAction", creates...))
	}
	b.add("ChangeOwnedSecurityGroupsByTagsIdOnlyARN", []string{
		"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup",
	}, []string{sg}, b.resourceTags())
	b.add("ChangeOwnedLaunchTemplatesByTagsIdOnlyARN", []string{
		"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplate",
	}, []string{lt}, b.resourceTags())
	b.add("TagOwnedEC2ResourcesByTagsIdOnlyARN", []string{"ec2:CreateTags", "ec2:DeleteTags"},
		[]string{sg, lt}, b.resourceTags())
}

func (b *policyBuilder) autoScaling() {
	asgARN := func(name string) string {
		return b.regional("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"+name)
	}
	named := mapEach(b.names(catalog.AutoScalingGroup, "AutoScalingGroupName"), asgARN)
	pattern := asgARN(b.namePattern(255, nil, ""))
	b.create(catalog.AutoScalingGroup, "CreateAutoScalingGroupsByNameWithOwnershipTags",
		[]string{"autoscaling:CreateAutoScalingGroup", "autoscaling:CreateOrUpdateTags"}, named, b.requestTags())
	b.add("ChangeOwnedAutoScalingGroupsByNamePatternAndTags", []string{
		"autoscaling:UpdateAutoScalingGroup", "autoscaling:AttachLoadBalancerTargetGroups",
		"autoscaling:DetachLoadBalancerTargetGroups", "autoscaling:EnableMetricsCollection",
		"autoscaling:DisableMetricsCollection", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags",
		"autoscaling:DeleteAutoScalingGroup", "autoscaling:StartInstanceRefresh",
	}, []string{pattern}, b.resourceTags())
	if !b.has(catalog.LaunchTemplate) {
		// Nothing to resolve: plans call GetParameters only for the
		// launch templates' resolve:ssm: image ids.
		b.omitted["ssm:GetParameters"] = true
		return
	}
	// Dependent actions of CreateAutoScalingGroup / UpdateAutoScalingGroup
	// with a launch template: RunInstances (any resource it would touch:
	// instance, volume, network interface, subnet, security group, AMI),
	// limited to launches from a launch template of this account and
	// region.
	b.add("LaunchFromLaunchTemplatesWhenAutoScalingChecksTheCaller", []string{"ec2:RunInstances"}, []string{"*"},
		map[string]map[string]any{"ArnLike": {"ec2:LaunchTemplate": b.regional("ec2", "launch-template/*")}})
	var params []string
	for _, r := range b.byType[catalog.LaunchTemplate] {
		data, _ := r.Properties["LaunchTemplateData"].(map[string]any)
		if img, _ := data["ImageId"].(string); strings.HasPrefix(img, "resolve:ssm:") {
			name := strings.TrimPrefix(img, "resolve:ssm:")
			if i := strings.LastIndex(name, ":"); i > 0 && !strings.Contains(name[i:], "/") {
				name = name[:i] // a version or label suffix
			}
			if !strings.HasPrefix(name, "/") {
				name = "/" + name
			}
			acct := b.scope.Account
			if strings.HasPrefix(name, "/aws/service/") {
				acct = "" // AWS's public parameters have no account in their ARN
			}
			params = append(params, "arn:"+b.part+":ssm:"+b.scope.Region+":"+acct+":parameter"+name)
		}
	}
	if len(params) == 0 {
		b.omitted["ssm:GetParameters"] = true // pinned images only
		return
	}
	// Plans resolve them to show a newly published AMI; AWS resolves
	// them again when the group is created or updated.
	b.add("ResolveLaunchTemplateImageParameters", []string{"ssm:GetParameters"}, params, nil)
}

func (b *policyBuilder) logs() {
	lgARN := func(name string) []string {
		a := b.regional("logs", "log-group:"+name)
		return []string{a, a + ":*"}
	}
	var named []string
	for _, n := range b.names(catalog.LogGroup, "LogGroupName") {
		named = append(named, lgARN(n)...)
	}
	pattern := lgARN("/ecs/" + b.namePattern(0, nil, ""))
	b.create(catalog.LogGroup, "CreateLogGroupsByName",
		[]string{"logs:CreateLogGroup", "logs:TagResource"}, named, nil)
	b.add("ReadLogGroupsByNamePattern", []string{"logs:ListTagsForResource"}, pattern, nil)
	b.add("ChangeLogGroupsByNamePatternOnly", []string{
		"logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
		"logs:DisassociateKmsKey", "logs:PutLogGroupDeletionProtection", "logs:TagResource",
		"logs:UntagResource", "logs:DeleteLogGroup",
	}, pattern, nil)
}

func (b *policyBuilder) ecr() {
	repoARN := func(name string) string { return b.regional("ecr", "repository/"+name) }
	named := mapEach(b.names(catalog.ECRRepository, "RepositoryName"), repoARN)
	all := repoARN("*")
	b.create(catalog.ECRRepository, "CreateRepositoriesByNameWithOwnershipTags",
		[]string{"ecr:CreateRepository", "ecr:TagResource"}, named, b.requestTags())
	b.add("ReadRepositoriesInTheAccountRepositoryNamesAreNotPrefixed", []string{
		"ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource",
	}, []string{all}, nil)
	b.add("ChangeOwnedRepositoriesByTagsRepositoryNamesAreNotPrefixed", []string{
		"ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration", "ecr:PutLifecyclePolicy",
		"ecr:DeleteLifecyclePolicy", "ecr:TagResource", "ecr:UntagResource", "ecr:DeleteRepository",
	}, []string{all}, b.resourceTags())
}

func (b *policyBuilder) elb() {
	lbNames := b.names(catalog.LoadBalancer, "Name")
	lb := func(name string) string { return b.regional("elasticloadbalancing", "loadbalancer/app/"+name+"/*") }
	listener := func(name string) string { return b.regional("elasticloadbalancing", "listener/app/"+name+"/*") }
	rule := func(name string) string { return b.regional("elasticloadbalancing", "listener-rule/app/"+name+"/*") }
	tg := func(name string) string { return b.regional("elasticloadbalancing", "targetgroup/"+name+"/*") }
	lbPat := b.namePattern(32, []string{"internal-"}, "lb-")
	tgPat := b.namePattern(26, nil, "")

	b.create(catalog.LoadBalancer, "CreateLoadBalancersByNameWithOwnershipTags",
		[]string{"elasticloadbalancing:CreateLoadBalancer"}, mapEach(lbNames, lb), b.requestTags())
	// Listeners and rules are named by their load balancer's name and
	// generated ids; the graph's listeners and rules are on its own load
	// balancers.
	b.create(catalog.Listener, "CreateListenersOnTheLoadBalancersWithOwnershipTags",
		[]string{"elasticloadbalancing:CreateListener"}, mapEach(lbNames, listener), b.requestTags())
	b.create(catalog.ListenerRule, "CreateRulesOnTheLoadBalancersWithOwnershipTags",
		[]string{"elasticloadbalancing:CreateRule"}, mapEach(lbNames, rule), b.requestTags())
	b.create(catalog.TargetGroup, "CreateTargetGroupsByNameWithOwnershipTags",
		[]string{"elasticloadbalancing:CreateTargetGroup"},
		mapEach(b.names(catalog.TargetGroup, "Name"), tg), b.requestTags())
	// Tagging on create is only ever evaluated with the create call, which
	// names the exact resources; the name patterns keep this short.
	var creates, created []string
	for typ, c := range map[string]struct {
		call string
		res  []string
	}{
		catalog.LoadBalancer: {"CreateLoadBalancer", []string{lb(lbPat)}},
		catalog.Listener:     {"CreateListener", []string{listener(lbPat)}},
		catalog.ListenerRule: {"CreateRule", []string{rule(lbPat)}},
		catalog.TargetGroup:  {"CreateTargetGroup", []string{tg(tgPat)}},
	} {
		if b.has(typ) {
			creates, created = append(creates, c.call), append(created, c.res...)
		}
	}
	if len(creates) > 0 {
		b.add("TagELBResourcesOnCreateWithOwnershipTags", []string{"elasticloadbalancing:AddTags"}, created,
			b.createdWithTags("elasticloadbalancing:CreateAction", creates...))
	}
	owned := []string{lb(lbPat), listener(lbPat), rule(lbPat), tg(tgPat)}
	b.add("ChangeOwnedLoadBalancersByNamePatternAndTags", []string{
		"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
		"elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetIpAddressType",
		"elasticloadbalancing:DeleteLoadBalancer",
	}, []string{lb(lbPat)}, b.resourceTags())
	b.add("ChangeOwnedListenersAndRulesByNamePatternAndTags", []string{
		"elasticloadbalancing:ModifyListener", "elasticloadbalancing:DeleteListener",
		"elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
		"elasticloadbalancing:DeleteRule",
	}, []string{listener(lbPat), rule(lbPat)}, b.resourceTags())
	b.add("ChangeOwnedTargetGroupsByNamePatternAndTags", []string{
		"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
		"elasticloadbalancing:DeleteTargetGroup",
	}, []string{tg(tgPat)}, b.resourceTags())
	b.add("TagOwnedELBResourcesByNamePatternAndTags", []string{
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
	}, owned, b.resourceTags())
}

func (b *policyBuilder) cloudWatch() {
	alarm := func(name string) string { return b.regional("cloudwatch", "alarm:"+name) }
	named := mapEach(b.names(catalog.Alarm, "AlarmName"), alarm)
	pattern := alarm(b.namePattern(255, nil, ""))
	// PutMetricAlarm creates and changes (with no tags when it changes), so
	// it is named without a tag condition.
	b.create(catalog.Alarm, "PutAlarmsByName", []string{"cloudwatch:PutMetricAlarm"}, named, nil)
	b.create(catalog.Alarm, "TagAlarmsOnCreateByNameWithOwnershipTags", []string{"cloudwatch:TagResource"},
		named, b.requestTags())
	b.add("ReadAlarmsByNamePattern", []string{"cloudwatch:ListTagsForResource"}, []string{pattern}, nil)
	b.add("ChangeAlarmsByNamePatternOnly", []string{
		"cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:DeleteAlarms",
	}, []string{pattern}, nil)
}

func (b *policyBuilder) ecs() {
	clusterARN := func(name string) string { return b.regional("ecs", "cluster/"+name) }
	cpARN := func(name string) string { return b.regional("ecs", "capacity-provider/"+name) }
	clusters := b.names(catalog.Cluster, "ClusterName")
	clusterPat := b.namePattern(255, nil, "")
	cpPat := b.namePattern(255, []string{"aws", "ecs", "fargate"}, "cp-")
	// A service's ARN has its cluster's name: the graph's services refer
	// to their cluster's Arn.
	byAddr := b.g.Index()
	var services []string
	for _, r := range b.byType[catalog.Service] {
		name, _ := r.Properties["ServiceName"].(string)
		cluster := "*"
		if ref, ok := r.Properties["Cluster"].(graph.Ref); ok {
			if c := byAddr[ref.Address]; c != nil {
				if n, _ := c.Properties["ClusterName"].(string); n != "" {
					cluster = n
				}
			}
		}
		if name != "" {
			services = append(services, b.regional("ecs", "service/"+cluster+"/"+name))
		}
	}
	b.create(catalog.Cluster, "CreateClustersByNameWithOwnershipTags", []string{"ecs:CreateCluster"},
		mapEach(clusters, clusterARN), b.requestTags())
	b.create(catalog.CapacityProvider, "CreateCapacityProvidersByNameWithOwnershipTags",
		[]string{"ecs:CreateCapacityProvider"}, mapEach(b.names(catalog.CapacityProvider, "Name"), cpARN), b.requestTags())
	b.create(catalog.Service, "CreateServicesByNameWithOwnershipTags", []string{"ecs:CreateService"},
		services, b.requestTags())
	// Tagging on create is evaluated only with the create call, which names
	// the exact resources: the name patterns keep this statement short.
	var creates, created []string
	if b.has(catalog.Cluster) {
		creates, created = append(creates, "CreateCluster"), append(created, clusterARN(clusterPat))
	}
	if b.has(catalog.CapacityProvider) {
		creates = append(creates, "CreateCapacityProvider")
		created = append(created, cpARN(cpPat))
	}
	if b.has(catalog.Service) {
		creates, created = append(creates, "CreateService"), append(created, b.regional("ecs", "service/"+clusterPat+"/*"))
	}
	if b.has(catalog.TaskDefinition) {
		creates = append(creates, "RegisterTaskDefinition")
		created = append(created, b.regional("ecs", "task-definition/"+b.namePattern(255, nil, "")+":*"))
	}
	if len(creates) > 0 {
		b.add("TagECSResourcesOnCreateWithOwnershipTags", []string{"ecs:TagResource"}, created,
			b.createdWithTags("ecs:CreateAction", creates...))
	}
	// Task definitions: RegisterTaskDefinition, DescribeTaskDefinition and
	// DeregisterTaskDefinition are authorised on "*" (ECS does not know a
	// revision's ARN before registering it, and scopes neither read nor
	// deregistration by family).
	b.create(catalog.TaskDefinition, "RegisterTaskDefinitionsNoResourceLevelPermissions",
		[]string{"ecs:RegisterTaskDefinition"}, []string{"*"}, nil)
	b.add("ReadAndDeregisterTaskDefinitionsNoResourceLevelPermissions", []string{
		"ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition",
	}, []string{"*"}, nil)
	b.add("ReadECSResourcesByNamePattern", []string{"ecs:DescribeClusters", "ecs:DescribeCapacityProviders"},
		[]string{clusterARN(clusterPat), cpARN(cpPat)}, nil)
	// Before deleting a target group, gantry reads every service that may
	// register in it, in any cluster, owned or not.
	b.add("ReadServicesInTheAccount", []string{"ecs:DescribeServices"},
		[]string{b.regional("ecs", "service/*/*")}, nil)
	b.add("ChangeOwnedClustersByNamePatternAndTags", []string{
		"ecs:UpdateCluster", "ecs:PutClusterCapacityProviders", "ecs:DeleteCluster",
	}, []string{clusterARN(clusterPat)}, b.resourceTags())
	b.add("ChangeOwnedCapacityProvidersByNamePatternAndTags", []string{
		"ecs:UpdateCapacityProvider", "ecs:DeleteCapacityProvider",
	}, []string{cpARN(cpPat)}, b.resourceTags())
	b.add("ChangeOwnedServicesByNamePatternAndTags", []string{"ecs:UpdateService", "ecs:DeleteService"},
		[]string{b.regional("ecs", "service/"+clusterPat+"/*")}, b.resourceTags())
	b.add("TagOwnedECSResourcesByNamePatternAndTags", []string{"ecs:TagResource", "ecs:UntagResource"}, []string{
		clusterARN(clusterPat), cpARN(cpPat), b.regional("ecs", "service/"+clusterPat+"/*"),
		b.regional("ecs", "task-definition/"+b.namePattern(255, nil, "")+":*"),
	}, b.resourceTags())
}

func (b *policyBuilder) appAutoScaling() {
	// Scalable targets are named by an id AWS generates
	// (scalable-target/0123...): only gantry's tags can scope them.
	// Least certain: that every write below is authorised on the
	// scalable-target resource with aws:ResourceTag (Application Auto
	// Scaling's tag-based access control, added with its tagging API).
	st := b.regional("application-autoscaling", "scalable-target/*")
	b.create(catalog.ScalableTarget, "TagScalableTargetsOnCreateWithOwnershipTagsIdOnlyARN",
		[]string{"application-autoscaling:TagResource"}, []string{st}, b.requestTags())
	b.create(catalog.ScalableTarget, "RegisterScalableTargetsIdOnlyARNCreatesAndChangesWithoutTagsInTheRequest",
		[]string{"application-autoscaling:RegisterScalableTarget"}, []string{st}, nil)
	b.add("ReadScalableTargetTagsIdOnlyARN", []string{"application-autoscaling:ListTagsForResource"}, []string{st}, nil)
	b.add("ChangeOwnedScalableTargetsByTagsIdOnlyARN", []string{
		"application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy",
		"application-autoscaling:DeleteScalingPolicy", "application-autoscaling:PutScheduledAction",
		"application-autoscaling:DeleteScheduledAction", "application-autoscaling:TagResource",
		"application-autoscaling:UntagResource",
	}, []string{st}, b.resourceTags())
}

// statementGroups merges the rules above into fewer statements (IAM
// limits an inline role policy to 10,240 characters and a managed policy
// to 6,144): rules with the same kind of scoping share a statement. A
// statement's actions and resources are of several services then; an
// action only ever matches the resource types AWS authorises it on, so
// the union grants nothing the rules did not.
var statementGroups = map[string]string{
	"CreateRolesByNameWithOwnershipTags":                   groupCreate,
	"CreateInstanceProfilesByNameWithOwnershipTags":        groupCreate,
	"CreateSecurityGroupsWithOwnershipTagsIdOnlyARN":       groupCreate,
	"CreateLaunchTemplatesWithOwnershipTagsIdOnlyARN":      groupCreate,
	"CreateAutoScalingGroupsByNameWithOwnershipTags":       groupCreate,
	"CreateRepositoriesByNameWithOwnershipTags":            groupCreate,
	"CreateLoadBalancersByNameWithOwnershipTags":           groupCreate,
	"CreateListenersOnTheLoadBalancersWithOwnershipTags":   groupCreate,
	"CreateRulesOnTheLoadBalancersWithOwnershipTags":       groupCreate,
	"CreateTargetGroupsByNameWithOwnershipTags":            groupCreate,
	"TagAlarmsOnCreateByNameWithOwnershipTags":             groupCreate,
	"CreateClustersByNameWithOwnershipTags":                groupCreate,
	"CreateCapacityProvidersByNameWithOwnershipTags":       groupCreate,
	"CreateServicesByNameWithOwnershipTags":                groupCreate,
	"TagScalableTargetsOnCreateWithOwnershipTagsIdOnlyARN": groupCreate,

	"CreateLogGroupsByName": groupCreateNoTags,
	"PutAlarmsByName":       groupCreateNoTags,

	"ReadRolesByNamePattern":                                    groupRead,
	"ReadInstanceProfilesByNamePattern":                         groupRead,
	"ReadLogGroupsByNamePattern":                                groupRead,
	"ReadRepositoriesInTheAccountRepositoryNamesAreNotPrefixed": groupRead,
	"ReadAlarmsByNamePattern":                                   groupRead,
	"ReadECSResourcesByNamePattern":                             groupRead,
	"ReadServicesInTheAccount":                                  groupRead,
	"ReadScalableTargetTagsIdOnlyARN":                           groupRead,

	"ChangeOwnedRolesByNamePatternAndTags":             groupOwned,
	"ChangeOwnedInstanceProfilesByNamePatternAndTags":  groupOwned,
	"ChangeOwnedAutoScalingGroupsByNamePatternAndTags": groupOwned,
	"ChangeOwnedLoadBalancersByNamePatternAndTags":     groupOwned,
	"ChangeOwnedListenersAndRulesByNamePatternAndTags": groupOwned,
	"ChangeOwnedTargetGroupsByNamePatternAndTags":      groupOwned,
	"TagOwnedELBResourcesByNamePatternAndTags":         groupOwned,
	"ChangeOwnedClustersByNamePatternAndTags":          groupOwned,
	"ChangeOwnedCapacityProvidersByNamePatternAndTags": groupOwned,
	"ChangeOwnedServicesByNamePatternAndTags":          groupOwned,
	"TagOwnedECSResourcesByNamePatternAndTags":         groupOwned,

	"ChangeOwnedSecurityGroupsByTagsIdOnlyARN":                   groupOwnedByTags,
	"ChangeOwnedLaunchTemplatesByTagsIdOnlyARN":                  groupOwnedByTags,
	"TagOwnedEC2ResourcesByTagsIdOnlyARN":                        groupOwnedByTags,
	"ChangeOwnedRepositoriesByTagsRepositoryNamesAreNotPrefixed": groupOwnedByTags,
	"ChangeOwnedScalableTargetsByTagsIdOnlyARN":                  groupOwnedByTags,

	"ChangeLogGroupsByNamePatternOnly": groupNamePatternOnly,
	"ChangeAlarmsByNamePatternOnly":    groupNamePatternOnly,

	"RegisterTaskDefinitionsNoResourceLevelPermissions":          groupTaskDefinitions,
	"ReadAndDeregisterTaskDefinitionsNoResourceLevelPermissions": groupTaskDefinitions,
}

// The merged statements' Sids.
const (
	groupCreate          = "CreateByExactNameOrIdOnlyARNWithOwnershipTagsInTheRequest"
	groupCreateNoTags    = "CreateLogGroupsAndPutAlarmsByExactName"
	groupRead            = "ReadByNamePatternOrInTheAccountWhereIdOnlyOrUnprefixed"
	groupOwned           = "ChangeOrDeleteOwnedByNamePatternAndOwnershipTags"
	groupOwnedByTags     = "ChangeOrDeleteOwnedByOwnershipTagsOnlyIdOnlyARNOrUnprefixedName"
	groupNamePatternOnly = "ChangeOrDeleteLogGroupsAndAlarmsByNamePatternOnly"
	groupTaskDefinitions = "TaskDefinitionsNoResourceLevelPermissions"
)

// mergeStatements merges the statements of one group (statementGroups)
// into the first one's place; their conditions must be equal.
func mergeStatements(in []Statement) ([]Statement, error) {
	var out []Statement
	at := map[string]int{}
	for _, s := range in {
		g, ok := statementGroups[s.Sid]
		if !ok {
			out = append(out, s)
			continue
		}
		i, seen := at[g]
		if !seen {
			s.Sid = g
			at[g] = len(out)
			out = append(out, s)
			continue
		}
		a, _ := json.Marshal(out[i].Condition)
		c, _ := json.Marshal(s.Condition)
		if string(a) != string(c) {
			return nil, fmt.Errorf("aws: policy: %s and %s have different conditions", g, s.Sid)
		}
		out[i].Action = append(append([]string(nil), out[i].Action...), s.Action...)
		out[i].Resource = append(append([]string(nil), out[i].Resource...), s.Resource...)
	}
	return out, nil
}

// IAM's size limits for a policy document, in characters without
// whitespace.
const (
	ManagedPolicyMaxChars = 6144  // a customer managed policy
	InlinePolicyMaxChars  = 10240 // all inline policies of a role together
)

// Size is the document's length as IAM counts it: its JSON without
// whitespace.
func (d Document) Size() int {
	b, _ := json.Marshal(d)
	return len(b)
}

// Split cuts doc into documents of at most max characters (Size), for
// attaching as several managed policies: statements are kept whole and in
// order where they fit; a statement that alone exceeds max is cut by its
// resources into statements with the Sid suffixed Part1, Part2, ... Each
// statement stands alone in IAM (an Allow grants on its own), so the
// documents together grant exactly what doc grants. A statement that
// cannot fit even with one resource is an error.
func Split(doc Document, max int) ([]Document, error) {
	empty := Document{Version: doc.Version, Statement: []Statement{}}
	base := empty.Size()
	var stmts []Statement
	for _, s := range doc.Statement {
		if base+statementSize(s) <= max {
			stmts = append(stmts, s)
			continue
		}
		parts, err := splitStatement(s, max-base)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, parts...)
	}
	var out []Document
	cur := Document{Version: doc.Version}
	size := base
	for _, s := range stmts {
		n := statementSize(s)
		if len(cur.Statement) > 0 {
			n++ // the comma
		}
		if len(cur.Statement) > 0 && size+n > max {
			out = append(out, cur)
			cur = Document{Version: doc.Version}
			size, n = base, statementSize(s)
		}
		cur.Statement = append(cur.Statement, s)
		size += n
	}
	if len(cur.Statement) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

func statementSize(s Statement) int {
	b, _ := json.Marshal(s)
	return len(b)
}

// splitStatement cuts s into statements of at most max characters:
// by halves of its resources, then of its actions; the parts' Sids are
// suffixed Part1, Part2, ...
func splitStatement(s Statement, max int) ([]Statement, error) {
	parts, err := halve(s, max)
	if err != nil {
		return nil, err
	}
	for i := range parts {
		parts[i].Sid = fmt.Sprintf("%sPart%d", s.Sid, i+1)
	}
	return parts, nil
}

func halve(s Statement, max int) ([]Statement, error) {
	// Room for the "PartN" suffix the caller adds.
	if statementSize(s)+len("Part999") <= max {
		return []Statement{s}, nil
	}
	a, b := s, s
	switch {
	case len(s.Resource) > 1:
		h := len(s.Resource) / 2
		a.Resource, b.Resource = s.Resource[:h], s.Resource[h:]
	case len(s.Action) > 1:
		h := len(s.Action) / 2
		a.Action, b.Action = s.Action[:h], s.Action[h:]
	default:
		return nil, fmt.Errorf("aws: policy: statement %s does not fit in %d characters even with one action and one resource", s.Sid, max)
	}
	x, err := halve(a, max)
	if err != nil {
		return nil, err
	}
	y, err := halve(b, max)
	if err != nil {
		return nil, err
	}
	return append(x, y...), nil
}
