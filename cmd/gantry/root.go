package main

import (
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=..."; it falls
// back to the module version recorded in the binary.
var version = ""

func gantryVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "gantry",
		Short: "Declarative GitOps for AWS ECS: validate, compile, plan and apply CUE configuration",
		Long: `gantry keeps ECS applications as CUE files in git. It validates them,
compiles them into an AWS resource graph per environment, plans that graph
against live state and applies the plan stage by stage, each stage proven
healthy before the next.

Exit codes: 0 success, 1 invalid input or a failed operation, 2 usage error
or internal failure (plan --detailed-exitcode: 2 means changes).`,
		Version:       gantryVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("gantry {{.Version}}\n")
	root.PersistentFlags().Bool("no-color", false, "never colour the output (also: NO_COLOR=1)")
	root.AddCommand(
		newValidateCmd(),
		newSandboxCmd(),
		newSchemaCmd(),
		newCompileCmd(),
		newGraphCmd(),
		newPolicyCmd(),
		newPlanCmd(),
		newChangedCmd(),
		newShowCmd(),
		newApplyCmd(),
		newStatusCmd(),
		newDestroyCmd(),
		newImageCmd(),
		newPromoteCmd(),
		newUnlockCmd(),
		newVersionCmd(),
		newCommentCmd(),
		newInitCmd(),
	)
	return root
}
