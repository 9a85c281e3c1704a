package applier

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

// Retry is exponential backoff with jitter for errors the provider marks
// retryable (throttling, transient server errors). Attempt n (from 1) waits
// a random duration in [d/2, d) where d = min(Base * 2^(n-1), Max), so that
// parallel changes throttled together do not retry together.
type Retry struct {
	// Attempts is the maximum number of calls, first included (default 8).
	Attempts int
	// Base is the first backoff (default 250ms); Max caps it (default 20s).
	Base time.Duration
	Max  time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 8
	}
	if r.Base <= 0 {
		r.Base = 250 * time.Millisecond
	}
	if r.Max < r.Base {
		r.Max = max(20*time.Second, r.Base)
	}
	return r
}

// Backoff returns the wait after the given failed attempt (from 1).
func (r Retry) Backoff(attempt int) time.Duration {
	d := r.Base
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	d = min(d, r.Max)
	half := d / 2
	return half + rand.N(half+1)
}

// retryable reports whether a failed call is worth repeating: the
// provider's verdict, or an in-use conflict while inUseRetry (a deletion
// waiting for a dependent AWS has not finished removing).
func retryable(err error, inUseRetry bool) bool {
	if provider.IsRetryable(err) {
		return true
	}
	return inUseRetry && isInUse(err)
}

// inUseCodes are the AWS error codes that mean "something still uses this
// resource", which during deletions is usually eventual consistency: the
// dependent was deleted a moment ago.
var inUseCodes = map[string]bool{
	"ResourceInUse":                    true,
	"ResourceInUseException":           true,
	"DependencyViolation":              true,
	"DeleteConflict":                   true,
	"ClusterContainsServicesException": true,
	"ClusterContainsTasksException":    true,
}

func isInUse(err error) bool {
	var op *provider.OpError
	return errors.As(err, &op) && inUseCodes[op.Code]
}

// attempt calls f until it succeeds, fails for good, or the attempts run
// out. The call itself gets a context detached from ctx, so a change that
// has started finishes even when the apply is interrupted; ctx only stops
// further attempts.
func (r *run) attempt(ctx context.Context, it *item, inUseRetry bool, f func(ctx context.Context) error) (int, error) {
	pol := r.opts.Retry
	attempts := pol.Attempts
	if inUseRetry {
		// Deletions waiting on eventual consistency get a little longer.
		attempts += 2
	}
	var err error
	for n := 1; ; n++ {
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CallTimeout)
		err = f(callCtx)
		cancel()
		if err == nil {
			return n, nil
		}
		if !retryable(err, inUseRetry) {
			return n, err
		}
		if n >= attempts {
			return n, fmt.Errorf("%w (gave up after %d attempts)", err, n)
		}
		wait := pol.Backoff(n)
		r.emit(Event{Kind: EventRetry, Change: it.change, Op: it.op, Err: err, Attempt: n, Delay: wait})
		if serr := r.opts.Sleep(ctx, wait); serr != nil {
			return n, fmt.Errorf("%w (not retried: %v)", err, context.Cause(ctx))
		}
	}
}
