package applier

import (
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// EventKind says what an Event reports.
type EventKind int

// The events of an apply, in the order they usually come.
const (
	EventStageStart EventKind = iota + 1 // Stage, Count: changes to make
	EventStageDone                       // Stage, Elapsed, Err when the stage failed
	EventStart                           // a change started (Change, Op)
	EventRetry                           // a call failed retryably (Err, Attempt, Delay)
	EventWait                            // a change waits (Delay, Wait; Health and Elapsed while a deleted service drains)
	EventDone                            // a change finished (ID, Err, Elapsed; Kept for a deletion refused because of data)
	EventGateStart                       // a health gate started for a service (Change)
	EventGate                            // a health poll (Health, Elapsed)
	EventGateDone                        // a health gate finished (Health, Err, Elapsed)
)

// Event is one thing that happened during an apply. Only the fields its
// Kind documents are set.
type Event struct {
	Time time.Time
	Kind EventKind
	// Stage is the stage of a stage event; Deletions is true for the final
	// phase of deletions and retirements.
	Stage     catalog.Stage
	Deletions bool
	Count     int

	Change  *planner.Change
	Op      Op
	ID      string
	Err     error
	Attempt int
	Delay   time.Duration
	Health  *provider.Health
	Elapsed time.Duration
	Kept    bool
	// Wait is what an EventWait waits for.
	Wait Wait
	// Gate is what the gate of an EventGateStart, EventGate or
	// EventGateDone waits for.
	Gate GateKind
}

// Wait is what a change waits for.
type Wait int

// What changes wait for.
const (
	// WaitTargets: a replaced resource waits for its targets to drain
	// (the deregistration delay) before it is deleted.
	WaitTargets Wait = iota
	// WaitDeleted: a deleted service drains (its tasks stop) before it is
	// INACTIVE; its deletion is done only then.
	WaitDeleted
	// WaitRecreate: a create is refused because a service of the same
	// name still drains; it is retried once that one is INACTIVE.
	WaitRecreate
)

// Progress receives events. Implementations must be safe for concurrent
// use: changes run in parallel.
type Progress interface {
	Event(Event)
}

type discard struct{}

func (discard) Event(Event) {}

// ProgressFunc adapts a function to Progress.
type ProgressFunc func(Event)

// Event calls f.
func (f ProgressFunc) Event(e Event) { f(e) }
