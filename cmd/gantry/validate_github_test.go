package main

import (
	"bytes"
	"testing"

	"github.com/gantry-gitops/gantry/compiler"
)

// GitHub's workflow commands: %, CR and LF are escaped in the message;
// properties also escape : and , (they separate properties).
func TestGitHubAnnotationEscaping(t *testing.T) {
	diags := compiler.Diagnostics{{
		File: "a:b,c/x.cue", Line: 3, Column: 5, Path: "services.a,b",
		Message: "100% wrong\r\nsecond: line", Severity: compiler.SeverityError, Environment: "prod,staging",
	}, {
		File: "y.cue", Message: "no line", Severity: compiler.SeverityWarning,
	}}
	var b bytes.Buffer
	writeGitHubAnnotations(&b, diags, false, func(f string) string { return "deploy/" + f })
	want := "::error file=deploy/a%3Ab%2Cc/x.cue,line=3,col=5,title=services.a%2Cb::100%25 wrong%0D%0Asecond: line (environment prod, staging)\n" +
		"::warning file=deploy/y.cue::no line\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	writeGitHubAnnotations(&b, diags[1:], true, func(f string) string { return f })
	if want := "::error file=y.cue::no line\n"; b.String() != want {
		t.Errorf("strict: got %q, want %q", b.String(), want)
	}
}
