package provider

import (
	"strings"
	"testing"
	"time"
)

// A lock held past its holder's deadline plus the margin is stale, and the
// message says so; within the margin, or without a deadline, it is not.
func TestStaleLock(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	h := LockInfo{ID: "abc", Host: "ci", User: "runner", PID: 7, Operation: "apply", Since: now.Add(-3 * time.Hour)}
	if h.Stale(now) {
		t.Error("a lock without a deadline is stale")
	}
	h.Deadline = now.Add(-StaleMargin + time.Second)
	if h.Stale(now) {
		t.Error("a lock within the margin past its deadline is stale")
	}
	h.Deadline = now.Add(-StaleMargin - time.Second)
	if !h.Stale(now) {
		t.Error("a lock past its deadline and the margin is not stale")
	}
	h.Deadline = time.Now().Add(-time.Hour)
	msg := (&LockedError{Holder: h}).Error()
	want := "; STALE: its holder would have timed out by " + h.Deadline.UTC().Format(time.RFC3339) + ", so it died without releasing the lock"
	if !strings.HasSuffix(msg, want) {
		t.Errorf("message %q lacks %q", msg, want)
	}
}
