//go:build windows || plan9

package sandbox

import "os"

// On systems without flock, bbolt's own file lock (with its timeout) is
// the only guard between processes.
func lockFile(f *os.File) error   { return nil }
func unlockFile(f *os.File) error { return nil }

// processAlive cannot tell here: a lock is never considered stale by pid.
func processAlive(pid int) bool { return true }
