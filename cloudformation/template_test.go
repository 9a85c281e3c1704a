package cloudformation

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// cfnGraph has one resource of each tag shape, references that
// CloudFormation answers through Ref and through Fn::GetAtt, a Join, a
// sensitive value and an ordering-only dependency.
func cfnGraph() *graph.Graph {
	tags := func(addr string, more ...string) map[string]string {
		t := map[string]string{graph.TagAddress: addr}
		for i := 0; i+1 < len(more); i += 2 {
			t[more[i]] = more[i+1]
		}
		return t
	}
	g := &graph.Graph{Project: "p", Environment: "dev", Account: "111111111111", Region: "eu-west-1", Resources: []*graph.Resource{
		{Address: "load-balancer/web", Type: catalog.LoadBalancer,
			Properties: map[string]any{"Name": "p-dev-web"}, Tags: tags("load-balancer/web")},
		{Address: "load-balancer/web/listener-http", Type: catalog.Listener,
			Properties: map[string]any{"LoadBalancerArn": graph.Ref{Address: "load-balancer/web", Attribute: "LoadBalancerArn"}, "Port": 80},
			Tags:       tags("load-balancer/web/listener-http")},
		{Address: "service/a/task-definition", Type: catalog.TaskDefinition,
			Properties: map[string]any{"ContainerDefinitions": []any{map[string]any{
				"Environment": []any{map[string]any{"Name": "K", "Value": graph.Sensitive{Value: "secret!"}}}}}},
			Tags: tags("service/a/task-definition", "team", "x")},
		{Address: "service/a/rule-http", Type: catalog.ListenerRule,
			Properties: map[string]any{"ListenerArn": graph.Ref{Address: "load-balancer/web/listener-http", Attribute: "ListenerArn"}, "Priority": 7}},
		{Address: "service/a", Type: catalog.Service,
			Properties: map[string]any{
				"TaskDefinition": graph.Ref{Address: "service/a/task-definition", Attribute: "TaskDefinitionArn"},
				"Label":          graph.Join{Parts: []any{graph.Ref{Address: "load-balancer/web", Attribute: "LoadBalancerFullName"}, "/x"}},
			},
			DependsOn: []string{"service/a/rule-http"}},
		{Address: "cluster/c/launch-template", Type: catalog.LaunchTemplate,
			Properties: map[string]any{"LaunchTemplateName": "lt"}, Tags: tags("cluster/c/launch-template")},
		{Address: "cluster/c/auto-scaling-group", Type: catalog.AutoScalingGroup,
			Properties: map[string]any{"MinSize": "0"}, Tags: tags("cluster/c/auto-scaling-group", "AmazonECSManaged", "")},
	}}
	g.Sort()
	return g
}

func TestTemplate(t *testing.T) {
	g := cfnGraph()
	tmpl, err := Template(g)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(tmpl)
	s := string(out)
	for _, want := range []string{
		`"AWSTemplateFormatVersion":"2010-09-09"`,
		`"LoadBalancerArn":{"Ref":"LoadBalancerWeb"}`,
		`"TaskDefinition":{"Ref":"ServiceATaskDefinition"}`,
		`"Label":{"Fn::Join":["",[{"Fn::GetAtt":["LoadBalancerWeb","LoadBalancerFullName"]},"/x"]]}`,
		`"DependsOn":["ServiceARuleHttp"]`,
		`"Value":{"Ref":"ServiceATaskDefinitionSensitive1"}`,
		`"ServiceATaskDefinitionSensitive1":{"Description":"sensitive value 1 of service/a/task-definition","NoEcho":true,"Type":"String"}`,
		`"Tags":[{"Key":"AmazonECSManaged","PropagateAtLaunch":true,"Value":""}`,
		`"Tags":[{"Key":"gantry:address","Value":"service/a/task-definition"},{"Key":"team","Value":"x"}]`,
		`"TagSpecifications":[{"ResourceType":"launch-template","Tags":[{"Key":"gantry:address","Value":"cluster/c/launch-template"}]}]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("template lacks %s\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret!") {
		t.Error("template contains the sensitive value")
	}
	// Listeners and rules have no Tags property in CloudFormation.
	res := tmpl["Resources"].(map[string]any)
	if _, ok := res["LoadBalancerWebListenerHttp"].(map[string]any)["Properties"].(map[string]any)["Tags"]; ok {
		t.Error("listener got Tags")
	}
	// Rendering does not change the graph.
	env := g.Get("service/a/task-definition").Properties["ContainerDefinitions"].([]any)[0].(map[string]any)["Environment"]
	if _, ok := env.([]any)[0].(map[string]any)["Value"].(graph.Sensitive); !ok {
		t.Error("Template changed the graph")
	}
}

func TestTemplateMissingReference(t *testing.T) {
	g := cfnGraph()
	g.Get("service/a").Properties["X"] = graph.Ref{Address: "nowhere", Attribute: "Arn"}
	if _, err := Template(g); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("err = %v", err)
	}
}

func TestLogicalIDs(t *testing.T) {
	g := &graph.Graph{Resources: []*graph.Resource{{Address: "service/a-1/x"}, {Address: "service/a1/x"}, {Address: "service/b/rule-https-2"}}}
	ids := logicalIDs(g)
	if ids["service/b/rule-https-2"] != "ServiceBRuleHttps2" {
		t.Errorf("id %s", ids["service/b/rule-https-2"])
	}
	if ids["service/a-1/x"] == ids["service/a1/x"] || !strings.HasPrefix(ids["service/a1/x"], "ServiceA1X") {
		t.Errorf("colliding IDs not disambiguated: %v", ids)
	}
}
