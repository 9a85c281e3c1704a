package compiler

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/cloudformation"
	"github.com/gantry-gitops/gantry/graph"
)

// fixturesDir holds the compile fixtures: CUE repositories, each with its
// reviewed outputs in golden/.
const fixturesDir = "../testdata/fixtures"

var update = flag.Bool("update", false, "rewrite the golden files of the compile fixtures ("+fixturesDir+"/*/golden)")

// TestCompileGolden loads each fixture through the loader, compiles every
// environment and compares with the reviewed outputs in golden/: the JSON
// that `gantry compile` prints, the CloudFormation template and the Mermaid
// drawing of each environment. Run with -update to rewrite them
// (go test ./compiler -run Golden -update), then review the diff line by
// line (the checklist is in testdata/fixtures/README.md).
func TestCompileGolden(t *testing.T) {
	for _, name := range []string{"fargate-web", "ec2-batch", "shared-alb", "ec2-fleet"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixturesDir, name)
			p, diags, err := Load(dir)
			if err != nil || diags.HasErrors() {
				t.Fatalf("load: %v %v", err, diags)
			}
			graphs, err := CompileProject(p, CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			masked := make([]*graph.Graph, len(graphs))
			for i, g := range graphs {
				checkInvariants(t, g)
				masked[i] = g.Masked()
			}
			files := map[string][]byte{
				"compile.json": graphJSON(t, struct {
					Project      string         `json:"project"`
					Environments []*graph.Graph `json:"environments"`
				}{p.Name, masked}),
			}
			for _, g := range graphs {
				tmpl, err := cloudformation.Template(g)
				if err != nil {
					t.Fatal(err)
				}
				checkTemplate(t, tmpl)
				files["cloudformation."+g.Environment+".json"] = graphJSON(t, tmpl)
				var mmd bytes.Buffer
				if err := graph.WriteMermaid(&mmd, g); err != nil {
					t.Fatal(err)
				}
				files["graph."+g.Environment+".mmd"] = mmd.Bytes()
			}
			for file, got := range files {
				path := filepath.Join(dir, "golden", file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./compiler -run Golden -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file (go test ./compiler -run Golden -update after review; -want +got):\n%s", path,
						cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")))
				}
			}
		})
	}
}
