package main

import (
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gantry": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

var update = flag.Bool("update", false, "rewrite the cmp files of the scripts in testdata/script")

// TestScripts runs the CLI golden tests in testdata/script. Run with
// -update (go test ./cmd/gantry -update) to rewrite the files that cmp
// compares with, inside the scripts, then review the diff.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			// No colour, no CI annotations unless a script asks for them.
			e.Setenv("NO_COLOR", "1")
			e.Setenv("GITHUB_ACTIONS", "")
			// Never the EC2 instance metadata endpoint: a script that
			// reaches for AWS without credentials must fail at once, with
			// no traffic off this machine.
			e.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			return nil
		},
		// git-go builds git repositories with go-git (gitcmd_test.go).
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"git-go": cmdGitGo},
	})
}
