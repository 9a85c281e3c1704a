package aws

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// compileFixture compiles one environment of a fixture in testdata/fixtures.
func compileFixture(t *testing.T, fixture, env string) (*graph.Graph, provider.Scope) {
	t.Helper()
	p, diags, err := compiler.Load("../../testdata/fixtures/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", fixture, diags.Errors())
	}
	e := p.Env(env)
	if e == nil {
		t.Fatalf("%s has no environment %s", fixture, env)
	}
	g, err := compiler.Compile(e, p.Name, compiler.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return g, provider.Scope{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
}

func mustPolicy(t *testing.T, g *graph.Graph, scope provider.Scope) Document {
	t.Helper()
	doc, err := Policy(g, scope)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestPolicyGrantsExactlyAPICalls: a configuration with every resource
// type gets every action of APICalls and the dependent actions, and no
// other; every call has a rule (none lands in the catch-all statement).
func TestPolicyGrantsExactlyAPICalls(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	doc := mustPolicy(t, g, scope)
	granted := map[string]bool{}
	for _, s := range doc.Statement {
		if s.Sid == "NotYetScopedByGantryAllResources" {
			t.Errorf("no policy rule for %v: add them to policy.go", s.Action)
		}
		for _, a := range s.Action {
			granted[a] = true
		}
	}
	want := map[string]bool{}
	for _, c := range APICalls() {
		want[c.Action] = true
	}
	for a := range DependentActions {
		want[a] = true
	}
	for a := range want {
		if !granted[a] {
			t.Errorf("the policy does not grant %s", a)
		}
	}
	for a := range granted {
		if !want[a] {
			t.Errorf("the policy grants %s, which is neither an API call nor a dependent action", a)
		}
	}
}

// TestPolicyOmitsCreatesOfAbsentTypes: a Fargate configuration gets no
// permission to create Auto Scaling groups, launch templates or capacity
// providers, nor the dependent actions of EC2 capacity; it keeps the
// reads and the tag-scoped deletions (an earlier configuration may have
// had them).
func TestPolicyOmitsCreatesOfAbsentTypes(t *testing.T) {
	g, scope := compileFixture(t, "fargate-web", "dev")
	doc := mustPolicy(t, g, scope)
	granted := map[string]bool{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			granted[a] = true
		}
	}
	for _, a := range []string{"autoscaling:CreateAutoScalingGroup", "ec2:CreateLaunchTemplate",
		"ecs:CreateCapacityProvider", "ec2:RunInstances", "ssm:GetParameters", "iam:AttachRolePolicy"} {
		if granted[a] {
			t.Errorf("a Fargate configuration is granted %s", a)
		}
	}
	for _, a := range []string{"autoscaling:DeleteAutoScalingGroup", "ec2:DeleteLaunchTemplate",
		"ecs:DeleteCapacityProvider", "autoscaling:DescribeAutoScalingGroups"} {
		if !granted[a] {
			t.Errorf("a Fargate configuration is not granted %s", a)
		}
	}
}

var arnRE = regexp.MustCompile(`^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):([0-9]*):(.+)$`)

// TestPolicyARNsAreTheScopes: every ARN is in the scope's partition,
// account and region (IAM's in no region; AWS's public SSM parameters in
// no account), in every partition.
func TestPolicyARNsAreTheScopes(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	for _, tc := range []struct{ region, partition string }{
		{"eu-central-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"},
	} {
		scope.Region = tc.region
		scope.Account = "444455556666"
		doc := mustPolicy(t, g, scope)
		for _, s := range doc.Statement {
			for _, r := range s.Resource {
				if r == "*" {
					continue
				}
				m := arnRE.FindStringSubmatch(r)
				if m == nil {
					t.Errorf("%s: %q is not an ARN", s.Sid, r)
					continue
				}
				if m[1] != tc.partition {
					t.Errorf("%s: %s is not in partition %s", s.Sid, r, tc.partition)
				}
				switch {
				case m[2] == "iam":
					if m[3] != "" || m[4] != scope.Account {
						t.Errorf("%s: %s: want no region and account %s", s.Sid, r, scope.Account)
					}
				case m[2] == "ssm" && strings.HasPrefix(m[5], "parameter/aws/service/"):
					if m[3] != tc.region || m[4] != "" {
						t.Errorf("%s: %s: a public parameter: want region %s and no account", s.Sid, r, tc.region)
					}
				default:
					if m[3] != tc.region || m[4] != scope.Account {
						t.Errorf("%s: %s: want region %s and account %s", s.Sid, r, tc.region, scope.Account)
					}
				}
			}
			for _, byKey := range s.Condition {
				// (iam:PolicyARN names the graph's managed policies, in the
				// partition the graph was compiled for.)
				for k, v := range byKey {
					if str, ok := v.(string); ok && k == "ec2:LaunchTemplate" && !strings.HasPrefix(str, "arn:"+tc.partition+":ec2:"+tc.region+":"+scope.Account+":") {
						t.Errorf("%s: condition ARN %s is not the scope's", s.Sid, str)
					}
				}
			}
		}
	}
}

// TestPolicyPassRoleOnlyTheCompiledRoles: iam:PassRole names exactly the
// roles the graph has, each passed only to the service its trust policy
// names.
func TestPolicyPassRoleOnlyTheCompiledRoles(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	doc := mustPolicy(t, g, scope)
	want := map[string]string{} // role ARN -> service
	for _, r := range g.Resources {
		if r.Type != catalog.IAMRole {
			continue
		}
		svcs := trustedServices(r.Properties["AssumeRolePolicyDocument"])
		if len(svcs) != 1 {
			t.Fatalf("%s is trusted by %v", r.Address, svcs)
		}
		want["arn:aws:iam::"+scope.Account+":role/"+r.Properties["RoleName"].(string)] = svcs[0]
	}
	got := map[string]string{}
	for _, s := range doc.Statement {
		if !contains(s.Action, "iam:PassRole") {
			continue
		}
		if len(s.Action) != 1 {
			t.Errorf("%s: PassRole shares a statement with %v", s.Sid, s.Action)
		}
		svc, _ := s.Condition["StringEquals"]["iam:PassedToService"].(string)
		if svc == "" {
			// The instance role: AddRoleToInstanceProfile names no service.
			svc, _ = s.Condition["StringEqualsIfExists"]["iam:PassedToService"].(string)
			if svc != "ec2.amazonaws.com" {
				svc = ""
			}
		}
		if svc == "" {
			t.Errorf("%s: PassRole without iam:PassedToService", s.Sid)
		}
		for _, r := range s.Resource {
			got[r] = svc
		}
	}
	if len(got) != len(want) {
		t.Errorf("PassRole on %d roles, want %d: %v", len(got), len(want), got)
	}
	services := map[string]bool{}
	for arn, svc := range want {
		services[svc] = true
		if got[arn] != svc {
			t.Errorf("PassRole %s to %q, want %q", arn, got[arn], svc)
		}
	}
	if !services["ecs-tasks.amazonaws.com"] || !services["ec2.amazonaws.com"] || len(services) != 2 {
		t.Errorf("roles are passed to %v, want ecs-tasks and ec2", services)
	}
}

// TestPolicyNoUnexplainedWildcardWrites: a write on "*" is one AWS does
// not authorise per resource, said so in the Sid, or conditioned.
func TestPolicyNoUnexplainedWildcardWrites(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	doc := mustPolicy(t, g, scope)
	reads := map[string]bool{}
	for _, c := range APICalls() {
		reads[c.Action] = c.Read
	}
	for _, s := range doc.Statement {
		if !contains(s.Resource, "*") {
			continue
		}
		for _, a := range s.Action {
			if reads[a] {
				continue
			}
			if !strings.Contains(s.Sid, "NoResourceLevelPermissions") && len(s.Condition) == 0 {
				t.Errorf("%s: write %s on * without a reason in the Sid or a condition", s.Sid, a)
			}
		}
	}
}

// TestPolicyDocumentShape: the JSON is an IAM policy document: Version,
// a list of statements with a unique alphanumeric Sid, Effect Allow,
// Action and Resource lists, and Condition operator -> key -> string or
// list of strings; nothing else. Building it twice gives the same bytes.
func TestPolicyDocumentShape(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	b1, err := json.Marshal(mustPolicy(t, g, scope))
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(mustPolicy(t, g, scope))
	if string(b1) != string(b2) {
		t.Error("two policies of one graph differ")
	}
	var doc map[string]any
	if err := json.Unmarshal(b1, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["Version"] != "2012-10-17" || len(doc) != 2 {
		t.Fatalf("document keys: %v", keysOf(doc))
	}
	stmts, ok := doc["Statement"].([]any)
	if !ok || len(stmts) == 0 {
		t.Fatal("Statement is not a non-empty list")
	}
	sid := regexp.MustCompile(`^[A-Za-z0-9]+$`)
	action := regexp.MustCompile(`^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$`)
	seen := map[string]bool{}
	for _, x := range stmts {
		s, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("statement %v is not an object", x)
		}
		for k := range s {
			switch k {
			case "Sid", "Effect", "Action", "Resource", "Condition":
			default:
				t.Errorf("statement %v has key %s", s["Sid"], k)
			}
		}
		id, _ := s["Sid"].(string)
		if !sid.MatchString(id) || seen[id] {
			t.Errorf("Sid %q: want a unique alphanumeric Sid", id)
		}
		seen[id] = true
		if s["Effect"] != "Allow" {
			t.Errorf("%s: Effect %v", id, s["Effect"])
		}
		for _, k := range []string{"Action", "Resource"} {
			list, ok := s[k].([]any)
			if !ok || len(list) == 0 {
				t.Errorf("%s: %s is not a non-empty list", id, k)
			}
			var strs []string
			for _, v := range list {
				str, ok := v.(string)
				if !ok {
					t.Errorf("%s: %s holds %v", id, k, v)
				}
				if k == "Action" && !action.MatchString(str) {
					t.Errorf("%s: action %q", id, str)
				}
				strs = append(strs, str)
			}
			if !sort.StringsAreSorted(strs) {
				t.Errorf("%s: %s is not sorted", id, k)
			}
		}
		if c, ok := s["Condition"]; ok {
			ops, ok := c.(map[string]any)
			if !ok || len(ops) == 0 {
				t.Errorf("%s: Condition %v", id, c)
			}
			for op, kv := range ops {
				m, ok := kv.(map[string]any)
				if !ok || len(m) == 0 {
					t.Errorf("%s: Condition %s: %v", id, op, kv)
				}
				for key, v := range m {
					switch v := v.(type) {
					case string:
					case []any:
						for _, e := range v {
							if _, ok := e.(string); !ok {
								t.Errorf("%s: %s %s holds %v", id, op, key, e)
							}
						}
					default:
						t.Errorf("%s: %s %s is %T", id, op, key, v)
					}
				}
			}
		}
	}
	// IAM's size limit for a managed policy is 6,144 characters without
	// whitespace; an inline role policy may have 10,240.
	if len(b1) > 10240 {
		t.Logf("the fixture's policy is %d characters", len(b1))
	}
}

// TestPolicyNeedsAScope: no account or region, no policy.
func TestPolicyNeedsAScope(t *testing.T) {
	g, scope := compileFixture(t, "fargate-web", "dev")
	scope.Account = ""
	if _, err := Policy(g, scope); err == nil {
		t.Error("a policy without an account")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSplitGrantsTheSame: split for managed policies, each document fits
// and together they grant exactly what the one document grants (every
// action on every resource under the same condition).
func TestSplitGrantsTheSame(t *testing.T) {
	g, scope := compileFixture(t, "ec2-batch", "qa")
	doc := mustPolicy(t, g, scope)
	grants := func(docs ...Document) map[string]bool {
		m := map[string]bool{}
		for _, d := range docs {
			for _, s := range d.Statement {
				c, _ := json.Marshal(s.Condition)
				for _, a := range s.Action {
					for _, r := range s.Resource {
						m[a+" "+r+" "+string(c)] = true
					}
				}
			}
		}
		return m
	}
	want := grants(doc)
	for _, max := range []int{ManagedPolicyMaxChars, 1500} {
		parts, err := Split(doc, max)
		if err != nil {
			t.Fatal(err)
		}
		if max == ManagedPolicyMaxChars && doc.Size() > max && len(parts) < 2 {
			t.Errorf("a %d-character policy in %d part", doc.Size(), len(parts))
		}
		sids := map[string]bool{}
		for i, p := range parts {
			if p.Size() > max {
				t.Errorf("max %d: part %d is %d characters", max, i+1, p.Size())
			}
			for _, s := range p.Statement {
				if sids[s.Sid] {
					t.Errorf("max %d: Sid %s twice", max, s.Sid)
				}
				sids[s.Sid] = true
			}
		}
		got := grants(parts...)
		if len(got) != len(want) {
			t.Errorf("max %d: %d grants, want %d", max, len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				t.Errorf("max %d: lost %s", max, k)
			}
		}
	}
	if _, err := Split(doc, 300); err == nil {
		t.Error("Split into 300-character documents: no error")
	}
}

// TestPolicyPatternsMatchTheCompiledNames: with the longest project and
// environment names, a project name AWS reserves a prefix of, and long
// object names (so the compiler cuts and hashes names), every resource's
// ARN is matched by the statements that change and delete owned
// resources: the name patterns follow compiler/names.go.
func TestPolicyPatternsMatchTheCompiledNames(t *testing.T) {
	dir := t.TempDir()
	cue := `package app

project: "ecs-platform-service"
environments: "production-1": {
	account: "123456789012"
	region:  "eu-west-1"
	network: {
		vpc: "vpc-0123456789abcdef0"
		publicSubnets: ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
		privateSubnets: ["subnet-0123456789abcdef3"]
	}
}
clusters: "compute-cluster-with-long-nm": capacity: ec2: {instanceType: "m6i.large", maxInstances: 4}
loadBalancers: "internal-edge-balancer-name": scheme: "internet-facing"
services: "checkout-service-long-name-x": {
	cluster: "compute-cluster-with-long-nm"
	image:   "nginx:1.27"
	port:    8080
	route: {loadBalancer: "internal-edge-balancer-name", paths: ["/*"]}
	healthCheck: command: ["CMD-SHELL", "true"]
	scale: {min: 1, max: 4, cpuTarget: 60}
	alarms: "cpu-high-alarm-with-long-nm": {metric: "CPUUtilization", above: 90}
}
`
	if err := os.WriteFile(dir+"/gantry.cue", []byte(cue), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags, err := compiler.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatalf("%v", diags.Errors())
	}
	g, err := compiler.Compile(p.Environments[0], p.Name, compiler.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scope := provider.Scope{Project: g.Project, Environment: g.Environment, Account: g.Account, Region: g.Region}
	doc := mustPolicy(t, g, scope)
	var patterns []string
	for _, s := range doc.Statement {
		if s.Sid == groupOwned || s.Sid == groupNamePatternOnly {
			patterns = append(patterns, s.Resource...)
		}
	}
	arn := func(svc, res string) string { return "arn:aws:" + svc + ":eu-west-1:123456789012:" + res }
	idx := g.Index()
	checked := 0
	for _, r := range g.Resources {
		str := func(k string) string { s, _ := r.Properties[k].(string); return s }
		var a string
		switch r.Type {
		case catalog.IAMRole:
			a = "arn:aws:iam::123456789012:role/" + str("RoleName")
		case catalog.IAMInstanceProfile:
			a = "arn:aws:iam::123456789012:instance-profile/" + str("InstanceProfileName")
		case catalog.Cluster:
			a = arn("ecs", "cluster/"+str("ClusterName"))
		case catalog.CapacityProvider:
			a = arn("ecs", "capacity-provider/"+str("Name"))
		case catalog.Service:
			ref, _ := r.Properties["Cluster"].(graph.Ref)
			cl, _ := idx[ref.Address].Properties["ClusterName"].(string)
			a = arn("ecs", "service/"+cl+"/"+str("ServiceName"))
		case catalog.TaskDefinition:
			a = arn("ecs", "task-definition/"+str("Family")+":3")
		case catalog.AutoScalingGroup:
			a = arn("autoscaling", "autoScalingGroup:0f0e-11:autoScalingGroupName/"+str("AutoScalingGroupName"))
		case catalog.LoadBalancer:
			a = arn("elasticloadbalancing", "loadbalancer/app/"+str("Name")+"/50dc6c495c0c9188")
		case catalog.TargetGroup:
			a = arn("elasticloadbalancing", "targetgroup/"+str("Name")+"/943f017f100becff")
		case catalog.LogGroup:
			a = arn("logs", "log-group:"+str("LogGroupName"))
		case catalog.Alarm:
			a = arn("cloudwatch", "alarm:"+str("AlarmName"))
		default:
			continue
		}
		checked++
		if !matchesAny(patterns, a) {
			t.Errorf("%s: %s is matched by no pattern of %v", r.Address, a, patterns)
		}
	}
	if checked < 12 {
		t.Errorf("checked %d resources", checked)
	}
}

// matchesAny reports whether s matches one of the IAM resource patterns
// (* any characters, ? one).
func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(s) {
			return true
		}
	}
	return false
}
