package applier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// Options tune an apply. The zero value is usable: every field has a
// default suited to a real AWS account.
type Options struct {
	// Parallelism bounds the changes in flight at once (default 10).
	Parallelism int
	// StageTimeout bounds each stage, its health gates included
	// (default 30 minutes). Deletions count as one stage.
	StageTimeout time.Duration
	// CallTimeout bounds one provider call (default 5 minutes).
	CallTimeout time.Duration
	// Retry is the backoff for throttled and transient errors.
	Retry Retry
	// PollInterval is the first wait between health polls of a deployment
	// (default 2s); the wait grows by half each poll up to PollMax
	// (default 15s).
	PollInterval time.Duration
	PollMax      time.Duration
	// Progress receives events as the apply runs, one call at a time
	// (changes run in parallel; their events are serialised). May be nil.
	Progress Progress
	// KeepData (destroy) reports a deletion that AWS refuses because the
	// resource still holds data (an ECR repository with images) as kept,
	// not failed. DeleteData (destroy --include-data) empties such
	// resources as it deletes them.
	KeepData   bool
	DeleteData bool
	// Repository is the https URL of the configuration's repository
	// (RepositoryURL of its origin remote), stamped with the plan's commit
	// on every resource the apply creates or changes (provenance.go); ""
	// when unknown.
	Repository string
	// Logger gets debug diagnostics. Nil: slog.Default().
	Logger *slog.Logger
	// Now and Sleep are the clock; tests replace them. Sleep returns
	// ctx.Err() when ctx ends first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) withDefaults() Options {
	if o.Parallelism <= 0 {
		o.Parallelism = 10
	}
	if o.StageTimeout <= 0 {
		o.StageTimeout = 30 * time.Minute
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 5 * time.Minute
	}
	o.Retry = o.Retry.withDefaults()
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.PollMax < o.PollInterval {
		o.PollMax = max(15*time.Second, o.PollInterval)
	}
	if o.Progress == nil {
		o.Progress = discard{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	return o
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Op names what the applier does for one unit of work.
type Op string

// The operations, as reports and progress lines name them.
const (
	OpCreate       Op = "create"
	OpUpdate       Op = "update"
	OpNewRevision  Op = "register new revision"
	OpReplace      Op = "replace (create before delete)"
	OpReplaceFirst Op = "replace (delete before create)"
	OpDelete       Op = "delete"
	OpRetire       Op = "retire"
	OpGate         Op = "health gate"
	// OpHold is a router's first step in a traffic handover: it forwards
	// to the new target group with no weight, so services can register
	// in it, while traffic stays on the old one.
	OpHold Op = "hold traffic"
	// OpLeave is a service's last step in a handover: after traffic
	// moved, it leaves the old target group (and is health-gated again).
	OpLeave Op = "leave replaced"
	// OpRevoke is the second step of a two-phase update of permission
	// lists (planner.Deferred): after the deployments' health gates, it
	// removes the entries (security group rules) the first step kept.
	OpRevoke Op = "revoke removed rules"
)

// PastTense is how reports and progress lines name a finished operation:
// "created", "new revision", "healthy" (a gate); "" for an Op not listed
// above.
func (o Op) PastTense() string { return pastTense[o] }

var pastTense = map[Op]string{
	OpCreate:       "created",
	OpUpdate:       "updated",
	OpNewRevision:  "new revision",
	OpReplace:      "replaced",
	OpReplaceFirst: "replaced",
	OpDelete:       "deleted",
	OpRetire:       "retired",
	OpGate:         "healthy",
	// The extra steps of one change (a handover, a two-phase update):
	// named in progress lines, not counted apart in summaries.
	OpHold:   "held",
	OpLeave:  "left",
	OpRevoke: "revoked",
}

// Outcome is what happened to one unit of work.
type Outcome struct {
	Change *planner.Change
	Op     Op
	// ID is the live identifier afterwards (created, updated), or the one
	// removed (delete, retire).
	ID       string
	Err      error
	Attempts int
	Duration time.Duration
	// Health is the last health a gate saw.
	Health *provider.Health
	// Gate is what a gate (Op OpGate) waited for.
	Gate GateKind
}

// Result is the account of an apply: everything done, everything that
// failed, and every change that was never started.
type Result struct {
	Done       []Outcome
	Failed     []Outcome
	NotStarted []*planner.Change
	// Unverified are health gates abandoned because something else failed
	// first: the change was made but its deployment was not awaited.
	Unverified []Outcome
	// Kept are deletions AWS refused because the resource holds data,
	// with Options.KeepData.
	Kept []Kept
	// Interrupted is set when the context was cancelled (a signal).
	Interrupted bool
	Elapsed     time.Duration
}

// Err summarises a failed result in one line, or returns nil.
func (r *Result) Err() error { return r.Failure("apply") }

// Failure is Err for another verb ("destroy").
func (r *Result) Failure(verb string) error {
	if len(r.Failed) == 0 && !r.Interrupted && len(r.NotStarted) == 0 {
		return nil
	}
	var parts []string
	if r.Interrupted {
		parts = append(parts, "interrupted")
	}
	if n := len(r.Failed); n > 0 {
		parts = append(parts, plural(n, "failure", "failures"))
	}
	parts = append(parts, fmt.Sprintf("%d done", len(r.Done)))
	if n := len(r.NotStarted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", n))
	}
	hint := "run gantry plan to see the remaining work, gantry apply to finish it"
	if verb == "destroy" {
		hint = "run gantry destroy again to finish"
	}
	if blocked := r.Blocked(); len(blocked) > 0 {
		// Running again changes nothing until someone moves what
		// blocks: say what, never just "run again".
		var what []string
		for _, ce := range blocked {
			what = append(what, fmt.Sprintf("%s has %s %s that gantry must not delete", ce.Address, articled(ce.ChildType), ce.ChildID))
		}
		hint = strings.Join(what, "; ") + "; gantry never deletes what it does not own: delete or move " +
			map[bool]string{true: "it", false: "them"}[len(blocked) == 1] + " yourself, then run gantry " + verb + " again"
	}
	return fmt.Errorf("%s failed: %s; %s", verb, strings.Join(parts, ", "), hint)
}

// Blocked returns the deletions a provider refused because of a child
// gantry must not touch (provider.ChildError), in the order they failed.
func (r *Result) Blocked() []*provider.ChildError {
	var out []*provider.ChildError
	for _, o := range r.Failed {
		var ce *provider.ChildError
		if errors.As(o.Err, &ce) {
			if ce.Address == "" && o.Change != nil {
				ce.Address = o.Change.Address
			}
			out = append(out, ce)
		}
	}
	return out
}

// articled is a type's short noun with its article ("a listener rule").
func articled(typ string) string {
	n := entry(typ).Short
	if n == "" {
		n = typ
	}
	if strings.ContainsRune("aeiouAEIOU", rune(n[0])) {
		return "an " + n
	}
	return "a " + n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Round shortens a duration for humans: whole seconds from a minute,
// tenths of a second from a second, milliseconds below. Messages and the
// CLI's progress and reports use it alike.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// Apply executes plan with p. live is the owned state read just before
// (for a saved plan, after CheckPlan accepted it); nil means plan.Live.
// The caller holds the apply lock. The error is non-nil only for an apply
// that could not start (an invalid plan); failures during the apply are in
// the Result (see Result.Err).
func Apply(ctx context.Context, p provider.Provider, plan *planner.Plan, live []*provider.Observed, opts Options) (*Result, error) {
	if plan == nil || plan.Desired == nil {
		return nil, errors.New("apply: the plan has no desired graph")
	}
	if live == nil {
		live = plan.Live
	}
	r, err := newRun(p, plan, live, opts.withDefaults())
	if err != nil {
		return nil, err
	}
	return r.run(ctx), nil
}
