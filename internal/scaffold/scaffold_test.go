package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/schema"
)

func TestWriteRefusesAnyExistingFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(dir, []File{{Path: "a", Data: []byte("x")}, {Path: "b", Data: []byte("y")}})
	var ee *ExistsError
	if !errors.As(err, &ee) || !slices.Equal(ee.Paths, []string{"b"}) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a was written")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "b")); string(got) != "mine" {
		t.Errorf("b = %q", got)
	}
}

// A write that fails half-way removes what it wrote.
func TestWriteIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	// "c/d" cannot be created: c is a file written first.
	err := Write(dir, []File{{Path: "a", Data: []byte("x")}, {Path: "c", Data: []byte("y")}, {Path: "c/d", Data: []byte("z")}})
	if err == nil {
		t.Fatal("no error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestProjectName(t *testing.T) {
	for in, want := range map[string]string{
		"shop": "shop", "My_Site": "my-site", "x": "", "9lives": "", "a-very-long-project-name-indeed": "a-very-long-project",
		"--ok--": "ok",
	} {
		if got := ProjectName(in); got != want {
			t.Errorf("ProjectName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrderEnvironments(t *testing.T) {
	in := []Environment{{Name: "prod"}, {Name: "perf"}, {Name: "dev"}, {Name: "staging"}, {Name: "demo"}}
	var got []string
	for _, e := range OrderEnvironments(in) {
		got = append(got, e.Name)
	}
	if want := []string{"dev", "staging", "demo", "perf", "prod"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

func TestProjectFilesCheckFlags(t *testing.T) {
	p := Project{Name: "shop", Env: "dev", Region: "eu-west-1", Account: "111122223333", Service: "web"}
	files, err := ProjectFiles(p)
	if err != nil || len(files) != 9 || files[6].Path != "services/web.cue" {
		t.Fatalf("files %v, err %v", len(files), err)
	}
	p.Region = "us-gov-west-1"
	if _, err := ProjectFiles(p); err != nil {
		t.Errorf("GovCloud region refused: %v", err)
	}
	p.Service = "Web"
	if _, err := ProjectFiles(p); err == nil {
		t.Error("service Web accepted")
	}
}

// The flag checks use the schema's own patterns.
func TestPatternsAreTheSchemas(t *testing.T) {
	for _, re := range []*regexp.Regexp{projectName, envName, itemName, accountID, regionName} {
		if !strings.Contains(schema.Source, `"`+re.String()+`"`) {
			t.Errorf("pattern %s is not in the schema", re)
		}
	}
}

func TestValidateReportsInvalidFiles(t *testing.T) {
	err := Validate([]File{{Path: "a.cue", Data: []byte("package x\n\nproject: \"ab\"\nenvironments: dev: {account: \"1\", region: \"eu-west-1\"}\n")}})
	if err == nil || !strings.HasPrefix(err.Error(), "the new configuration would not validate: ") || !strings.Contains(err.Error(), `environments.dev.account: invalid value "1" (want an AWS account id: 12 digits)`) {
		t.Errorf("err = %v", err)
	}
}
