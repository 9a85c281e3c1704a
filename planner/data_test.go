package planner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Removing a service from the configuration deletes its log group and
// with it the logs: the plan says so in the change, in the summary line
// of every format and in the JSON summary.
func TestDeletingDataIsFlagged(t *testing.T) {
	scope := provider.Scope{Project: "shop", Environment: "prod"}
	tags := func(addr string) map[string]string {
		return map[string]string{graph.TagProject: "shop", graph.TagEnvironment: "prod", graph.TagAddress: addr}
	}
	live := []*provider.Observed{
		{Address: "service/old/log-group", Type: catalog.LogGroup, ID: "/ecs/shop-prod-old",
			Properties: map[string]any{"LogGroupName": "/ecs/shop-prod-old", "RetentionInDays": 30.0}, Tags: tags("service/old/log-group")},
		{Address: "service/old/forever", Type: catalog.LogGroup, ID: "/ecs/shop-prod-forever",
			Properties: map[string]any{"LogGroupName": "/ecs/shop-prod-forever"}, Tags: tags("service/old/forever")},
		{Address: "repository/old", Type: catalog.ECRRepository, ID: "old",
			Properties: map[string]any{"RepositoryName": "old"}, Attributes: map[string]string{catalog.ImageCountAttribute: "0"}, Tags: tags("repository/old")},
		{Address: "service/old/task-role", Type: catalog.IAMRole, ID: "shop-prod-old-task",
			Properties: map[string]any{"RoleName": "shop-prod-old-task"}, Tags: tags("service/old/task-role")},
	}
	p, err := Diff(&graph.Graph{Project: "shop", Environment: "prod"}, live, scope, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lg := p.Change("service/old/log-group")
	if lg.Impact != ImpactDeleteData || lg.Data != "up to 30 days of logs" || !strings.Contains(lg.Reason, "deletes up to 30 days of logs") {
		t.Errorf("log group deletion: %+v", lg)
	}
	if c := p.Change("service/old/forever"); c.Data != "all of its logs (kept without a retention limit)" {
		t.Errorf("log group without retention: %+v", c)
	}
	for _, a := range []string{"repository/old", "service/old/task-role"} {
		if c := p.Change(a); c.Impact != ImpactDelete || c.Data != "" {
			t.Errorf("%s holds no data, yet: %+v", a, c)
		}
	}

	var text, md, js bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(text.String(), "\n", 3)[1]
	if !strings.Contains(first, "WARNING: 2 deletions destroy data: service/old/forever (all of its logs") ||
		!strings.Contains(first, "service/old/log-group (up to 30 days of logs)") {
		t.Errorf("text summary line: %q", first)
	}
	if !strings.Contains(text.String(), "service/old/log-group (log group) delete, DELETES up to 30 days of logs") {
		t.Errorf("text change line:\n%s", text.String())
	}
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	// At the top, outside any collapsed section, each with what it loses.
	if !strings.Contains(md.String(), "> [!CAUTION]\n> **This plan deletes 2 resources** (apply asks for an explicit yes, `--allow-delete`). 2 deletions destroy data: ") ||
		!strings.Contains(md.String(), "\n> - ❌ `service/old/log-group` (log group): DELETES up to 30 days of logs\n") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if err := RenderJSON(&js, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	var got JSONPlan
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary.DeletesData != 2 {
		t.Errorf("JSON summary: %+v", got.Summary)
	}
	for _, c := range got.Changes {
		if c.Address == "service/old/log-group" && c.Data != "up to 30 days of logs" {
			t.Errorf("JSON change: %+v", c)
		}
	}
}
