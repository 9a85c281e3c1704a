package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/providertest"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// TestConformance runs the providers' shared suite against the sandbox,
// once with set-like lists read back in the order they were written and
// once shuffled (as AWS may return them).
func TestConformance(t *testing.T) {
	for _, shuffle := range []bool{false, true} {
		name := "ordered"
		if shuffle {
			name = "shuffled"
		}
		t.Run(name, func(t *testing.T) { providertest.Run(t, sandboxHarness(!shuffle)) })
	}
}

func sandboxHarness(noShuffle bool) providertest.Harness {
	filter := func(s provider.Scope) sandbox.Filter {
		return sandbox.Filter{Project: s.Project, Environment: s.Environment, Account: s.Account, Region: s.Region}
	}
	return providertest.Harness{
		Name:    "sandbox",
		Account: "111111111111",
		Region:  "eu-west-1",
		New: func(t *testing.T, _ provider.Scope) provider.Provider {
			k := sandbox.Knobs{Seed: 1, NoShuffle: noShuffle, DeploymentDuration: sandbox.Duration(50 * time.Millisecond)}
			sb, err := sandbox.Open(t.TempDir(), sandbox.Options{Knobs: &k, IgnoreEnv: true, NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			return sb
		},
		// The sandbox takes any well-formed ids as the account's network.
		Network: func(*testing.T, provider.Provider, provider.Scope) providertest.Network {
			return providertest.Network{
				VPC:            "vpc-0123456789abcdef0",
				PublicSubnets:  []string{"subnet-0123456789abcde01", "subnet-0123456789abcde02"},
				PrivateSubnets: []string{"subnet-0123456789abcde11", "subnet-0123456789abcde12"},
			}
		},
		Drift: func(t *testing.T, p provider.Provider, s provider.Scope, o *provider.Observed) {
			_, err := p.(*sandbox.Sandbox).Edit(context.Background(), filter(s), o.ID, func(props map[string]any) error {
				props["HealthCheckGracePeriodSeconds"] = 5
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		Unowned: func(t *testing.T, p provider.Provider, s provider.Scope, name string) func() bool {
			sb := p.(*sandbox.Sandbox)
			req := provider.Request{Type: catalog.LogGroup, Properties: map[string]any{"LogGroupName": name}}
			if _, err := sb.CreateUnowned(context.Background(), s.Account, s.Region, req); err != nil {
				t.Fatal(err)
			}
			return func() bool {
				_, err := sb.Get(context.Background(), sandbox.Filter{Account: s.Account, Region: s.Region, Unowned: true}, name)
				return err == nil
			}
		},
	}
}
