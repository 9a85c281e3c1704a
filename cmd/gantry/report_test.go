package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// The result of an apply whose log group was refused, as the applier's
// TestFirstFailureStopsNewWorkAndLetsRunningFinish checks that it is.
func TestReportOfAFailedApply(t *testing.T) {
	change := func(addr string) *planner.Change {
		return &planner.Change{Address: addr, Action: planner.Create}
	}
	res := &applier.Result{
		Done: []applier.Outcome{
			{Change: change("svc/role"), Op: applier.OpCreate, ID: "arn:fake:role:1"},
			{Change: change("svc/repo"), Op: applier.OpCreate, ID: "arn:fake:svc/repo:2"},
		},
		Failed: []applier.Outcome{{Change: change("svc/logs"), Op: applier.OpCreate,
			Err: &provider.OpError{Address: "svc/logs", Operation: "logs:CreateLogGroup", Code: "AccessDeniedException", Message: "not allowed"}}},
		NotStarted: []*planner.Change{change("svc/rule"), change("svc/td"), change("svc/tg"), change("svc/service"), change("svc/scaling")},
		Elapsed:    45 * time.Millisecond,
	}
	var b strings.Builder
	writeReport(&b, "apply", res)
	want := strings.Join([]string{
		"Apply failed after 45ms.",
		"",
		"Done (2):",
		"  created      svc/role     arn:fake:role:1",
		"  created      svc/repo     arn:fake:svc/repo:2",
		"",
		"Failed (1):",
		"  create       svc/logs     logs:CreateLogGroup: AccessDeniedException: not allowed",
		"",
		"Not started (5):",
		"  create       svc/rule     ",
		"  create       svc/td       ",
		"  create       svc/tg       ",
		"  create       svc/service  ",
		"  create       svc/scaling  ",
		"",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

// The result of a destroy that kept a repository holding images, as the
// applier's TestDestroyKeepsRepositoriesThatHoldImages checks that it is.
func TestReportOfADestroyThatKeptData(t *testing.T) {
	deleted := func(addr, id string) applier.Outcome {
		return applier.Outcome{Change: &planner.Change{Address: addr, Action: planner.Delete}, Op: applier.OpDelete, ID: id}
	}
	res := &applier.Result{
		Done:    []applier.Outcome{deleted("repo/empty", "arn:fake:empty:2"), deleted("svc/role", "arn:fake:role:1")},
		Kept:    []applier.Kept{{Resource: &provider.Observed{Address: "repo/full"}, Why: "repository holds images"}},
		Elapsed: 1400 * time.Microsecond, // rounded to 1ms
	}
	var b strings.Builder
	writeReport(&b, "destroy", res)
	want := strings.Join([]string{
		"Destroy complete in 1ms: 2 deleted.",
		"",
		"Kept (1), holding data:",
		"  kept         repo/full  repository holds images",
		"",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}
