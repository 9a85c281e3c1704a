package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gantry": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI golden tests in testdata/script. Set
// GANTRY_UPDATE_GOLDEN=1 to rewrite cmp files after reviewing the change.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: os.Getenv("GANTRY_UPDATE_GOLDEN") == "1",
		Setup: func(e *testscript.Env) error {
			// No colour, no CI annotations unless a script asks for them.
			e.Setenv("NO_COLOR", "1")
			e.Setenv("GITHUB_ACTIONS", "")
			return nil
		},
	})
}
