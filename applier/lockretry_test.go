package applier

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// With no --lock-timeout (Wait 0), a lock call that is throttled or fails
// transiently is retried with backoff; only a held lock fails at once.
func TestSandboxLockRetriesTransientErrorsWithoutLockTimeout(t *testing.T) {
	w := newWorld(t, sandbox.Knobs{Seed: 7, ThrottleRate: 0.3, FailureRate: 0.3})
	var waits []time.Duration
	o := LockOptions{
		Retry: Retry{Base: time.Millisecond, Max: 4 * time.Millisecond, Attempts: 20},
		Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil },
	}
	info := provider.LockInfo{ID: "0123456789abcdef", Host: "h", User: "u", PID: 1, Operation: "apply"}
	for i := 0; i < 20; i++ {
		release, err := Lock(context.Background(), w.sb, w.scope, info, o)
		if err != nil {
			t.Fatalf("lock %d: %v", i, err)
		}
		// Release is not what is under test: retry it until it goes.
		for n := 0; ; n++ {
			if err := release(); err == nil {
				break
			} else if n > 50 {
				t.Fatalf("release %d: %v", i, err)
			}
		}
	}
	if len(waits) == 0 {
		t.Fatalf("no lock call was retried; the knobs inject no failures?")
	}
	for _, d := range waits {
		if d > 4*time.Millisecond {
			t.Errorf("backoff %s beyond Retry.Max", d)
		}
	}
	// A held lock still fails at once, naming the holder.
	release, err := Lock(context.Background(), w.sb, w.scope, info, o)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	other := info
	other.ID = "fedcba9876543210"
	other.PID = 2
	_, err = Lock(context.Background(), w.sb, w.scope, other, LockOptions{Retry: o.Retry, Sleep: o.Sleep})
	var le *provider.LockedError
	if !errors.As(err, &le) || le.Holder.ID != info.ID {
		t.Errorf("second lock: %v, want a *provider.LockedError naming %s", err, info.ID)
	}
}
