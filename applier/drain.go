package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gantry-gitops/gantry/provider"
)

// awaitGone waits after the delete of a resource that drains (an ECS
// service: DeleteService returns while it is DRAINING, its tasks
// stopping) until the provider reports it INACTIVE or not found, like
// ECS's services-inactive waiter. Only then is the deletion done: what
// comes after it (the cluster's delete, a service re-created with the same
// name) would be refused before. Polls back off as health gates do; the
// stage's context bounds the wait.
func (r *run) awaitGone(ctx context.Context, it *item) (int, error) {
	if !drainsOnDelete(it.old.Type) {
		return 0, nil
	}
	start := r.opts.Now()
	interval := r.opts.PollInterval
	attempts := 0
	for {
		var h *provider.Health
		n, err := r.attempt(ctx, it, false, func(c context.Context) error {
			var e error
			h, e = r.p.Health(c, r.scope, it.old)
			return e
		})
		attempts += n
		switch {
		case provider.IsNotFound(err):
			return attempts, nil
		case err != nil:
			return attempts, fmt.Errorf("%s: deleted, but cannot tell whether it has finished draining: %w", it.change.Address, err)
		case h == nil:
			return attempts, fmt.Errorf("%s: deleted, but the provider returned no health to tell whether it has finished draining", it.change.Address)
		case h.Status == provider.ServiceInactive:
			return attempts, nil
		}
		// ACTIVE right after the delete is eventual consistency: wait too.
		r.emit(Event{Kind: EventWait, Change: it.change, Op: it.op, Wait: WaitDeleted, Delay: interval, Health: h, Elapsed: r.opts.Now().Sub(start)})
		if r.opts.Sleep(ctx, interval) != nil {
			return attempts, fmt.Errorf("%s: deleted, but still %s after %s: %v", it.change.Address, statusOf(h), Round(r.opts.Now().Sub(start)), context.Cause(ctx))
		}
		interval = min(interval*3/2, r.opts.PollMax)
	}
}

func statusOf(h *provider.Health) string {
	if h.Status == "" {
		return provider.ServiceActive
	}
	return h.Status
}

// stillDraining reports whether a create was refused because a deleted
// resource of the same name is still draining (ECS: "Unable to Start a
// service that is still Draining."): it will succeed once that one is
// INACTIVE.
func stillDraining(err error) bool {
	var op *provider.OpError
	return errors.As(err, &op) && op.Code == "InvalidParameterException" &&
		strings.Contains(strings.ToLower(op.Message), "still draining")
}

// createWhenDrained calls create, and while it is refused because a
// deleted service of the same name still drains (deleted by an earlier
// apply or destroy moments ago, or by someone else), waits and tries
// again, backing off as health polls do, bounded by the stage's context.
func (r *run) createWhenDrained(ctx context.Context, it *item, create func(ctx context.Context) error) (int, error) {
	start := r.opts.Now()
	interval := r.opts.PollInterval
	attempts := 0
	for {
		n, err := r.attempt(ctx, it, false, create)
		attempts += n
		if err == nil || !stillDraining(err) || !drainsOnDelete(it.change.Type) {
			return attempts, err
		}
		r.emit(Event{Kind: EventWait, Change: it.change, Op: it.op, Wait: WaitRecreate, Delay: interval, Err: err, Elapsed: r.opts.Now().Sub(start)})
		if r.opts.Sleep(ctx, interval) != nil {
			return attempts, fmt.Errorf("%w (waited %s for the deleted service of the same name to finish draining: %v)", err, Round(r.opts.Now().Sub(start)), context.Cause(ctx))
		}
		interval = min(interval*3/2, r.opts.PollMax)
	}
}
