package provider

import (
	"errors"
	"fmt"
	"time"
)

// OpError is a failed API call: which resource, which AWS operation, and
// AWS's own error code and message.
type OpError struct {
	Address   string // gantry address, when known
	Type      string // CloudFormation type
	Operation string // AWS API operation, e.g. "ecs:CreateService"
	Code      string // AWS error code, e.g. "ThrottlingException"
	Message   string
	// Retryable marks throttling and transient server errors.
	Retryable bool
	// NotFound marks a resource that does not exist.
	NotFound bool
	Err      error
}

func (e *OpError) Error() string {
	s := e.Operation
	if e.Address != "" {
		s = e.Address + ": " + s
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Message == "" && e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth trying again.
func IsRetryable(err error) bool {
	var op *OpError
	return errors.As(err, &op) && op.Retryable
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool {
	var op *OpError
	return errors.As(err, &op) && op.NotFound
}

// LockedError is returned by Lock when another process holds the lock.
type LockedError struct {
	Holder LockInfo
}

func (e *LockedError) Error() string {
	h := e.Holder
	s := fmt.Sprintf("locked by %s@%s (pid %d, %s) since %s (%s ago); lock id %s",
		h.User, h.Host, h.PID, h.Operation, h.Since.UTC().Format(time.RFC3339),
		time.Since(h.Since).Round(time.Second), h.ID)
	if h.Commit != "" {
		s += ", commit " + h.Commit
	}
	return s
}
