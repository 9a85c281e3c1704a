package applytest

import (
	"context"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
	"github.com/gantry-gitops/gantry/provider/providertest"
)

// TestConformance runs the providers' shared suite (provider/providertest,
// the one the sandbox passes in provider/sandbox) against the AWS
// provider, with the AWS API emulator as the account. The emulator is
// started once for this test binary (TestMain).
//
// Where the emulator and the AWS API reference disagree the reference
// wins: the provider normalises as the reference says, and the suite is
// told which read-back differences are the emulator's (Harness.Tolerate,
// awstest.EmulatorOnly: every one is listed with the reference's words in
// internal/awstest/plan.go). The provider is never tuned to the emulator.
// The suite's configuration meets these (the suite logs each change it
// tolerates):
//   - the Auto Scaling group's HealthCheckGracePeriod reads 300, where
//     CreateAutoScalingGroup's reference says "Default: 0 seconds" (the
//     configuration does not set it, so no apply sends it and the
//     difference stays);
//   - the launch template's own tags (CreateLaunchTemplate's
//     TagSpecifications, resource type launch-template) read back inside
//     its LaunchTemplateData, where the reference keeps them apart, and the
//     group's LaunchTemplate.Version follows that difference.
func TestConformance(t *testing.T) {
	awstest.Need(t)
	providertest.Run(t, awsHarness())
}

func awsHarness() providertest.Harness {
	return providertest.Harness{
		Name:    "aws",
		Account: awstest.Account,
		Region:  awstest.Region,
		New: func(t *testing.T, scope provider.Scope) provider.Provider {
			awstest.Need(t)
			p, err := aws.New(context.Background(), scope, aws.Options{HTTPClient: awstest.HTTPClient()})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		// The VPC and subnets exist before gantry runs: made with the SDK.
		Network: func(t *testing.T, _ provider.Provider, _ provider.Scope) providertest.Network {
			n := awstest.MakeNetwork(t)
			return providertest.Network{
				VPC:            n.VPC(),
				PublicSubnets:  []string{n.Public(0), n.Public(1)},
				PrivateSubnets: []string{n.Private(0), n.Private(1)},
			}
		},
		// Someone in the console sets the grace period: ecs:UpdateService.
		Drift: func(t *testing.T, _ provider.Provider, _ provider.Scope, o *provider.Observed) {
			t.Helper()
			if o == nil {
				t.Fatal("no live service to drift")
			}
			cluster, _ := o.Properties["Cluster"].(string)
			_, err := ecs.NewFromConfig(sdkConfig(t)).UpdateService(context.Background(), &ecs.UpdateServiceInput{
				Cluster: awssdk.String(cluster), Service: awssdk.String(o.ID),
				HealthCheckGracePeriodSeconds: awssdk.Int32(5),
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		// A log group made with the SDK, without gantry's tags.
		Unowned: func(t *testing.T, _ provider.Provider, _ provider.Scope, name string) func() bool {
			t.Helper()
			logs := cloudwatchlogs.NewFromConfig(sdkConfig(t))
			if _, err := logs.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: awssdk.String(name)}); err != nil {
				t.Fatal(err)
			}
			return func() bool {
				out, err := logs.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: awssdk.String(name)})
				if err != nil {
					t.Errorf("DescribeLogGroups %s: %v", name, err)
					return false
				}
				for _, g := range out.LogGroups {
					if awssdk.ToString(g.LogGroupName) == name {
						return true
					}
				}
				return false
			}
		},
		Tolerate: awstest.EmulatorOnly,
	}
}

// sdkConfig is the SDK's configuration for calls made behind gantry's
// back, against the emulator (awstest.Need set the endpoint).
func sdkConfig(t *testing.T) awssdk.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(awstest.Region), config.WithHTTPClient(awstest.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
