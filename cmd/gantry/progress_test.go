package main

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// The events of applying a small service (role, log group, task
// definition, target group, rule, service, scaling), exactly as the
// applier's TestProgressEvents checks that it emits them.
func shopEvents(clock time.Time) []applier.Event {
	var evs []applier.Event
	stage := func(st catalog.Stage, ids ...string) {
		evs = append(evs, applier.Event{Kind: applier.EventStageStart, Stage: st, Count: len(ids) / 2})
		for i := 0; i < len(ids); i += 2 {
			c := &planner.Change{Address: ids[i]}
			evs = append(evs,
				applier.Event{Kind: applier.EventStart, Change: c, Op: applier.OpCreate},
				applier.Event{Kind: applier.EventDone, Change: c, Op: applier.OpCreate, ID: ids[i+1], Attempt: 1})
			if ids[i] == "svc/service" {
				rolling := &provider.Health{DeploymentID: "d-1", RolloutState: "IN_PROGRESS", Desired: 1}
				done := &provider.Health{DeploymentID: "d-1", RolloutState: "COMPLETED", Desired: 1, Running: 1}
				evs = append(evs,
					applier.Event{Kind: applier.EventGateStart, Change: c, Op: applier.OpGate},
					applier.Event{Kind: applier.EventGate, Change: c, Op: applier.OpGate, Health: rolling},
					applier.Event{Kind: applier.EventGate, Change: c, Op: applier.OpGate, Health: done},
					applier.Event{Kind: applier.EventGateDone, Change: c, Op: applier.OpGate, Health: done})
			}
		}
		evs = append(evs, applier.Event{Kind: applier.EventStageDone, Stage: st})
	}
	stage(catalog.StageIdentity, "svc/role", "arn:fake:role:1")
	stage(catalog.StageFoundation, "svc/logs", "arn:fake:logs:2")
	stage(catalog.StageRouting, "svc/td", "arn:fake:svc/td:3", "svc/tg", "arn:fake:tg:4", "svc/rule", "arn:fake:rule:5")
	stage(catalog.StageServices, "svc/service", "arn:fake:service:6")
	stage(catalog.StageScaling, "svc/scaling", "arn:fake:scaling:7")
	for i := range evs {
		evs[i].Time = clock
	}
	return evs
}

func TestPlainProgressLines(t *testing.T) {
	var b strings.Builder
	clock := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	p := newPrinter(&b, printerOptions{Now: func() time.Time { return clock }})
	for _, e := range shopEvents(clock) {
		p.Event(e)
	}
	p.Close()
	want := strings.Join([]string{
		"2026-03-04T05:06:07Z ==> stage 1: identity and network (1 change)",
		"2026-03-04T05:06:07Z     created  svc/role  arn:fake:role:1 0s",
		"2026-03-04T05:06:07Z <== stage 1: identity and network done in 0s",
		"2026-03-04T05:06:07Z ==> stage 2: registries, logs, load balancers and clusters (1 change)",
		"2026-03-04T05:06:07Z     created  svc/logs  arn:fake:logs:2 0s",
		"2026-03-04T05:06:07Z <== stage 2: registries, logs, load balancers and clusters done in 0s",
		"2026-03-04T05:06:07Z ==> stage 3: task definitions, target groups, rules and alarms (3 changes)",
		"2026-03-04T05:06:07Z     created  svc/td  arn:fake:svc/td:3 0s",
		"2026-03-04T05:06:07Z     created  svc/tg  arn:fake:tg:4 0s",
		"2026-03-04T05:06:07Z     created  svc/rule  arn:fake:rule:5 0s",
		"2026-03-04T05:06:07Z <== stage 3: task definitions, target groups, rules and alarms done in 0s",
		"2026-03-04T05:06:07Z ==> stage 4: services (1 change)",
		"2026-03-04T05:06:07Z     created  svc/service  arn:fake:service:6 0s",
		"2026-03-04T05:06:07Z     waiting  svc/service: deployment to complete and targets to be healthy",
		"2026-03-04T05:06:07Z     deploy   svc/service: deployment d-1 IN_PROGRESS, 0/1 running (0s)",
		"2026-03-04T05:06:07Z     deploy   svc/service: deployment d-1 COMPLETED, 1/1 running (0s)",
		"2026-03-04T05:06:07Z     healthy  svc/service  deployment d-1 COMPLETED, 1/1 running in 0s",
		"2026-03-04T05:06:07Z <== stage 4: services done in 0s",
		"2026-03-04T05:06:07Z ==> stage 5: scaling (1 change)",
		"2026-03-04T05:06:07Z     created  svc/scaling  arn:fake:scaling:7 0s",
		"2026-03-04T05:06:07Z <== stage 5: scaling done in 0s",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("progress:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("plain progress has escape codes")
	}
}

func TestTerminalProgressRedraws(t *testing.T) {
	var b syncBuf
	p := newPrinter(&b, printerOptions{Terminal: true, Width: 80})
	c := &planner.Change{Address: "svc/service"}
	p.Event(applier.Event{Kind: applier.EventGateStart, Change: c, Time: time.Now()})
	p.Event(applier.Event{Kind: applier.EventGate, Change: c, Time: time.Now(), Health: &provider.Health{RolloutState: "IN_PROGRESS", Desired: 2, Running: 1}})
	p.Event(applier.Event{Kind: applier.EventGateDone, Change: c, Time: time.Now(), Health: &provider.Health{RolloutState: "COMPLETED", Desired: 2, Running: 2}})
	p.Close()
	out := b.String()
	if !regexp.MustCompile(`deploying   svc/service  \d+s  1/2 running  IN_PROGRESS`).MatchString(out) {
		t.Errorf("no live line:\n%q", out)
	}
	if !strings.Contains(out, "\x1b[1A\x1b[J") {
		t.Errorf("live line not redrawn in place:\n%q", out)
	}
}

func TestProgressShowsDrainWaits(t *testing.T) {
	var b strings.Builder
	clock := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	p := newPrinter(&b, printerOptions{Now: func() time.Time { return clock }})
	svc := &planner.Change{Address: "service/api"}
	draining := &provider.Health{Status: provider.ServiceDraining, Running: 2}
	p.Event(applier.Event{Kind: applier.EventStart, Change: svc, Op: applier.OpDelete, Time: clock})
	p.Event(applier.Event{Kind: applier.EventWait, Wait: applier.WaitDeleted, Change: svc, Op: applier.OpDelete, Time: clock, Health: draining, Elapsed: time.Second})
	// The same state again within the heartbeat: no new line.
	p.Event(applier.Event{Kind: applier.EventWait, Wait: applier.WaitDeleted, Change: svc, Op: applier.OpDelete, Time: clock, Health: draining, Elapsed: 2 * time.Second})
	p.Event(applier.Event{Kind: applier.EventWait, Wait: applier.WaitDeleted, Change: svc, Op: applier.OpDelete, Time: clock, Health: &provider.Health{Status: provider.ServiceDraining}, Elapsed: 3 * time.Second})
	p.Event(applier.Event{Kind: applier.EventDone, Change: svc, Op: applier.OpDelete, Time: clock, ID: "arn:svc", Elapsed: 4 * time.Second})
	worker := &planner.Change{Address: "service/worker"}
	p.Event(applier.Event{Kind: applier.EventWait, Wait: applier.WaitRecreate, Change: worker, Op: applier.OpCreate, Time: clock, Elapsed: time.Second})
	p.Close()
	want := strings.Join([]string{
		"2026-03-04T05:06:07Z     wait     service/api: deleted, waiting until it is inactive (draining, 2 running, 1s)",
		"2026-03-04T05:06:07Z     wait     service/api: deleted, waiting until it is inactive (draining, 0 running, 3s)",
		"2026-03-04T05:06:07Z     deleted  service/api  arn:svc 4s",
		"2026-03-04T05:06:07Z     wait     service/worker: waiting for the deleted service of the same name to drain (1s)",
		"",
	}, "\n")
	if got := b.String(); got != want {
		t.Errorf("progress:\n%s\nwant:\n%s", got, want)
	}
}

// ECS counts a service's running tasks across deployments: while a new
// deployment starts, the old one's tasks are the running and healthy ones.
// The live line says whose tasks are whose.
func TestLiveHealthTellsNewTasksFromOld(t *testing.T) {
	h := &provider.Health{DeploymentID: "ecs-svc/1", RolloutState: "IN_PROGRESS", Desired: 7, Running: 7, Pending: 7,
		OlderRunning: 7, Targets: map[string]int{"healthy": 7, "unhealthy": 7}}
	if got, want := liveHealth(h), "new 0/7 running  IN_PROGRESS  7 pending  7 old running  targets 7 healthy 7 unhealthy"; got != want {
		t.Errorf("liveHealth:\n got %q\nwant %q", got, want)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
