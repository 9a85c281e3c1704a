package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
)

type policyFlags struct {
	env      string
	maxChars int
}

func newPolicyCmd() *cobra.Command {
	f := &policyFlags{}
	cmd := &cobra.Command{
		Use:   "policy [DIR]",
		Short: "Print the least-privilege IAM policy that deploying an environment needs",
		Long: `Print the IAM policy (JSON) the identity that deploys one environment of the
configuration in DIR (default ".") needs: for plan, apply, destroy and
unlock, every AWS action gantry calls and nothing else, plus the actions
AWS checks on gantry's behalf (iam:PassRole, and for EC2 capacity
ec2:RunInstances).

Actions are scoped to the environment's account and region and to the
project's resources: creates to the exact names gantry gives them and to
gantry's ownership tags in the request (gantry:project, gantry:environment);
changes and deletions to the project's name pattern ({project}-{env}-*)
and to the ownership tags on the resource, so that deleting what the
configuration no longer has is allowed too; iam:PassRole to the roles
gantry makes, each for the service that assumes it. Statements AWS does
not let gantry scope by name say why in their Sid. Output is stable: the
same configuration prints the same bytes.

Attach it to the role the environment's aws.roleArn names (or to the CI
identity). IAM counts a policy's characters without whitespace and allows
10,240 in a role's inline policies and 6,144 in a managed policy: a policy
longer than the inline limit prints a warning; --max-chars N prints a JSON
array of documents instead, each at most N characters, that together grant
exactly the same (for several managed policies: --max-chars 6144).
docs/aws.md explains each statement and lists every call.
An invalid configuration prints the validation diagnostics and exits 1.`,
		Example: `  gantry policy --env prod
  gantry policy ./deploy --env staging > deployer-policy.json
  aws iam put-role-policy --role-name gantry-deployer --policy-name gantry \
    --policy-document "$(gantry policy --env prod)"
  gantry policy --env prod --max-chars 6144 | jq -c '.[]' | while read -r doc; do
    aws iam create-policy --policy-name "gantry-prod-$((++n))" --policy-document "$doc"; done`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPolicy(cmd, dirArg(args), f)
		},
	}
	envFlag(cmd, &f.env, "environment whose deployer policy to print (required when there are several)")
	cmd.Flags().IntVar(&f.maxChars, "max-chars", 0, "print a JSON array of policy documents of at most this many characters each (6144: managed policies)")
	return cmd
}

func runPolicy(cmd *cobra.Command, dir string, f *policyFlags) error {
	g, err := compileOne(cmd, dir, f.env)
	if err != nil {
		return err
	}
	doc, err := aws.Policy(g, provider.Scope{Project: g.Project, Environment: g.Environment,
		Account: g.Account, Region: g.Region})
	if err != nil {
		return failed(err)
	}
	var v any = doc
	switch {
	case f.maxChars < 0:
		return usage(fmt.Errorf("--max-chars %d: want a positive number of characters", f.maxChars))
	case f.maxChars > 0:
		parts, err := aws.Split(doc, f.maxChars)
		if err != nil {
			return usage(fmt.Errorf("--max-chars %d: %w", f.maxChars, err))
		}
		v = parts
	case doc.Size() > aws.InlinePolicyMaxChars:
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: warning: the policy is %d characters; IAM allows %d in a role's inline policies and %d in a managed policy: split it with --max-chars %d\n",
			doc.Size(), aws.InlinePolicyMaxChars, aws.ManagedPolicyMaxChars, aws.ManagedPolicyMaxChars)
	}
	out, err := marshalJSON(v)
	if err != nil {
		return usage(err)
	}
	_, err = cmd.OutOrStdout().Write(out)
	return err
}
