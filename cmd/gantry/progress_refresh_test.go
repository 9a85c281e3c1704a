package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// refreshGateEvents are the events of an Auto Scaling group's refresh
// gate, as the applier emits them: the refresh's progress (with AWS's
// status reason), then the service on the group steady, then the gate
// done with the refresh's state.
func refreshGateEvents(clock time.Time) []applier.Event {
	c := &planner.Change{Address: "cluster/arm/auto-scaling-group"}
	health := func(r provider.Refresh) *provider.Health {
		state := "IN_PROGRESS"
		if r.Status == provider.RefreshSuccessful {
			state = "COMPLETED"
		}
		return &provider.Health{DeploymentID: r.ID, RolloutState: state, Refresh: &r}
	}
	rolling := health(provider.Refresh{ID: "r-1", Status: provider.RefreshInProgress, PercentageComplete: 50, InstancesToUpdate: 1,
		StatusReason: "Waiting for instances to warm up"})
	done := health(provider.Refresh{ID: "r-1", Status: provider.RefreshSuccessful, PercentageComplete: 100})
	svc := &provider.Health{DeploymentID: "d-1", RolloutState: "COMPLETED", Desired: 1, Running: 1}
	evs := []applier.Event{
		{Kind: applier.EventGateStart, Change: c, Op: applier.OpGate, Gate: applier.GateRefresh},
		{Kind: applier.EventGate, Change: c, Op: applier.OpGate, Gate: applier.GateRefresh, Health: rolling, Elapsed: time.Second},
		{Kind: applier.EventGate, Change: c, Op: applier.OpGate, Gate: applier.GateRefresh, Health: done, Elapsed: 2 * time.Second},
		{Kind: applier.EventGate, Change: c, Op: applier.OpGate, Gate: applier.GateRefresh, Health: svc, Elapsed: 3 * time.Second},
		{Kind: applier.EventGateDone, Change: c, Op: applier.OpGate, Gate: applier.GateRefresh, Health: done, Elapsed: 3 * time.Second},
	}
	for i := range evs {
		evs[i].Time = clock
	}
	return evs
}

// A refresh gate says what it waits for (the instance refresh, then the
// services on the group), its progress with AWS's status reason, and
// that it completed: not a deployment, not "healthy".
func TestProgressOfARefreshGate(t *testing.T) {
	var b strings.Builder
	clock := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	p := newPrinter(&b, printerOptions{Now: func() time.Time { return clock }})
	for _, e := range refreshGateEvents(clock) {
		p.Event(e)
	}
	p.Close()
	want := strings.Join([]string{
		"2026-03-04T05:06:07Z     waiting  cluster/arm/auto-scaling-group: instance refresh to replace its instances, then the services on them to be healthy",
		"2026-03-04T05:06:07Z     refresh  cluster/arm/auto-scaling-group: instance refresh r-1 InProgress, 50% done, 1 instance(s) to replace: Waiting for instances to warm up (1s)",
		"2026-03-04T05:06:07Z     refresh  cluster/arm/auto-scaling-group: instance refresh r-1 Successful, 100% done (2s)",
		"2026-03-04T05:06:07Z     refresh  cluster/arm/auto-scaling-group: deployment d-1 COMPLETED, 1/1 running (3s)",
		"2026-03-04T05:06:07Z     complete cluster/arm/auto-scaling-group  instance refresh r-1 Successful, 100% done in 3s",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("progress:\n%s\nwant:\n%s", got, want)
	}
}

// On a terminal, the live line of a refresh gate is the refresh's state,
// not task counts.
func TestTerminalLineOfARefreshGate(t *testing.T) {
	var b syncBuf
	p := newPrinter(&b, printerOptions{Terminal: true, Width: 200})
	for _, e := range refreshGateEvents(time.Now())[:2] {
		p.Event(e)
	}
	p.Close()
	if out := b.String(); !regexp.MustCompile(`refreshing  cluster/arm/auto-scaling-group  \d+s  instance refresh r-1 InProgress, 50% done`).MatchString(out) {
		t.Errorf("no live line of the refresh:\n%q", out)
	}
}

// The report counts a refresh gate as an instance refresh, beside the
// services' gates.
func TestReportCountsRefreshGates(t *testing.T) {
	gate := func(addr string, k applier.GateKind) applier.Outcome {
		return applier.Outcome{Change: &planner.Change{Address: addr, Action: planner.Update}, Op: applier.OpGate, Gate: k,
			Health: &provider.Health{RolloutState: "COMPLETED", Desired: 1, Running: 1}}
	}
	res := &applier.Result{Done: []applier.Outcome{
		{Change: &planner.Change{Address: "cluster/arm/launch-template", Action: planner.Update}, Op: applier.OpUpdate, ID: "lt-1"},
		gate("cluster/arm/auto-scaling-group", applier.GateRefresh),
		gate("svc/api/service", applier.GateDeployment),
		gate("svc/web/service", applier.GateDeployment),
	}, Elapsed: time.Second}
	var b strings.Builder
	writeReport(&b, "apply", res)
	if want := "Apply complete in 1s: 1 updated, 1 instance refresh completed, 2 services healthy.\n"; b.String() != want {
		t.Errorf("report: %q, want %q", b.String(), want)
	}
	if got := summarise(res.Done[1:2]) + "; " + summarise([]applier.Outcome{res.Done[1], res.Done[1]}); got != "1 instance refresh completed; 2 instance refreshes completed" {
		t.Errorf("summaries: %s", got)
	}
	res.Failed = []applier.Outcome{{Change: &planner.Change{Address: "svc/x"}, Op: applier.OpCreate, Err: &provider.OpError{Address: "svc/x", Operation: "ecs:CreateService", Code: "X", Message: "no"}}}
	b.Reset()
	writeReport(&b, "apply", res)
	if !strings.Contains(b.String(), "  refreshed    cluster/arm/auto-scaling-group  COMPLETED") {
		t.Errorf("report rows:\n%s", b.String())
	}
}
