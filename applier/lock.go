package applier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// LockOptions say how long to wait for a lock someone else holds.
type LockOptions struct {
	// Wait is how long to keep trying; 0 fails at once.
	Wait time.Duration
	// Poll is the pause between tries (default 1s).
	Poll time.Duration
	// Waiting is called once, when the lock is found held and Wait > 0.
	Waiting func(*provider.LockedError)
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time
}

// Lock takes scope's apply lock, waiting up to o.Wait for its holder to
// release it. It fails with the *provider.LockedError naming the holder.
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
	deadline := o.Now().Add(o.Wait)
	told := false
	for {
		release, err = p.Lock(ctx, scope, info)
		if err == nil {
			return release, nil
		}
		var held *provider.LockedError
		locked := errors.As(err, &held)
		if !locked && !provider.IsRetryable(err) {
			return nil, err
		}
		left := deadline.Sub(o.Now())
		if left <= 0 {
			return nil, err
		}
		if locked && !told && o.Waiting != nil {
			o.Waiting(held)
			told = true
		}
		if serr := o.Sleep(ctx, min(o.Poll, left)); serr != nil {
			return nil, err
		}
	}
}
