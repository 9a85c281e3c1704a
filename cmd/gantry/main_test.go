package main

import (
	"flag"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gantry-gitops/gantry/internal/ghcomment/ghfake"
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
//
// Besides gantry, scripts have two commands of their own: git-go builds
// and reads git repositories with go-git (gitcmd_test.go), and ghserver
// runs a fake GitHub API that records the requests (ghserver_test.go).
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
			// Never GitHub itself: a token or repository of the machine
			// running the tests must not reach a script (ghserver sets
			// GITHUB_API_URL to the fake when a script starts one).
			for _, k := range []string{"GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_SERVER_URL", "GITHUB_RUN_ID"} {
				e.Setenv(k, "")
			}
			e.Values[ghServerKey{}] = new(*ghfake.Server)
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"git-go":   cmdGitGo,
			"ghserver": cmdGHServer,
		},
	})
}
