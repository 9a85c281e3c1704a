package sandbox

import (
	"errors"
	"os/exec"
	"sync"
	"testing"

	"github.com/gantry-gitops/gantry/provider"
)

func TestLockIsExclusive(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	info := provider.LockInfo{Host: "ci-1", User: "deploy", PID: 1, Commit: "abc123", Operation: "apply"}
	release, err := s.Lock(ctx, testScope, info)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lock(ctx, testScope, provider.LockInfo{})
	var locked *provider.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second lock: want *provider.LockedError, got %v", err)
	}
	if locked.Holder.User != "deploy" || locked.Holder.Host != "ci-1" || locked.Holder.Commit != "abc123" || locked.Holder.ID == "" || locked.Holder.Since.IsZero() {
		t.Errorf("holder %+v", locked.Holder)
	}
	// Another environment is not locked.
	if rel, err := s.Lock(ctx, withEnv(testScope, "prod"), provider.LockInfo{}); err != nil {
		t.Errorf("prod: %v", err)
	} else {
		rel()
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	rel, err := s.Lock(ctx, testScope, provider.LockInfo{})
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	rel()
}

func TestUnlockBreaksByID(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	_, err := s.Lock(ctx, testScope, provider.LockInfo{ID: "lock-1", Host: "elsewhere", PID: 99})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(ctx, testScope, "lock-2"); err == nil {
		t.Error("unlock with the wrong id succeeded")
	}
	if err := s.Unlock(ctx, testScope, "lock-1"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.LockHolder(testScope); h != nil {
		t.Errorf("still held by %+v", h)
	}
	if err := s.Unlock(ctx, testScope, "lock-1"); err == nil {
		t.Error("unlock of no lock succeeded")
	}
}

func TestStaleLockOfADeadProcessIsBroken(t *testing.T) {
	s, _ := newSandbox(t, Knobs{})
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1)")
	}
	dead := cmd.ProcessState.Pid()
	if _, err := s.Lock(ctx, testScope, provider.LockInfo{ID: "crashed", Host: s.opts.Hostname, PID: dead}); err != nil {
		t.Fatal(err)
	}
	release, err := s.Lock(ctx, testScope, provider.LockInfo{ID: "mine"})
	if err != nil {
		t.Fatalf("stale lock not broken: %v", err)
	}
	if h, _ := s.LockHolder(testScope); h == nil || h.ID != "mine" {
		t.Errorf("holder %+v", h)
	}
	release()
	// A live process on another host is never considered stale.
	if _, err := s.Lock(ctx, testScope, provider.LockInfo{ID: "remote", Host: "other-host", PID: dead}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, testScope, provider.LockInfo{}); err == nil {
		t.Error("took the lock of a process on another host")
	}
}

func TestLockRaceHasOneWinner(t *testing.T) {
	dir := t.TempDir()
	k := Knobs{}
	var handles []*Sandbox
	for i := 0; i < 4; i++ {
		h, err := Open(dir, Options{Knobs: &k})
		if err != nil {
			t.Fatal(err)
		}
		handles = append(handles, h)
	}
	var mu sync.Mutex
	wins := 0
	var wg sync.WaitGroup
	for _, h := range handles {
		for g := 0; g < 5; g++ {
			wg.Add(1)
			go func(h *Sandbox) {
				defer wg.Done()
				if _, err := h.Lock(ctx, testScope, provider.LockInfo{}); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}(h)
		}
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d holders, want exactly 1", wins)
	}
}
