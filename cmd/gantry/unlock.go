package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/provider"
)

type unlockFlags struct {
	target targetFlags
	force  string
}

func newUnlockCmd() *cobra.Command {
	f := &unlockFlags{}
	cmd := &cobra.Command{
		Use:   "unlock [DIR] --env ENV [--force LOCK_ID]",
		Short: "Show who holds an environment's apply lock, or break the lock of a crashed apply",
		Long: `Apply and destroy hold a lock per project and environment while they run,
so that two of them never change one environment at once. An apply that
crashed (a killed CI runner) cannot release its lock.

Without --force, unlock shows who holds the lock: user, host, pid, commit,
since when, and the lock id.

--force LOCK_ID breaks the lock. The id must be the current lock's (the
message of the apply that found the lock held prints it), so a lock that
changed hands meanwhile is never broken by mistake. Unlock refuses to break
the lock of a process on this host that is still running: stop it first.
Break a lock only when you know its holder is gone; then plan and apply: the
plan shows whatever the crashed apply left undone.`,
		Example: `  gantry unlock --env prod --sandbox ./.sandbox
  gantry unlock --env prod --force 3f2a9c1e0b7d4e65`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			return runUnlock(cmd, dir, f)
		},
	}
	f.target.register(cmd)
	cmd.Flags().StringVar(&f.force, "force", "", "break the lock with id `LOCK_ID`")
	return cmd
}

func runUnlock(cmd *cobra.Command, dir string, f *unlockFlags) error {
	ws, err := f.target.workspace(cmd, dir)
	if err != nil {
		return err
	}
	prov, sc := ws.prov, ws.scope
	out := cmd.OutOrStdout()
	name := sc.Project + "/" + sc.Environment

	// The provider has no "read the lock": try to take it. Free, it is
	// released at once; held, the error names the holder.
	holder, err := lockHolder(cmd, prov, sc)
	if err != nil {
		return failed(err)
	}
	if holder == nil {
		fmt.Fprintf(out, "%s is not locked.\n", name)
		return nil
	}
	if f.force == "" {
		fmt.Fprintf(out, "%s is %v\n", name, &provider.LockedError{Holder: *holder})
		fmt.Fprintf(out, "If that apply is gone, break the lock with: gantry unlock --env %s --force %s\n", sc.Environment, holder.ID)
		return nil
	}
	if f.force != holder.ID {
		return failed(fmt.Errorf("%s is %v\n  not %s: nothing broken (the lock may have changed hands since you looked; only its exact id breaks it)",
			name, &provider.LockedError{Holder: *holder}, f.force))
	}
	if processAlive(holder) {
		return failed(fmt.Errorf("the lock holder, pid %d on this host (%s), is still running; stop it, or let it finish, instead of breaking its lock",
			holder.PID, holder.Host))
	}
	if err := prov.Unlock(cmd.Context(), sc, f.force); err != nil {
		return failed(fmt.Errorf("unlock %s: %w", name, err))
	}
	fmt.Fprintf(out, "Broke the lock of %s (id %s, held by %s@%s since %s). Run gantry plan to see what is left to do.\n",
		name, holder.ID, holder.User, holder.Host, holder.Since.UTC().Format(time.RFC3339))
	return nil
}

// lockHolder returns who holds sc's lock, or nil when nobody does.
func lockHolder(cmd *cobra.Command, prov provider.Provider, sc provider.Scope) (*provider.LockInfo, error) {
	probe := applier.NewLockInfo("unlock", "", time.Now())
	release, err := prov.Lock(cmd.Context(), sc, probe)
	var le *provider.LockedError
	switch {
	case err == nil:
		return nil, release()
	case errors.As(err, &le):
		return &le.Holder, nil
	}
	return nil, fmt.Errorf("read the lock of %s/%s: %w", sc.Project, sc.Environment, err)
}

// processAlive reports whether the holder is a live process on this host.
func processAlive(h *provider.LockInfo) bool {
	host, _ := os.Hostname()
	if h.Host != host || h.PID <= 0 || h.PID == os.Getpid() {
		return false
	}
	proc, err := os.FindProcess(h.PID)
	if err != nil {
		return false
	}
	err = proc.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
