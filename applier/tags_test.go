package applier

import (
	"testing"
)

// A change of the environment's tags re-tags everything in place: no task
// definition gets a new revision and no service is redeployed.
func TestSandboxTagOnlyChangeRegistersNoRevision(t *testing.T) {
	w := newWorld(t, quickKnobs())
	if res := w.apply(w.plan(), Options{}); res.Err() != nil {
		t.Fatal(res.Err(), res.Failed)
	}
	before := w.plan()
	td := before.LiveAt("service/api/task-definition")
	if td == nil {
		t.Fatal("no live task definition after apply")
	}

	w.write("tags.cue", `environments: test: tags: team: "platform"`)
	plan := w.plan()
	for _, c := range plan.Changes {
		if c.Type == "AWS::ECS::TaskDefinition" && c.RegistersRevision() {
			t.Errorf("%s: a tags-only change registers a new revision", c.Address)
		}
	}
	res := w.apply(plan, Options{})
	if err := res.Err(); err != nil {
		t.Fatal(err, res.Failed)
	}
	after := w.plan()
	if after.HasChanges() {
		t.Errorf("plan after the tag change is not empty: %s", summary(after))
	}
	now := after.LiveAt("service/api/task-definition")
	if now == nil || now.ID != td.ID {
		t.Errorf("task definition %v after a tag change, want the same revision %s", now, td.ID)
	}
	if now != nil && now.Tags["team"] != "platform" {
		t.Errorf("task definition tags %v, want team=platform", now.Tags)
	}
}
