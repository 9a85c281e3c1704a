package compiler

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/cloudformation"
	"github.com/gantry-gitops/gantry/graph"
)

var logicalIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,254}$`)

// checkTemplate checks what `aws cloudformation validate-template` checks
// of a template's structure, and more: alphanumeric logical IDs, every Ref
// and Fn::GetAtt naming a resource or parameter of the template (GetAtt
// only with an attribute the type has), every DependsOn existing, and no
// gantry-internal value form ($ref, $join, $sensitive) left over.
func checkTemplate(t *testing.T, tmpl map[string]any) {
	t.Helper()
	if tmpl["AWSTemplateFormatVersion"] != "2010-09-09" {
		t.Errorf("format version %v", tmpl["AWSTemplateFormatVersion"])
	}
	resources, _ := tmpl["Resources"].(map[string]any)
	if len(resources) == 0 {
		t.Fatal("no resources")
	}
	if len(resources) > 500 {
		t.Errorf("%d resources: CloudFormation allows 500 per template", len(resources))
	}
	params, _ := tmpl["Parameters"].(map[string]any)
	types := map[string]string{}
	for id, r := range resources {
		if !logicalIDPattern.MatchString(id) {
			t.Errorf("logical ID %q", id)
		}
		types[id] = r.(map[string]any)["Type"].(string)
	}
	for id := range params {
		if !logicalIDPattern.MatchString(id) || resources[id] != nil {
			t.Errorf("parameter ID %q", id)
		}
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if strings.HasPrefix(k, "$") {
					t.Errorf("%s: gantry value form %q in the template", where, k)
				}
				switch k {
				case "Ref":
					id, _ := e.(string)
					if resources[id] == nil && params[id] == nil {
						t.Errorf("%s: Ref to unknown %v", where, e)
					}
				case "Fn::GetAtt":
					ga, _ := e.([]any)
					if len(ga) != 2 {
						t.Errorf("%s: malformed GetAtt %v", where, e)
						continue
					}
					id, _ := ga[0].(string)
					attr, _ := ga[1].(string)
					ct, ok := catalog.Lookup(types[id])
					if resources[id] == nil || (ok && !contains(ct.Attributes, attr)) {
						t.Errorf("%s: GetAtt %v", where, e)
					}
				}
				walk(where, e)
			}
		case []any:
			for _, e := range v {
				walk(where, e)
			}
		case graph.Ref, graph.Join, graph.Sensitive:
			t.Errorf("%s: graph value %#v in the template", where, v)
		}
	}
	for id, r := range resources {
		r := r.(map[string]any)
		walk(id, r["Properties"])
		if deps, ok := r["DependsOn"]; ok {
			for _, d := range deps.([]any) {
				if resources[d.(string)] == nil {
					t.Errorf("%s: DependsOn unknown %v", id, d)
				}
			}
		}
	}
}

func TestCloudFormationTemplate(t *testing.T) {
	g, _ := compileJSON(t, testEnv(), "shop", CompileOptions{})
	tmpl, err := cloudformation.Template(g)
	if err != nil {
		t.Fatal(err)
	}
	checkTemplate(t, tmpl)
	res := tmpl["Resources"].(map[string]any)
	get := func(id string) map[string]any {
		r, ok := res[id].(map[string]any)
		if !ok {
			t.Fatalf("no resource %s", id)
		}
		return r
	}
	// The sensitive value became a NoEcho parameter.
	params := tmpl["Parameters"].(map[string]any)
	p, ok := params["ServiceApiTaskDefinitionSensitive1"].(map[string]any)
	if !ok || p["NoEcho"] != true || p["Type"] != "String" {
		t.Fatalf("parameters %v", params)
	}
	td := get("ServiceApiTaskDefinition")["Properties"].(map[string]any)
	env := td["ContainerDefinitions"].([]any)[0].(map[string]any)["Environment"].([]any)
	if env[0].(map[string]any)["Value"].(map[string]any)["Ref"] != "ServiceApiTaskDefinitionSensitive1" {
		t.Errorf("sensitive env %v", env[0])
	}
	// References: Ref where CloudFormation's Ref returns the value,
	// Fn::GetAtt otherwise.
	svc := get("ServiceApi")
	sp := svc["Properties"].(map[string]any)
	if sp["TaskDefinition"].(map[string]any)["Ref"] != "ServiceApiTaskDefinition" {
		t.Errorf("TaskDefinition %v", sp["TaskDefinition"])
	}
	if ga := sp["Cluster"].(map[string]any)["Fn::GetAtt"].([]any); ga[0] != "ClusterMain" || ga[1] != "Arn" {
		t.Errorf("Cluster %v", sp["Cluster"])
	}
	// Ordering-only dependencies are in DependsOn; references are not
	// repeated there.
	deps := svc["DependsOn"].([]any)
	if !containsAny(deps, "ServiceApiRuleHttps") || !containsAny(deps, "ServiceApiAlarmErrors5xx") || containsAny(deps, "ServiceApiTaskDefinition") {
		t.Errorf("DependsOn %v", deps)
	}
	// Tags, in each type's shape.
	asgTags := get("ClusterBatchAutoScalingGroup")["Properties"].(map[string]any)["Tags"].([]any)
	if first := asgTags[0].(map[string]any); first["Key"] != "AmazonECSManaged" || first["PropagateAtLaunch"] != true {
		t.Errorf("ASG tags %v", asgTags)
	}
	lt := get("ClusterBatchLaunchTemplate")["Properties"].(map[string]any)
	if spec := lt["TagSpecifications"].([]any)[0].(map[string]any); spec["ResourceType"] != "launch-template" {
		t.Errorf("launch template tags %v", spec)
	}
	if _, ok := get("ClusterBatchInstanceProfile")["Properties"].(map[string]any)["Tags"]; ok {
		t.Error("instance profile has Tags, which CloudFormation does not accept")
	}
	roleTags := get("ServiceApiTaskRole")["Properties"].(map[string]any)["Tags"].([]any)
	if len(roleTags) != 5 || roleTags[1].(map[string]any)["Key"] != "gantry:address" {
		t.Errorf("role tags %v", roleTags)
	}
	// The ALB request count label joins two GetAtts.
	pol := get("ServiceApiScalingRequests")["Properties"].(map[string]any)
	label := pol["TargetTrackingScalingPolicyConfiguration"].(map[string]any)["PredefinedMetricSpecification"].(map[string]any)["ResourceLabel"]
	join := label.(map[string]any)["Fn::Join"].([]any)
	if join[0] != "" || len(join[1].([]any)) != 3 {
		t.Errorf("ResourceLabel %v", label)
	}
}

func containsAny(list []any, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
