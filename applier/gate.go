package applier

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

// ECS rollout states.
const (
	rolloutInProgress = "IN_PROGRESS"
	rolloutCompleted  = "COMPLETED"
	rolloutFailed     = "FAILED"
)

// GateError is a health gate that failed: the deployment was rolled back,
// failed, or did not settle in time.
type GateError struct {
	Address string
	Health  *provider.Health // last health seen; nil if never read
	Reason  string
}

func (e *GateError) Error() string {
	s := e.Address + ": " + e.Reason
	if h := e.Health; h != nil {
		s += " (" + DescribeHealth(h) + ")"
	}
	return s
}

// notAwaited starts the Reason of an abandoned gate.
const notAwaited = "not awaited"

// Abandoned reports whether the gate was given up rather than failed: the
// apply stopped (another change failed first, or it was interrupted)
// before the deployment settled. The change was made; whether it is
// healthy is unknown (Result.Unverified).
func (e *GateError) Abandoned() bool { return strings.HasPrefix(e.Reason, notAwaited) }

// DescribeHealth is the one-line state of a deployment, as gate errors
// and reports give it: "deployment ecs-svc/1 IN_PROGRESS, 1/2 running,
// 1 pending, targets 1 healthy 1 initial".
func DescribeHealth(h *provider.Health) string {
	if ref := h.Refresh; ref != nil {
		return describeRefresh(ref)
	}
	var b strings.Builder
	if h.DeploymentID != "" {
		b.WriteString("deployment " + h.DeploymentID + " ")
	}
	state := h.RolloutState
	if state == "" {
		state = "unknown"
	}
	b.WriteString(state + ", " + strings.Join(TaskCounts(h), ", "))
	if len(h.Targets) > 0 {
		b.WriteString(", targets")
		keys := make([]string, 0, len(h.Targets))
		for k := range h.Targets {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %d %s", h.Targets[k], k)
		}
	}
	return b.String()
}

// describeRefresh is the one-line state of an instance refresh:
// "instance refresh 5f1c… InProgress, 40% done, 3 instances to replace".
// AWS's status reason, when it gives one, follows.
func describeRefresh(ref *provider.Refresh) string {
	s := fmt.Sprintf("instance refresh %s %s, %d%% done", ref.ID, ref.Status, ref.PercentageComplete)
	if ref.InstancesToUpdate > 0 {
		s += fmt.Sprintf(", %d instance(s) to replace", ref.InstancesToUpdate)
	}
	if ref.StatusReason != "" {
		s += ": " + ref.StatusReason
	}
	return s
}

// TaskCounts are a deployment's task counts, for DescribeHealth and
// shorter renderings: running of desired ("1/2 running") and pending, of
// the new deployment's tasks when older deployments still run some ("new
// 0/2 running"; ECS counts the service's running tasks across
// deployments), then those older ones ("2 old running").
func TaskCounts(h *provider.Health) []string {
	var out []string
	if h.OlderRunning > 0 {
		out = append(out, fmt.Sprintf("new %d/%d running", h.Running-h.OlderRunning, h.Desired))
	} else {
		out = append(out, fmt.Sprintf("%d/%d running", h.Running, h.Desired))
	}
	if h.Pending > 0 {
		out = append(out, fmt.Sprintf("%d pending", h.Pending))
	}
	if h.OlderRunning > 0 {
		out = append(out, fmt.Sprintf("%d old running", h.OlderRunning))
	}
	return out
}

// judge decides a gate from one health reading: done with nil error when
// the deployment is complete and healthy, done with an error when it
// failed or was rolled back, not done while it is still rolling.
func judge(addr string, h *provider.Health, want string) (done bool, err error) {
	fail := func(format string, args ...any) (bool, error) {
		reason := fmt.Sprintf(format, args...)
		if h.RolloutStateReason != "" {
			reason += ": " + h.RolloutStateReason
		}
		return true, &GateError{Address: addr, Health: h, Reason: reason}
	}
	switch {
	case h.RolledBack:
		return fail("deployment rolled back by the circuit breaker or an alarm: the new version is not running")
	case h.RolloutState == rolloutFailed:
		return fail("the deployment failed")
	case h.RolloutState != rolloutCompleted:
		return false, nil
	case want != "" && h.TaskDefinition != "" && h.TaskDefinition != want:
		// The primary deployment is not ours: ECS went back to another
		// revision. Never a success, whatever its health.
		return fail("the service runs %s, not the new revision %s", h.TaskDefinition, want)
	case h.Running != h.Desired:
		return false, nil
	case !targetsHealthy(h):
		return false, nil
	}
	return true, nil
}

// targetsHealthy: every load balancer target is healthy (draining ones
// belong to the old tasks on their way out).
func targetsHealthy(h *provider.Health) bool {
	if len(h.Targets) == 0 {
		return true
	}
	for state, n := range h.Targets {
		if n > 0 && state != "healthy" && state != "draining" {
			return false
		}
	}
	return h.Targets["healthy"] >= h.Desired
}

// gate polls a service's health until its newest deployment settles. A
// resumed gate (a service the plan does not change) first checks whether
// its newest deployment is still in progress, failed or was rolled back,
// and is quiet if it completed.
func (r *run) gate(ctx context.Context, it *item, obs *provider.Observed, want string, resume bool) finished {
	start := r.opts.Now()
	f := finished{it: it, gate: true, out: Outcome{Change: it.change, Op: OpGate, ID: obs.ID}}
	interval := r.opts.PollInterval
	first := true
	if !resume {
		r.emit(Event{Kind: EventGateStart, Change: it.change, Op: OpGate})
	}
	var last *provider.Health
	for {
		h, err := r.readHealth(ctx, it, obs, &f)
		if err != nil {
			if ctx.Err() != nil {
				return r.gateEnded(ctx, f, start, last)
			}
			f.out.Err = &GateError{Address: it.change.Address, Health: last, Reason: "cannot read its health: " + err.Error()}
			return r.gateDone(f, start, last)
		}
		last = h
		if first && resume {
			// A settled deployment is quiet; one still rolling is
			// waited for; one that failed or was rolled back is
			// verified again, and fails: the plan warned about it, and
			// nothing in it makes the service healthy.
			if h.RolloutState != rolloutInProgress && h.RolloutState != rolloutFailed && !h.RolledBack {
				f.quiet = true
				return f
			}
			r.emit(Event{Kind: EventGateStart, Change: it.change, Op: OpGate, Health: h})
		}
		first = false
		r.emit(Event{Kind: EventGate, Change: it.change, Op: OpGate, Health: h, Elapsed: r.opts.Now().Sub(start)})
		if done, err := judge(it.change.Address, h, want); done {
			f.out.Err = err
			return r.gateDone(f, start, h)
		}
		if r.opts.Sleep(ctx, interval) != nil {
			return r.gateEnded(ctx, f, start, last)
		}
		interval = min(interval*3/2, r.opts.PollMax)
	}
}

// attemptRead makes one provider call of a gate with the apply's retries
// (attempt), counting its attempts in the gate's outcome.
func attemptRead[T any](r *run, ctx context.Context, it *item, f *finished, call func(context.Context) (*T, error)) (*T, error) {
	var v *T
	n, err := r.attempt(ctx, it, false, func(c context.Context) error {
		var e error
		v, e = call(c)
		return e
	})
	f.out.Attempts += n
	return v, err
}

// readHealth reads a gated resource's health with the apply's retries; a
// provider that returns no health and no error is an error.
func (r *run) readHealth(ctx context.Context, it *item, obs *provider.Observed, f *finished) (*provider.Health, error) {
	h, err := attemptRead(r, ctx, it, f, func(c context.Context) (*provider.Health, error) {
		return r.p.Health(c, r.scope, obs)
	})
	if err == nil && h == nil {
		err = errors.New("provider returned no health")
	}
	return h, err
}

// gateEnded is a gate whose context ended: the stage timed out (a
// failure), or the apply stopped for another reason (unverified).
func (r *run) gateEnded(ctx context.Context, f finished, start time.Time, last *provider.Health) finished {
	cause := context.Cause(ctx)
	var to *stageTimeout
	if errors.As(cause, &to) {
		f.out.Err = &GateError{Address: f.it.change.Address, Health: last,
			Reason: fmt.Sprintf("%s did not settle within the stage timeout (%s)", f.out.Gate.Subject(), to.timeout)}
	} else {
		f.unverified = true
		f.out.Err = &GateError{Address: f.it.change.Address, Health: last, Reason: notAwaited + ": " + cause.Error()}
	}
	return r.gateDone(f, start, last)
}

func (r *run) gateDone(f finished, start time.Time, last *provider.Health) finished {
	f.out.Health = last
	f.out.Duration = r.opts.Now().Sub(start)
	r.emit(Event{Kind: EventGateDone, Change: f.it.change, Op: OpGate, Gate: f.out.Gate, Health: last, Err: f.out.Err, Elapsed: f.out.Duration})
	return f
}
