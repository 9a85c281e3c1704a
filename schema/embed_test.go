package schema

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// TestSchemaCompiles: the embedded schema is valid CUE, and its package
// clause is rewritten for the user's package.
func TestSchemaCompiles(t *testing.T) {
	v := cuecontext.New().CompileString(ForPackage("shop"), cue.Filename(Filename))
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ForPackage("shop"), "\npackage shop\n") || strings.Contains(ForPackage("shop"), "package gantry") {
		t.Error("package clause not rewritten")
	}
	for _, def := range []string{"#Config", "#Environment", "#Cluster", "#LoadBalancer", "#Service", "#Repository"} {
		if !v.LookupPath(cue.ParsePath(def)).Exists() {
			t.Errorf("%s missing", def)
		}
	}
}
