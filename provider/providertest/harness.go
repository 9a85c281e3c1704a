package providertest

import (
	"testing"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// Harness is what the suite needs of the provider under test.
type Harness struct {
	// Name is the provider's name in plans ("sandbox", "aws").
	Name string
	// New returns the provider for scope's account and region, ready to
	// use; the suite gives each test its own project and environment.
	New func(t *testing.T, scope provider.Scope) provider.Provider
	// Network returns a VPC and subnets that exist in the account (two
	// public, two private, in two availability zones).
	Network func(t *testing.T, p provider.Provider, scope provider.Scope) Network
	// Drift changes the live service o behind gantry's back, as someone
	// in the console would: its health check grace period becomes 5
	// seconds (the suite's configuration leaves ECS's default, 0).
	Drift func(t *testing.T, p provider.Provider, scope provider.Scope, o *provider.Observed)
	// Unowned creates a log group named name in the account without
	// gantry's ownership tags, and returns a func that reports whether it
	// still exists.
	Unowned func(t *testing.T, p provider.Provider, scope provider.Scope, name string) (exists func() bool)
	// Tolerate, when set, reports a planned change that is not the
	// provider's: a read-back difference where the account under test (an
	// API emulator) and the AWS API reference disagree, and the provider
	// follows the reference. The suite does not count such changes; nil
	// tolerates none.
	Tolerate func(c *planner.Change) bool
	// Account and Region are the account slice the tests run in.
	Account, Region string
}

// Network is the existing VPC a configuration runs in.
type Network struct {
	VPC            string
	PublicSubnets  []string
	PrivateSubnets []string
}
