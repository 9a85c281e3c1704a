package aws

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated table of API calls in docs/aws.md")

const (
	docsPath   = "../../docs/aws.md"
	tableBegin = "<!-- api-calls:begin -->\n"
	tableEnd   = "<!-- api-calls:end -->\n"
)

// apiCallsTable is the Markdown table of APICalls and DependentActions in
// docs/aws.md.
func apiCallsTable() string {
	var sb strings.Builder
	sb.WriteString("| action | kind | why |\n|---|---|---|\n")
	for _, c := range APICalls() {
		by := "write"
		if c.Read {
			by = "read"
		}
		sb.WriteString("| `" + c.Action + "` | " + by + " | " + strings.ReplaceAll(c.Why, "|", `\|`) + " |\n")
	}
	sb.WriteString("\nChecked by AWS during those calls (not calls of their own), and granted by `gantry policy`:\n\n")
	sb.WriteString("| action | why |\n|---|---|\n")
	dep := make([]string, 0, len(DependentActions))
	for a := range DependentActions {
		dep = append(dep, a)
	}
	sort.Strings(dep)
	for _, a := range dep {
		sb.WriteString("| `" + a + "` | " + DependentActions[a] + " |\n")
	}
	return sb.String()
}

// TestDocsListEveryAPICall: the table in docs/aws.md is exactly
// APICalls (and DependentActions). Run with -update-docs to rewrite it.
func TestDocsListEveryAPICall(t *testing.T) {
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q block", docsPath, tableBegin, tableEnd)
	}
	want := apiCallsTable()
	got := doc[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(docsPath, []byte(doc[:i+len(tableBegin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(got, "\n") {
		if f := strings.Split(line, "`"); len(f) > 2 && strings.HasPrefix(line, "| `") {
			listed[f[1]] = true
		}
	}
	for _, c := range APICalls() {
		if !listed[c.Action] {
			t.Errorf("%s does not list %s", docsPath, c.Action)
		}
		delete(listed, c.Action)
	}
	for a := range DependentActions {
		delete(listed, a)
	}
	for a := range listed {
		t.Errorf("%s lists %s, which is not in APICalls", docsPath, a)
	}
	t.Errorf("%s: the table of API calls is not APICalls(): run go test ./provider/aws -run TestDocsListEveryAPICall -update-docs", docsPath)
}
