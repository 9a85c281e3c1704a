package aws

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gantry-gitops/gantry/provider"
)

// lockName is the SSM parameter that is scope's apply lock.
func lockName(scope provider.Scope) string {
	return "/gantry/" + scope.Project + "/" + scope.Environment + "/lock"
}

// Lock implements provider.Provider: PutParameter with Overwrite=false is
// a conditional create, so of two applies only one makes the parameter;
// the other gets ParameterAlreadyExists and the holder's LockInfo.
func (p *Provider) Lock(ctx context.Context, scope provider.Scope, info provider.LockInfo) (func() error, error) {
	name := lockName(scope)
	body, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	_, err = p.w.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(string(body)), Type: ssmtypes.ParameterTypeString,
		Overwrite:   aws.Bool(false),
		Description: aws.String("gantry apply lock of " + scope.Project + "/" + scope.Environment),
	})
	if isCode(err, "ParameterAlreadyExists") {
		holder, rerr := p.readLock(ctx, name)
		if rerr != nil {
			return nil, fmt.Errorf("lock %s is held, and reading who holds it failed: %w", name, rerr)
		}
		if holder == nil {
			// Released between the two calls: the caller tries again.
			return nil, &provider.OpError{Operation: "ssm:PutParameter", Code: "ParameterAlreadyExists",
				Message: "lock " + name + " was released while being read", Retryable: true}
		}
		return nil, &provider.LockedError{Holder: *holder}
	}
	if err != nil {
		return nil, opError(err, name, "")
	}
	p.log.Debug("aws: lock taken", "parameter", name, "id", info.ID)
	release := func() error {
		// A fresh context: a release after the apply's context ended (an
		// interrupt) must still drop the lock.
		return p.unlock(context.WithoutCancel(ctx), scope, info.ID, true)
	}
	return release, nil
}

// readLock returns the holder of the lock parameter, or nil when there
// is none.
func (p *Provider) readLock(ctx context.Context, name string) (*provider.LockInfo, error) {
	out, err := p.r.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if isCode(err, "ParameterNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, opError(err, name, "")
	}
	var info provider.LockInfo
	if out.Parameter == nil || json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &info) != nil {
		return nil, fmt.Errorf("lock parameter %s does not hold gantry's lock information; delete it by hand if no apply is running", name)
	}
	return &info, nil
}

// Unlock implements provider.Provider: it deletes the lock parameter when
// it holds the lock with the given id; no lock, or one with another id,
// is an error (as in the sandbox).
func (p *Provider) Unlock(ctx context.Context, scope provider.Scope, id string) error {
	return p.unlock(ctx, scope, id, false)
}

// unlock deletes the lock with the given id; goneOK says a lock that is
// not there is not an error (a release after someone broke the lock).
func (p *Provider) unlock(ctx context.Context, scope provider.Scope, id string, goneOK bool) error {
	name := lockName(scope)
	holder, err := p.readLock(ctx, name)
	if err != nil {
		return err
	}
	if holder == nil {
		if goneOK {
			return nil
		}
		return fmt.Errorf("%s/%s is not locked (no SSM parameter %s)", scope.Project, scope.Environment, name)
	}
	if holder.ID != id {
		return fmt.Errorf("lock %s is held by id %s, not %s: %w", name, holder.ID, id, &provider.LockedError{Holder: *holder})
	}
	// SSM has no conditional delete: between the read and the delete
	// another holder cannot appear, because the parameter still exists.
	_, err = p.w.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
	if err != nil && !isCode(err, "ParameterNotFound") {
		return opError(err, name, "")
	}
	p.log.Debug("aws: lock released", "parameter", name, "id", id)
	return nil
}

// LockHolder returns who holds scope's apply lock, or nil (for `gantry
// unlock` to show the holder before breaking it).
func (p *Provider) LockHolder(ctx context.Context, scope provider.Scope) (*provider.LockInfo, error) {
	return p.readLock(ctx, lockName(scope))
}
