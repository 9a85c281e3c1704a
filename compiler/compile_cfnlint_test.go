package compiler

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCloudFormationLint runs cfn-lint (AWS's CloudFormation linter, which
// checks every property name, type, nesting and allowed value against the
// CloudFormation resource schemas) on the golden templates. The templates
// are the compiled graphs' properties with tags placed in each type's
// shape, so a clean lint is also a check of the graph's property shapes.
// Skipped where cfn-lint is not installed.
func TestCloudFormationLint(t *testing.T) {
	if testing.Short() {
		t.Skip("cfn-lint takes a few seconds")
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed")
	}
	files, err := filepath.Glob(filepath.Join(fixturesDir, "*", "golden", "cloudformation.*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden templates (%v)", err)
	}
	out, err := exec.Command(lint, append([]string{"--format", "parseable"}, files...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("cfn-lint %v:\n%s", err, out)
	}
}
