package scaffold

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/gantry-gitops/gantry/internal/ghcomment"
)

// GoVersion is the Go toolchain the workflows install gantry with: the
// go directive of gantry's go.mod, as a setup-go version range.
const GoVersion = "1.26.x"

// WorkflowDir is where GitHub runs workflows from.
const WorkflowDir = ".github/workflows"

// Environment is one environment the apply workflow applies.
type Environment struct{ Name, Region string }

// CI is what the configuration repository's workflows need.
type CI struct {
	// GantryVersion is what go install takes: a tag, a pseudo-version or
	// a commit of github.com/gantry-gitops/gantry.
	GantryVersion string
	// Config is the configuration's directory relative to the
	// repository's root.
	Config string
	// Envs in the order they are applied.
	Envs []Environment
	// Branch is the branch applies run from.
	Branch string
}

// Region is the region the plan jobs sign in to AWS with: the first
// environment's (gantry reads each environment's own region from the
// configuration).
func (c CI) Region() string { return c.Envs[0].Region }

// GoVersion is the setup-go version.
func (CI) GoVersion() string { return GoVersion }

// App is what the application repository's image workflow needs.
type App struct {
	GantryVersion string
	// ConfigRepo is OWNER/NAME of the configuration repository, and
	// Config the configuration's directory in it.
	ConfigRepo, Config string
	// Service and Env get the new image; Repository is the ECR
	// repository it is pushed to, in Region.
	Service, Env, Repository, Region string
	Branch                           string
}

// GoVersion is the setup-go version.
func (App) GoVersion() string { return GoVersion }

// gitRef is what a branch name may look like here (no spaces, no YAML
// specials).
var gitRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)

// CIFiles renders the plan and apply workflows.
func CIFiles(c CI) ([]File, error) {
	if err := checkVersion(c.GantryVersion); err != nil {
		return nil, err
	}
	if len(c.Envs) == 0 {
		return nil, fmt.Errorf("the configuration has no environments to apply")
	}
	if !gitRef.MatchString(c.Branch) {
		return nil, fmt.Errorf("--branch %q: not a branch name", c.Branch)
	}
	if err := checkPath(c.Config); err != nil {
		return nil, err
	}
	return renderCI(c, "gantry-plan.yml", "gantry-apply.yml")
}

// AppFiles renders the image workflow.
func AppFiles(a App) ([]File, error) {
	if err := checkVersion(a.GantryVersion); err != nil {
		return nil, err
	}
	if _, _, err := ghcomment.ParseRepository(a.ConfigRepo); err != nil {
		return nil, fmt.Errorf("--config-repo: %w", err)
	}
	for _, c := range []struct {
		flag, value string
		re          *regexp.Regexp
	}{{"service", a.Service, itemName}, {"env", a.Env, envName}, {"repository", a.Repository, itemName}, {"region", a.Region, regionName}, {"branch", a.Branch, gitRef}} {
		if !c.re.MatchString(c.value) {
			return nil, fmt.Errorf("--%s %q: not a valid name", c.flag, c.value)
		}
	}
	if err := checkPath(a.Config); err != nil {
		return nil, err
	}
	return renderCI(a, "gantry-image.yml")
}

var versionRE = regexp.MustCompile(`^(v[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*|[0-9a-f]{7,40})$`)

func checkVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("gantry version %q: want a tag, a pseudo-version or a commit of github.com/gantry-gitops/gantry", v)
	}
	return nil
}

// checkPath accepts a relative, slash-separated path inside the
// repository that needs no quoting in YAML or the shell.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("--config %q: want a path relative to the repository's root, inside it", p)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9._/-]+$`).MatchString(p) {
		// The workflows write the path unquoted in YAML and shell lines.
		return fmt.Errorf("--config %q: want letters, digits and . _ - / only (the workflows name it unquoted); rename the directory", p)
	}
	return nil
}

// renderCI renders workflow templates: [[ ]] delimiters, as ${{ }} is
// GitHub's own expression syntax.
func renderCI(data any, names ...string) ([]File, error) {
	var files []File
	for _, name := range names {
		t, err := template.New(name+".tmpl").Delims("[[", "]]").Option("missingkey=error").
			Funcs(template.FuncMap{"sub": func(a, b int) int { return a - b }}).
			ParseFS(templates, "templates/ci/"+name+".tmpl")
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		files = append(files, File{Path: WorkflowDir + "/" + name, Data: b.Bytes()})
	}
	return files, nil
}

// stageRank orders the usual environment names from first to last
// applied; others go between, alphabetically.
var stageRank = map[string]int{
	"dev": 0, "development": 0, "test": 1, "qa": 1, "staging": 2, "stage": 2, "preprod": 3,
	"prod": 5, "production": 5,
}

// OrderEnvironments is the order applies go in when not given: dev, test,
// staging before prod, other names alphabetically in between.
func OrderEnvironments(envs []Environment) []Environment {
	rank := func(n string) int {
		if r, ok := stageRank[n]; ok {
			return r
		}
		return 4
	}
	out := slices.Clone(envs)
	slices.SortStableFunc(out, func(a, b Environment) int {
		if d := rank(a.Name) - rank(b.Name); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}
