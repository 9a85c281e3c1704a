package planner

import (
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// An environment tag that changes (environments.X.tags) changes the tags
// of every resource: in place, with TagResource. A task definition's tags
// are not part of the revision, so no revision is registered and the
// service that runs it is not redeployed.
func TestTagOnlyChangeIsInPlaceNeverANewRevision(t *testing.T) {
	g, live := ecsWorld("api:1.0", env3, false)
	for _, r := range g.Resources {
		if r.Tags != nil {
			r.Tags["cost-center"] = "cc-9999"
		}
	}
	for _, o := range live {
		if o.Tags != nil {
			o.Tags["cost-center"] = "cc-1042"
		}
	}
	p := mustDiff(t, g, live)
	td := changeOf(t, p, "service/api/task-definition")
	if td.Action != Update || td.Impact != ImpactInPlace || td.RegistersRevision() {
		t.Errorf("task definition: %s, %s (registers a revision: %v), want update in place",
			td.Action, td.Impact, td.RegistersRevision())
	}
	if len(td.Diffs) != 1 || td.Diffs[0].Path != "Tags[cost-center]" {
		t.Errorf("task definition diffs %v, want the tag only", td.Diffs)
	}
	svc := changeOf(t, p, "service/api")
	if svc.Action != Update || svc.Impact != ImpactInPlace {
		t.Errorf("service: %s, %s, want update in place (no deployment)", svc.Action, svc.Impact)
	}
	for _, df := range svc.Diffs {
		if !strings.HasPrefix(df.Path, "Tags[") {
			t.Errorf("service diff %s: %v → %v, want tags only", df.Path, df.Before, df.After)
		}
	}
	// A property change next to the tag change still registers one.
	g2, live2 := ecsWorld("api:2.0", env3, false)
	find(g2, "service/api/task-definition").Tags["cost-center"] = "cc-9999"
	p2 := mustDiff(t, g2, live2)
	if td := changeOf(t, p2, "service/api/task-definition"); td.Impact != ImpactRevision || !td.RegistersRevision() {
		t.Errorf("image and tag change: %s, want %s", td.Impact, ImpactRevision)
	}
	if svc := changeOf(t, p2, "service/api"); svc.Impact != ImpactNewRevision {
		t.Errorf("image and tag change, service: %s, want %s", svc.Impact, ImpactNewRevision)
	}
}

// A service applied while autoscaling owned its DesiredCount carries an
// applied hash without it. Once the scaling is removed (and the service,
// unchanged otherwise, was not updated), the count is gantry's again: a
// later configuration change is "config", not "config+drift".
func TestEndOfOwnershipIsNotDrift(t *testing.T) {
	g, _ := ecsWorld("api:1.0", env3, true)
	g.Project, g.Environment = "shop", "prod"
	svc := find(g, "service/api")
	resolved, _ := graph.Resolve(svc.Properties, func(ref graph.Ref) (string, bool) {
		switch ref.Address {
		case "cluster/main":
			return "arn:aws:ecs:eu-west-1:222222222222:cluster/shop-prod-main", true
		}
		return tdArn, true
	})
	applied := AppliedHash(catalog.Service, graph.Unwrap(resolved).(map[string]any), svc.Tags, []string{"DesiredCount"})

	// Scaling removed; the service changes in the configuration.
	g2, live2 := ecsWorld("api:1.0", env3, false)
	live2[3].Tags[TagApplied] = applied
	find(g2, "service/api").Properties["HealthCheckGracePeriodSeconds"] = 30
	c := changeOf(t, mustDiff(t, g2, live2), "service/api")
	if c.Action != Update || c.Cause != CauseConfig {
		t.Errorf("after scaling was removed: %s cause %q, want update config", c.Action, c.Cause)
	}
	// Someone also changed it in the console: both.
	live2[3].Properties["EnableExecuteCommand"] = true
	if c := changeOf(t, mustDiff(t, g2, live2), "service/api"); c.Cause != CauseBoth {
		t.Errorf("with a console edit: cause %q, want %q", c.Cause, CauseBoth)
	}
	// A count changed outside gantry while nothing owns it is drift.
	g3, live3 := ecsWorld("api:1.0", env3, false)
	live3[3].Tags[TagApplied] = AppliedHash(catalog.Service, graph.Unwrap(resolved).(map[string]any), svc.Tags, nil)
	live3[3].Properties["DesiredCount"] = 5.0
	if c := changeOf(t, mustDiff(t, g3, live3), "service/api"); c.Cause != CauseDrift {
		t.Errorf("count edited in the console: cause %q, want drift", c.Cause)
	}
}

// A plain environment variable removed from the configuration is shown
// with its value; one whose name the configuration marks sensitive, or
// whose name says it holds a secret, stays masked.
func TestRemovedPlainVariableIsNotMasked(t *testing.T) {
	env := map[string]any{"LOG_LEVEL": "info", "API_TOKEN": graph.Sensitive{Value: "t0"}}
	g, live := ecsWorld("api:1.0", env, false)
	cd := live[2].Properties["ContainerDefinitions"].([]any)[0].(map[string]any)
	cd["Environment"] = []any{
		map[string]any{"Name": "LOG_LEVEL", "Value": "info"},
		map[string]any{"Name": "API_TOKEN", "Value": "t0"},
		map[string]any{"Name": "FEATURE_X", "Value": "on"},
		map[string]any{"Name": "DB_PASSWORD", "Value": "pw-secret"},
	}
	// A second container marks FEATURE_Y sensitive; this one had it plain.
	td := find(g, "service/api/task-definition")
	sidecar := map[string]any{"Name": "sidecar", "Image": "envoy:1", "Essential": false,
		"Environment": []any{map[string]any{"Name": "FEATURE_Y", "Value": graph.Sensitive{Value: "y"}}}}
	td.Properties["ContainerDefinitions"] = append(td.Properties["ContainerDefinitions"].([]any), sidecar)
	cd["Environment"] = append(cd["Environment"].([]any), map[string]any{"Name": "FEATURE_Y", "Value": "old-y"})
	liveSidecar := map[string]any{"Name": "sidecar", "Image": "envoy:1", "Essential": false, "Cpu": 0.0,
		"Environment": []any{map[string]any{"Name": "FEATURE_Y", "Value": "y"}}}
	live[2].Properties["ContainerDefinitions"] = append(live[2].Properties["ContainerDefinitions"].([]any), liveSidecar)

	p := mustDiff(t, g, live)
	c := changeOf(t, p, "service/api/task-definition")
	got := map[string]any{}
	for _, df := range c.Diffs {
		got[df.Path] = df.Before
	}
	want := map[string]any{
		"ContainerDefinitions[api].Environment[FEATURE_X]":   map[string]any{"Name": "FEATURE_X", "Value": "on"},
		"ContainerDefinitions[api].Environment[DB_PASSWORD]": map[string]any{"Name": "DB_PASSWORD", "Value": Masked},
		"ContainerDefinitions[api].Environment[FEATURE_Y]":   map[string]any{"Name": "FEATURE_Y", "Value": Masked},
	}
	for path, w := range want {
		if g, ok := got[path]; !ok || !catalog.Equal(g, w) {
			t.Errorf("%s: before %v, want %v (diffs %v)", path, got[path], w, c.Diffs)
		}
	}
}

func find(g *graph.Graph, addr string) *graph.Resource {
	for _, r := range g.Resources {
		if r.Address == addr {
			return r
		}
	}
	return nil
}

// A new revision retires the one it supersedes once the service moved:
// work apply does, so the plan counts and shows it as a deletion.
func TestNewRevisionPlansTheOldOnesDeletion(t *testing.T) {
	g, live := ecsWorld("api:2.0", env3, false)
	live[2].UsedBy = []string{live[3].ID}
	p := mustDiff(t, g, live)
	old := p.Change("service/api/task-definition#7")
	if old == nil {
		t.Fatalf("no deletion of the superseded revision; changes: %s", summaryLine(p))
	}
	if old.Action != Delete || old.LiveID != tdArn || old.Stage != catalog.StageRouting || old.Fingerprint == "" {
		t.Errorf("superseded revision: %+v", old)
	}
	if s := p.Summary(); s[Update] != 2 || s[Delete] != 1 {
		t.Errorf("summary %v, want 2 updates and 1 deletion", s)
	}
	g2, live2 := ecsWorld("api:1.0", env3, false)
	find(g2, "service/api/task-definition").Tags["cost-center"] = "cc-9999"
	if s := mustDiff(t, g2, live2).Summary(); s[Delete] != 0 {
		t.Errorf("tags only: summary %v, want no deletion", s)
	}
	g3, live3 := ecsWorld("api:2.0", env3, false)
	live3[2].UsedBy = []string{"arn:aws:ecs:eu-west-1:222222222222:service/other/svc"}
	if s := mustDiff(t, g3, live3).Summary(); s[Delete] != 0 {
		t.Errorf("used elsewhere: summary %v, want no deletion", s)
	}
}

// A service that rolled back runs an older revision ("#6"): the plan that
// moves it to the latest one deletes the older one after the deployment,
// as apply does; one something outside the environment runs too stays.
func TestRevisionTheServiceMovesOffIsDeletedAfterwards(t *testing.T) {
	world := func(outside bool) *Plan {
		g, live := ecsWorld("api:1.0", env3, false)
		rev6 := strings.TrimSuffix(tdArn, ":7") + ":6"
		svc := live[3]
		svc.Properties["TaskDefinition"] = rev6
		old := obs("service/api/task-definition#6", catalog.TaskDefinition, rev6,
			live[2].Properties, map[string]string{"TaskDefinitionArn": rev6})
		old.UsedBy = []string{svc.ID}
		if outside {
			old.UsedBy = append(old.UsedBy, "arn:aws:ecs:eu-west-1:222222222222:service/other/svc")
		}
		return mustDiff(t, g, append(live, old))
	}
	p := world(false)
	if got := summaryLine(p); p.Change("service/api").Action != Update || p.Change("service/api/task-definition#6") == nil {
		t.Fatalf("changes: %s", got)
	}
	c := p.Change("service/api/task-definition#6")
	if c.Action != Delete || c.Stage != catalog.StageRouting || !strings.Contains(c.Reason, "after their deployments") {
		t.Errorf("older revision: %+v", c)
	}
	if s := p.Summary(); s[Update] != 1 || s[Delete] != 1 {
		t.Errorf("summary %v, want the service update and the deletion", s)
	}
	if c := world(true).Change("service/api/task-definition#6"); c != nil {
		t.Errorf("a revision a service outside the environment runs is planned: %+v", c)
	}
}
