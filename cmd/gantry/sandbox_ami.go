package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// newSandboxPublishAMICmd publishes a newer ECS-optimised AMI in the
// sandbox, as AWS does every few weeks.
func newSandboxPublishAMICmd(f *sandboxFlags) *cobra.Command {
	var arch, id string
	cmd := &cobra.Command{
		Use:   "publish-ami --arch arm64|x86_64 [--id ami-...]",
		Short: "Publish a newer ECS-optimised AMI, as AWS does",
		Long: `Publish a new recommended ECS-optimised Amazon Linux 2023 AMI for one
architecture, the way AWS does every few weeks: the public SSM parameter
/aws/service/ecs/optimized-ami/amazon-linux-2023[/arm64]/recommended/image_id
names the new AMI from now on, in every region (--region: in that one only).

The next plan of an EC2 cluster with ami: "recommended" shows its launch
template's ImageId changing to the new AMI, and apply replaces the
cluster's instances with an instance refresh.

Without --id the new AMI's id is derived from the current one, so the same
sandbox publishes the same sequence of ids.`,
		Example: `  gantry sandbox publish-ami --arch arm64
  gantry sandbox publish-ami --arch x86_64 --id ami-0123456789abcdef0 --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if arch == "" {
				return usage(errors.New("--arch is required: " + strings.Join(sandbox.AMIArchitectures(), " or ")))
			}
			sb, err := f.open(sandbox.Options{})
			if err != nil {
				return err
			}
			name, before, after, err := sb.PublishAMI(f.region, arch, id)
			if err != nil {
				return failed(err)
			}
			where := "every region"
			if f.region != "" {
				where = f.region
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Published %s as %s in %s (was %s).\n", after, name, where, before)
			return nil
		},
	}
	cmd.Flags().StringVar(&arch, "arch", "", "the AMI's architecture: "+strings.Join(sandbox.AMIArchitectures(), " or "))
	cmd.Flags().StringVar(&id, "id", "", "the new AMI's `ID` (ami- and 8 or 17 hex digits; default: derived from the current one)")
	return cmd
}
