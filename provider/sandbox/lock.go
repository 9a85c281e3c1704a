package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/user"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/provider"
)

// Lock takes the apply lock of scope's project and environment. The lock
// is a record in the sandbox, taken in one write transaction, so it is
// atomic across processes. When another holder has it, Lock fails at once
// with *provider.LockedError naming the holder — unless the holder is a
// process on this host that no longer exists (it crashed), whose lock is
// broken and taken over, with a warning.
//
// info.ID, Since, Host, User and PID are filled in when empty. The
// returned release drops the lock if this holder still has it.
func (s *Sandbox) Lock(ctx context.Context, scope provider.Scope, info provider.LockInfo) (func() error, error) {
	if _, err := s.call(ctx, "sandbox:Lock", "", "", false); err != nil {
		return nil, err
	}
	info = s.fillLockInfo(info)
	k := key(scope.Project, scope.Environment)
	err := s.st.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLocks)
		if v := b.Get(k); v != nil {
			var held provider.LockInfo
			if err := json.Unmarshal(v, &held); err != nil {
				return fmt.Errorf("sandbox: corrupt lock record: %w", err)
			}
			if !s.stale(held) {
				return &provider.LockedError{Holder: held}
			}
			s.log.Warn("sandbox: breaking a stale lock: its holder is no longer running on this host",
				"project", scope.Project, "environment", scope.Environment,
				"lock", held.ID, "holder", held.User+"@"+held.Host, "pid", held.PID, "since", held.Since)
		}
		v, err := json.Marshal(info)
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
	if err != nil {
		return nil, err
	}
	released := false
	release := func() error {
		if released {
			return nil
		}
		released = true
		return s.st.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bLocks)
			var held provider.LockInfo
			if v := b.Get(k); v == nil || json.Unmarshal(v, &held) != nil || held.ID != info.ID {
				return nil // broken and taken by someone else meanwhile
			}
			return b.Delete(k)
		})
	}
	return release, nil
}

// stale reports whether a lock's holder is a process of this host that
// is gone.
func (s *Sandbox) stale(h provider.LockInfo) bool {
	return h.Host != "" && h.Host == s.opts.Hostname && h.PID > 0 && !processAlive(h.PID)
}

func (s *Sandbox) fillLockInfo(info provider.LockInfo) provider.LockInfo {
	if info.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		info.ID = hex.EncodeToString(b[:])
	}
	if info.Since.IsZero() {
		info.Since = s.now()
	}
	if info.Host == "" {
		info.Host = s.opts.Hostname
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.User == "" {
		if u, err := user.Current(); err == nil {
			info.User = u.Username
		}
	}
	if info.Operation == "" {
		info.Operation = "apply"
	}
	return info
}

// Unlock breaks the lock of scope's project and environment by its id,
// for a holder that crashed: the id must be the held lock's.
func (s *Sandbox) Unlock(ctx context.Context, scope provider.Scope, id string) error {
	if _, err := s.call(ctx, "sandbox:Unlock", "", "", false); err != nil {
		return err
	}
	return s.st.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bLocks)
		k := key(scope.Project, scope.Environment)
		v := b.Get(k)
		if v == nil {
			return fmt.Errorf("%s/%s is not locked", scope.Project, scope.Environment)
		}
		var held provider.LockInfo
		if err := json.Unmarshal(v, &held); err != nil {
			return fmt.Errorf("sandbox: corrupt lock record: %w", err)
		}
		if held.ID != id {
			return fmt.Errorf("lock id %q does not match the lock held on %s/%s (id %s, by %s@%s)", id, scope.Project, scope.Environment, held.ID, held.User, held.Host)
		}
		s.log.Info("sandbox: lock broken", "project", scope.Project, "environment", scope.Environment, "lock", id)
		return b.Delete(k)
	})
}

// LockHolder returns who holds the lock of scope, or nil.
func (s *Sandbox) LockHolder(scope provider.Scope) (*provider.LockInfo, error) {
	var held *provider.LockInfo
	err := s.st.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bLocks).Get(key(scope.Project, scope.Environment)); v != nil {
			held = &provider.LockInfo{}
			return json.Unmarshal(v, held)
		}
		return nil
	})
	return held, err
}

// Locks lists every lock held in the sandbox, by project and environment.
func (s *Sandbox) Locks() (map[string]provider.LockInfo, error) {
	out := map[string]provider.LockInfo{}
	err := s.st.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bLocks).ForEach(func(k, v []byte) error {
			var h provider.LockInfo
			if err := json.Unmarshal(v, &h); err != nil {
				return err
			}
			parts := splitKey(k)
			out[parts[0]+"/"+parts[1]] = h
			return nil
		})
	})
	return out, err
}
