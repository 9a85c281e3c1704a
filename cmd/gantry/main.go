// Command gantry is a declarative GitOps compiler for AWS ECS: it validates
// CUE configuration, compiles it into an AWS resource graph, plans that
// graph against live state and applies the plan stage by stage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one gantry command line and returns its exit code. Errors are
// printed here, once, and nowhere else.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "gantry: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything not classified is a usage error (cobra's flag and argument
	// errors) or an internal failure: exit 2.
	fmt.Fprintf(stderr, "gantry: %v\n", err)
	return 2
}

// exitError carries a command's exit code to run. A nil err means the
// command already reported everything it had to say.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// failed is exit 1 (the input is wrong or the operation failed), with err
// printed once by run; a nil err prints nothing more.
func failed(err error) error { return &exitError{code: 1, err: err} }

// usage is exit 2: the command line itself is wrong, or gantry broke.
func usage(err error) error { return &exitError{code: 2, err: err} }
