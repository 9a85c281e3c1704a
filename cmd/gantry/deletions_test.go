package main

import (
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// On a terminal, a plan's destructive deletions are asked for by name,
// and only "yes" applies them.
func TestAskDeletionsOnATerminal(t *testing.T) {
	plan := &planner.Plan{Provider: "sandbox", Scope: provider.Scope{Project: "demo", Environment: "test"}}
	ds := []*planner.Change{
		{Address: "service/worker", Action: planner.Delete, Loses: "its running tasks stop"},
		{Address: "service/worker/log-group", Action: planner.Delete, Data: "up to 30 days of logs"},
	}
	var out strings.Builder
	if err := askDeletions(strings.NewReader("yes\n"), &out, true, plan, ds); err != nil {
		t.Fatalf("yes: %v", err)
	}
	want := "\nApply these changes to demo/test (sandbox), DELETING 2 resources?\n" +
		"  - service/worker: its running tasks stop\n" +
		"  - service/worker/log-group: DELETES up to 30 days of logs\n" +
		"  This cannot be undone.\n  Only 'yes' is accepted: \n"
	if out.String() != want {
		t.Errorf("question:\n%q\nwant\n%q", out.String(), want)
	}
	if err := askDeletions(strings.NewReader("y\n"), &out, true, plan, ds); err == nil || err.Error() != "apply cancelled" {
		t.Errorf("y: %v, want apply cancelled", err)
	}
}
