package planner

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// planSchema compiles plan.schema.json, the documented schema of the JSON
// rendering (docs/plan-json.md).
func planSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("plan.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatalf("plan.schema.json: %v", err)
	}
	return sch
}

// checkPlanJSON validates a JSON rendering against the schema and checks
// what a schema cannot say: no placeholder string stands for a value
// (sensitive and unknown values are marked with booleans beside them),
// and a reference is written only in a "reference" field.
func checkPlanJSON(t *testing.T, name string, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := planSchema(t).Validate(inst); err != nil {
		t.Errorf("%s does not follow plan.schema.json (a field the JSON rendering emits must be in the schema and in docs/plan-json.md):\n%v", name, err)
	}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, path+"/"+k)
			}
		case []any:
			for i, e := range x {
				walk(e, path+"/"+strconv.Itoa(i))
			}
		case string:
			if placeholders[x] {
				t.Errorf("%s: %s is the placeholder %q: mark it with a boolean instead", name, path, x)
			}
			if strings.Contains(x, "${") && !strings.HasSuffix(path, "/reference") {
				t.Errorf("%s: %s holds a reference %q outside a reference field", name, path, x)
			}
		}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	walk(v, "")
}

// The golden JSON plan (every kind of change: creates with references and
// sensitive values, new revisions, a drifted update, a create-before-delete
// replacement with its handover, a two-phase revoke, deletions with data)
// follows the schema; so does the same plan with its no-ops.
func TestJSONFollowsTheSchema(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkPlanJSON(t, "changes.json", b)

	p := changedPlan(t)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, p, RenderOptions{IncludeNoOp: true}); err != nil {
		t.Fatal(err)
	}
	checkPlanJSON(t, "changes.json with no-ops", buf.Bytes())

	// What the golden plan does not have: a delete-first replacement, a
	// dirty work tree, warnings.
	tg := func(port any) map[string]any {
		return map[string]any{"Name": "shop-prod-api", "Port": port, "Protocol": "HTTP", "TargetType": "ip", "VpcId": "vpc-1"}
	}
	g := &graph.Graph{Resources: []*graph.Resource{res("service/api/target-group", catalog.TargetGroup, tg(9090))}}
	live := []*provider.Observed{obs("service/api/target-group", catalog.TargetGroup, "arn:tg", tg(8080.0), nil)}
	q := mustDiff(t, g, live)
	q.Dirty, q.Commit = true, "0123456789abcdef0123456789abcdef01234567"
	q.Warnings = []Warning{{Kind: WarnDeployment, Address: "service/api", Message: "newest deployment failed"}, {Kind: WarnConfig, Message: "shop/services.cue:3:1: a warning"}}
	buf.Reset()
	if err := RenderJSON(&buf, q, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	checkPlanJSON(t, "delete-first replacement", buf.Bytes())
	var got JSONPlan
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if c := got.Changes[0]; c.ReplaceOrder != ReplaceDeleteFirst || c.PhysicalID != "arn:tg" || !c.Before["Port"].ForceNew {
		t.Errorf("replacement: %+v", c)
	}
}

// The JSON plans the CLI tests compare with (gantry plan and gantry show
// --format json) follow the schema too.
func TestScriptJSONFollowsTheSchema(t *testing.T) {
	n := 0
	for _, script := range []string{"plan_create.txtar", "plan_lifecycle.txtar"} {
		ar, err := txtar.ParseFile(filepath.Join("..", "cmd", "gantry", "testdata", "script", script))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if strings.HasSuffix(f.Name, ".json") && bytes.HasPrefix(f.Data, []byte("{\n  \"formatVersion\"")) {
				checkPlanJSON(t, script+": "+f.Name, f.Data)
				n++
			}
		}
	}
	if n < 2 {
		t.Errorf("found %d JSON plans in the scripts, want 2 or more", n)
	}
}

// The schema is not vacuous: it refuses what the rendering must never
// write.
func TestSchemaRefusesWhatTheRenderingNeverWrites(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	sch := planSchema(t)
	for _, tc := range []struct{ name, old, new string }{
		{"unknown action", `"action": "update"`, `"action": "explode"`},
		{"stage 99", `"stage": 4,`, `"stage": 99,`},
		{"a sensitive value shown", `"sensitive": true`, `"sensitive": true, "value": "hunter2"`},
		{"sensitive as a string", `"sensitive": true`, `"sensitive": "yes"`},
		{"a create with a physical id", `"impact": "new resource",`, `"impact": "new resource", "physicalId": "x",`},
		{"a replacement without its order", `"replaceOrder": "create-before-delete",`, ``},
		{"an unknown field", `"stageName": "services",`, `"stageName": "services", "extra": 1,`},
		{"a bare value", `"value": "info"`, `"info": "info"`},
		{"a parameter that is not a path", `"name": "/aws/service/ecs/`, `"name": "aws/service/ecs/`},
	} {
		s := strings.Replace(string(b), tc.old, tc.new, 1)
		if s == string(b) {
			t.Fatalf("%s: %q is not in the golden plan", tc.name, tc.old)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: the schema accepts it", tc.name)
		}
	}
}

// Values in the JSON rendering: a sensitive value or an unknown one has no
// value, the boolean beside it says why; parts of a value that are have
// null in its place and a pointer; references in a created resource say
// what apply resolves them from.
func TestJSONValues(t *testing.T) {
	cases := []struct {
		name string
		v    JSONValue
		want string
	}{
		{"plain", diffValue("info"), `{"value":"info"}`},
		{"false", diffValue(false), `{"value":false}`},
		{"sensitive", diffValue(Masked), `{"sensitive":true}`},
		{"known after apply", diffValue(KnownAfterApply), `{"unknown":true}`},
		{"new revision", diffValue(NewRevision), `{"unknown":true,"newRevision":true}`},
		{"sensitive part", diffValue([]any{map[string]any{"Name": "A/B~", "Value": Masked}}),
			`{"value":[{"Name":"A/B~","Value":null}],"parts":[{"pointer":"/0/Value","sensitive":true}]}`},
		{"pointer escapes", diffValue(map[string]any{"a/b~c": KnownAfterApply}),
			`{"value":{"a/b~c":null},"parts":[{"pointer":"/a~1b~0c","unknown":true}]}`},
		{"reference", marked(graph.Ref{Address: "cluster/main", Attribute: "Arn"}, graphMarks),
			`{"unknown":true,"reference":"${cluster/main.Arn}"}`},
		{"join", marked(map[string]any{"Resource": graph.Join{Parts: []any{"arn:aws:s3:::", graph.Ref{Address: "bucket/b", Attribute: "Name"}, "/*"}}}, graphMarks),
			`{"value":{"Resource":null},"parts":[{"pointer":"/Resource","unknown":true,"reference":"arn:aws:s3:::${bucket/b.Name}/*"}]}`},
		{"sensitive in the graph", marked(graph.Sensitive{Value: "hunter2"}, graphMarks), `{"sensitive":true}`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, b, tc.want)
		}
	}
}
