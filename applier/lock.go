package applier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

// NewLockInfo describes this process as a lock holder.
func NewLockInfo(operation, commit string, now time.Time) provider.LockInfo {
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return provider.LockInfo{
		ID:        hex.EncodeToString(b[:]),
		Host:      host,
		User:      name,
		PID:       os.Getpid(),
		Commit:    commit,
		Operation: operation,
		Since:     now.UTC().Truncate(time.Second),
	}
}

// LockOptions say how long to wait for a lock someone else holds, and how
// to retry a lock call that failed for a transient reason.
type LockOptions struct {
	// Wait is how long to keep trying while the lock is held by someone
	// else; 0 fails at once with the holder.
	Wait time.Duration
	// Poll is the pause between tries of a held lock (default 1s).
	Poll time.Duration
	// Retry is the backoff for throttling and transient errors of the lock
	// call itself, applied whatever Wait is (defaults as Retry's).
	Retry Retry
	// Waiting is called once, when the lock is found held and Wait > 0.
	Waiting func(*provider.LockedError)
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time
}

// Lock takes scope's apply lock, waiting up to o.Wait for its holder to
// release it. It fails with the *provider.LockedError naming the holder.
// A throttled or transient failure of the lock call is retried with
// backoff (o.Retry) even with no Wait: --lock-timeout is about a lock
// someone holds, not about an API that hiccupped.
func Lock(ctx context.Context, p provider.Provider, scope provider.Scope, info provider.LockInfo, o LockOptions) (release func() error, err error) {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Retry = o.Retry.withDefaults()
	deadline := o.Now().Add(o.Wait)
	told := false
	transient := 0 // consecutive retryable failures
	for {
		release, err = p.Lock(ctx, scope, info)
		if err == nil {
			return release, nil
		}
		var held *provider.LockedError
		if !errors.As(err, &held) {
			if !provider.IsRetryable(err) {
				return nil, err
			}
			transient++
			if transient >= o.Retry.Attempts {
				return nil, fmt.Errorf("%w (gave up after %d attempts)", err, transient)
			}
			if serr := o.Sleep(ctx, o.Retry.Backoff(transient)); serr != nil {
				return nil, err
			}
			continue
		}
		transient = 0
		left := deadline.Sub(o.Now())
		if left <= 0 {
			return nil, err
		}
		if !told && o.Waiting != nil {
			o.Waiting(held)
			told = true
		}
		if serr := o.Sleep(ctx, min(o.Poll, left)); serr != nil {
			return nil, err
		}
	}
}
