package scaffold

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The repository's pre-commit manifest defines the hook that the
// configurations gantry init writes refer to, and it runs gantry
// validate over the whole configuration when a .cue file changes.
func TestPreCommitManifest(t *testing.T) {
	raw, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		PassFilenames *bool  `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(raw, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 {
		t.Fatalf("%d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	if h.ID != "gantry-validate" || h.Entry != "gantry validate" || h.Language != "golang" ||
		h.PassFilenames == nil || *h.PassFilenames {
		t.Errorf("hook = %+v", h)
	}
	files := regexp.MustCompile(h.Files)
	if !files.MatchString("services/web.cue") || files.MatchString("README.md") {
		t.Errorf("files %q", h.Files)
	}
	// No invented version in the manifest's own instructions.
	if regexp.MustCompile(`rev: v[0-9]`).Match(raw) {
		t.Error("the manifest names a version tag in its example")
	}
	for _, rev := range []string{"v1.2.3", ""} {
		p := Project{Name: "shop", Env: "dev", Region: "eu-west-1", Account: "111122223333", Service: "web", PreCommitRev: rev}
		files, err := ProjectFiles(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Path == ".pre-commit-config.yaml" && !strings.Contains(string(f.Data), "- id: "+h.ID+"\n") {
				t.Errorf("rev %q: the config does not use hook %s:\n%s", rev, h.ID, f.Data)
			}
		}
	}
}
