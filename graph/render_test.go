package graph

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// smallGraph: a load balancer, a service with a rule and a secret env
// value, and an Auto Scaling group, enough to exercise every rendering
// path.
func smallGraph() *Graph {
	g := &Graph{Project: "p", Environment: "dev", Account: "111111111111", Region: "eu-west-1", Resources: []*Resource{
		{Address: "load-balancer/web", Type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
			Properties: map[string]any{"Name": "p-dev-web"}, Tags: map[string]string{TagAddress: "load-balancer/web"}},
		{Address: "load-balancer/web/listener-http", Type: "AWS::ElasticLoadBalancingV2::Listener",
			Properties: map[string]any{"LoadBalancerArn": Ref{"load-balancer/web", "LoadBalancerArn"}, "Port": 80},
			Tags:       map[string]string{TagAddress: "load-balancer/web/listener-http"}},
		{Address: "service/a/task-definition", Type: "AWS::ECS::TaskDefinition",
			Properties: map[string]any{"ContainerDefinitions": []any{map[string]any{
				"Environment": []any{map[string]any{"Name": "K", "Value": Sensitive{Value: "secret!"}}}}}},
			Tags: map[string]string{TagAddress: "service/a/task-definition", "team": "x"}},
		{Address: "service/a/rule-http", Type: "AWS::ElasticLoadBalancingV2::ListenerRule",
			Properties: map[string]any{"ListenerArn": Ref{"load-balancer/web/listener-http", "ListenerArn"}, "Priority": 7}},
		{Address: "service/a", Type: "AWS::ECS::Service",
			Properties: map[string]any{
				"TaskDefinition": Ref{"service/a/task-definition", "TaskDefinitionArn"},
				"Label":          Join{Parts: []any{Ref{"load-balancer/web", "LoadBalancerFullName"}, "/x"}},
			},
			DependsOn: []string{"service/a/rule-http"}},
		{Address: "cluster/c/auto-scaling-group", Type: "AWS::AutoScaling::AutoScalingGroup",
			Properties: map[string]any{"MinSize": "0"}, Tags: map[string]string{"AmazonECSManaged": "", TagAddress: "cluster/c/auto-scaling-group"}},
	}}
	g.Sort()
	return g
}

func TestMaskSensitive(t *testing.T) {
	g := smallGraph()
	m := g.Masked()
	b, _ := json.Marshal(m)
	if bytes.Contains(b, []byte("secret!")) || !bytes.Contains(b, []byte(`{"$sensitive":"(sensitive)"}`)) {
		t.Errorf("masked: %s", b)
	}
	b, _ = json.Marshal(g)
	if !bytes.Contains(b, []byte("secret!")) {
		t.Error("Masked changed the original")
	}
}

func TestMermaid(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMermaid(&b, smallGraph()); err != nil {
		t.Fatal(err)
	}
	want := `%% gantry graph: project p, environment dev, 6 resources
flowchart LR
  subgraph g0["cluster c"]
    direction LR
    g0_0["auto-scaling-group<br/><i>AutoScalingGroup</i>"]
  end
  subgraph g1["load balancer web"]
    direction LR
    g1_0["web<br/><i>LoadBalancer</i>"]
    g1_1["listener-http<br/><i>Listener</i>"]
    g1_0 --> g1_1
  end
  subgraph g2["service a"]
    direction LR
    g2_0["a<br/><i>Service</i>"]
    g2_1["rule-http<br/><i>ListenerRule</i>"]
    g2_2["task-definition<br/><i>TaskDefinition</i>"]
    g2_1 --> g2_0
    g2_2 --> g2_0
  end
  g1 --> g2
`
	if b.String() != want {
		t.Errorf("mermaid:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestDOT(t *testing.T) {
	var b bytes.Buffer
	if err := WriteDOT(&b, smallGraph()); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		"digraph gantry {",
		"subgraph cluster_g2 {",
		`g2_2 [label="task-definition\nTaskDefinition"];`,
		"g2_2 -> g2_0;",
		"g1_0 -> g2_0 [ltail=cluster_g1, lhead=cluster_g2];",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("DOT lacks %q:\n%s", want, s)
		}
	}
}

// TestTransitiveReduction: an edge that another path implies is not drawn.
func TestTransitiveReduction(t *testing.T) {
	g := &Graph{Resources: []*Resource{
		{Address: "service/a", Type: "AWS::ECS::Service", DependsOn: []string{"service/a/x", "service/a/y"}},
		{Address: "service/a/x", Type: "T", DependsOn: []string{"service/a/y"}},
		{Address: "service/a/y", Type: "T"},
	}}
	p := newPicture(g)
	var edges []string
	for _, e := range p.groups[0].edges {
		edges = append(edges, e[0].addr+">"+e[1].addr)
	}
	if strings.Join(edges, " ") != "service/a/x>service/a service/a/y>service/a/x" {
		t.Errorf("edges %v", edges)
	}
}
