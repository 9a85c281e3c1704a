package planner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// A plan that resolved the AMI parameter lists it in JSON (name, value,
// and the changes its value makes), following the schema; text and
// markdown name it in their header only when the value changes something
// live: an unmoved AMI leaves them as they were.
func TestRenderedParameters(t *testing.T) {
	g, live := fleet(true, "ami-0a9d0bd3f4a1e6b52")
	moved := diffWith(t, g, live, map[string]string{amiParam: "ami-008b705c661d4f3c3"})
	same := diffWith(t, g, live, map[string]string{amiParam: "ami-0a9d0bd3f4a1e6b52"})
	moved.Provider, same.Provider = "sandbox", "sandbox"

	for _, tc := range []struct {
		name    string
		p       *Plan
		changes []string
	}{{"moved", moved, []string{"cluster/c/launch-template"}}, {"same", same, nil}} {
		var buf bytes.Buffer
		if err := RenderJSON(&buf, tc.p, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		checkPlanJSON(t, tc.name, buf.Bytes())
		var got JSONPlan
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Parameters) != 1 || got.Parameters[0].Name != amiParam || got.Parameters[0].Value != tc.p.Parameters[amiParam] ||
			strings.Join(got.Parameters[0].Changes, " ") != strings.Join(tc.changes, " ") {
			t.Errorf("%s: parameters %+v", tc.name, got.Parameters)
		}
	}

	want := "SSM parameter " + amiParam + " = ami-008b705c661d4f3c3: changes cluster/c/launch-template (live ami-0a9d0bd3f4a1e6b52)"
	var text, md bytes.Buffer
	if err := RenderText(&text, moved, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(text.String(), "\n"); len(lines) < 3 || lines[2] != want {
		t.Errorf("text header:\n%s\nwant its third line %q", text.String(), want)
	}
	if err := RenderMarkdown(&md, moved, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "\n"+mdEscape(want)+"\n\n") {
		t.Errorf("markdown:\n%s", md.String())
	}

	text.Reset()
	md.Reset()
	_ = RenderText(&text, same, RenderOptions{})
	_ = RenderMarkdown(&md, same, RenderOptions{})
	if strings.Contains(text.String()+md.String(), "SSM parameter") {
		t.Errorf("an unmoved parameter is shown:\n%s\n%s", text.String(), md.String())
	}
}

// A plan without parameters (Fargate only) has no "parameters" in JSON.
func TestJSONWithoutParameters(t *testing.T) {
	tg := map[string]any{"Name": "shop-prod-api", "Port": 9090, "Protocol": "HTTP", "TargetType": "ip", "VpcId": "vpc-1"}
	p := mustDiff(t, &graph.Graph{Resources: []*graph.Resource{res("service/api/target-group", catalog.TargetGroup, tg)}}, nil)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"parameters"`) {
		t.Error("a plan that resolved no parameter lists parameters")
	}
}
