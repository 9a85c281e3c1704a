package provider

import (
	"errors"
	"fmt"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
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
	if h.Stale(time.Now()) {
		s += fmt.Sprintf("; STALE: its holder would have timed out by %s, so it died without releasing the lock",
			h.Deadline.UTC().Format(time.RFC3339))
	}
	return s
}

// ChildError is Delete refusing, before it deletes anything, to delete a
// resource because of one of its children (catalog.Type.Children: what
// AWS deletes with it, or what makes AWS refuse to delete it) that the
// deleting scope must not touch: a child without the scope's ownership
// tags (gantry did not create it, or another environment did), or one
// gantry keeps (graph.TagRetain). Nothing was changed. It is never
// retryable: the child stays until a person deletes or moves it.
type ChildError struct {
	// The resource that was not deleted.
	Address, Type, ID string
	// The child, by type and id; ChildOwner names who owns it ("" when
	// it has no gantry ownership tags), ChildAddress its gantry address
	// when it has one; Retained is set for a child gantry keeps.
	ChildType, ChildID, ChildOwner, ChildAddress string
	Retained                                     bool
	// Cascades is true when AWS would delete the child with the
	// resource, false when AWS refuses the delete because of it.
	Cascades bool
}

func (e *ChildError) Error() string {
	whose := "has no gantry ownership tags (gantry did not create it)"
	switch {
	case e.Retained:
		whose = fmt.Sprintf("is %s, kept by gantry (retainOnDelete)", e.ChildAddress)
	case e.ChildOwner != "":
		whose = fmt.Sprintf("belongs to %s", e.ChildOwner)
		if e.ChildAddress != "" {
			whose += " (" + e.ChildAddress + ")"
		}
	}
	what := "AWS refuses to delete it while that exists"
	if e.Cascades {
		what = "deleting it would delete that too"
	}
	s := e.ID
	if e.Address != "" {
		s = e.Address
	}
	return fmt.Sprintf("%s: not deleted: its %s %s %s, and %s; gantry never deletes what it does not own: delete or move that %s yourself first",
		s, shortType(e.ChildType), e.ChildID, whose, what, shortType(e.ChildType))
}

// shortType is the catalog's short noun for a type.
func shortType(typ string) string {
	if t, ok := catalog.Lookup(typ); ok && t.Short != "" {
		return t.Short
	}
	return typ
}

// IsChildError reports whether err is a delete refused because of a
// child gantry must not touch.
func IsChildError(err error) bool {
	var ce *ChildError
	return errors.As(err, &ce)
}
