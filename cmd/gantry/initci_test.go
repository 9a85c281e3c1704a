package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Concurrency *concurrency      `yaml:"concurrency"`
	Jobs        map[string]job    `yaml:"jobs"`
}

type concurrency struct {
	Group            string `yaml:"group"`
	CancelInProgress *bool  `yaml:"cancel-in-progress"`
}

type job struct {
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	If          string            `yaml:"if"`
	Environment string            `yaml:"environment"`
	Concurrency *concurrency      `yaml:"concurrency"`
	Strategy    map[string]any    `yaml:"strategy"`
	Outputs     map[string]string `yaml:"outputs"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// pinned are the third-party actions the workflows may use, at major
// versions that exist.
var pinned = []string{
	"actions/checkout@v4", "actions/setup-go@v5", "actions/upload-artifact@v4",
	"aws-actions/configure-aws-credentials@v4", "aws-actions/amazon-ecr-login@v2",
	"docker/setup-buildx-action@v3", "docker/build-push-action@v6",
}

const threeEnvs = `package acme

project: "acme"
_net: {
	vpc: "vpc-0123456789abcdef0"
	publicSubnets: ["subnet-0123456789abcde01", "subnet-0123456789abcde02"]
	privateSubnets: ["subnet-0123456789abcde11", "subnet-0123456789abcde12"]
}
environments: {
	prod: {account: "222222222222", region: "eu-west-1", network: _net}
	dev: {account: "111111111111", region: "eu-central-1", network: _net}
	staging: {account: "111111111111", region: "eu-west-1", network: _net}
}
clusters: main: {}
services: api: {cluster: "main", image: "registry.acme.test/api:1.0.0"}
`

// runGantry runs one command line in process and returns its exit code,
// stdout and stderr.
func runGantry(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func readWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

func TestInitCIWorkflows(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deploy", "acme.cue"), []byte(threeEnvs), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runGantry(t, "init", "ci", "--dir", dir, "--config", "deploy", "--gantry-version", "v0.3.0"); code != 0 {
		t.Fatalf("init ci: exit %d: %s", code, stderr)
	}
	app := t.TempDir()
	if code, _, stderr := runGantry(t, "init", "ci", "--app", "--dir", app, "--config-repo", "acme/deploy", "--config", "deploy",
		"--service", "api", "--env", "dev", "--gantry-version", "v0.3.0"); code != 0 {
		t.Fatalf("init ci --app: exit %d: %s", code, stderr)
	}
	plan := readWorkflow(t, filepath.Join(dir, ".github/workflows/gantry-plan.yml"))
	apply := readWorkflow(t, filepath.Join(dir, ".github/workflows/gantry-apply.yml"))
	image := readWorkflow(t, filepath.Join(app, ".github/workflows/gantry-image.yml"))

	t.Run("plan", func(t *testing.T) { checkPlanWorkflow(t, plan) })
	t.Run("apply", func(t *testing.T) { checkApplyWorkflow(t, apply) })
	t.Run("image", func(t *testing.T) { checkImageWorkflow(t, image) })
	for name, w := range map[string]workflow{"plan": plan, "apply": apply, "image": image} {
		t.Run(name+"/actions", func(t *testing.T) { checkActions(t, w) })
		t.Run(name+"/commands", func(t *testing.T) { checkGantryCommands(t, w) })
	}
}

func checkPlanWorkflow(t *testing.T, w workflow) {
	if _, ok := w.On["pull_request"]; !ok {
		t.Errorf("on = %v, want pull_request", w.On)
	}
	// Least privilege: read-only but for the plan job, which needs an
	// OIDC token for AWS and writes the comment.
	if want := map[string]string{"contents": "read"}; !equalMaps(w.Permissions, want) {
		t.Errorf("permissions = %v, want %v", w.Permissions, want)
	}
	for name, j := range w.Jobs {
		want := map[string]string(nil)
		if name == "plan" {
			want = map[string]string{"contents": "read", "pull-requests": "write", "id-token": "write"}
		}
		if !equalMaps(j.Permissions, want) {
			t.Errorf("job %s: permissions %v, want %v", name, j.Permissions, want)
		}
	}
	if w.Env["GANTRY_VERSION"] != "v0.3.0" || w.Env["GANTRY_CONFIG"] != "deploy" {
		t.Errorf("env = %v", w.Env)
	}
	// One run per pull request: a newer push cancels the older run, whose
	// plan would otherwise overwrite the newer sticky comment.
	if c := w.Concurrency; c == nil || c.Group != "gantry-plan-${{ github.event.pull_request.number }}" || c.CancelInProgress == nil || !*c.CancelInProgress {
		t.Errorf("concurrency = %+v, want one group per pull request, cancelling in progress", c)
	}
	if got := sortedKeys(w.Jobs); !slices.Equal(got, []string{"changed", "plan", "validate"}) {
		t.Fatalf("jobs = %v", got)
	}
	if needs(w.Jobs["changed"]) != "validate" || needs(w.Jobs["plan"]) != "changed" {
		t.Errorf("needs: changed %v, plan %v", w.Jobs["changed"].Needs, w.Jobs["plan"].Needs)
	}
	if !hasRun(w.Jobs["validate"], `gantry validate "$GANTRY_CONFIG" --format github`) {
		t.Error("validate job: no gantry validate --format github")
	}
	if !hasRun(w.Jobs["changed"], `gantry changed "$GANTRY_CONFIG" --base "origin/$BASE_REF" --format json`) ||
		w.Jobs["changed"].Outputs["environments"] == "" {
		t.Error("changed job: no gantry changed --base, or no environments output")
	}
	p := w.Jobs["plan"]
	matrix, _ := p.Strategy["matrix"].(map[string]any)
	if matrix["environment"] != "${{ fromJSON(needs.changed.outputs.environments) }}" || p.If == "" {
		t.Errorf("plan job: matrix %v, if %q", p.Strategy, p.If)
	}
	wantUses(t, p, "actions/checkout@v4", "actions/setup-go@v5", "aws-actions/configure-aws-credentials@v4", "actions/upload-artifact@v4")
	if role := withOf(p, "aws-actions/configure-aws-credentials@v4")["role-to-assume"]; role != "${{ vars.GANTRY_PLAN_ROLE_ARN }}" {
		t.Errorf("plan job: role-to-assume %v", role)
	}
	for _, c := range []string{`gantry plan "$GANTRY_CONFIG" --env "$ENV_NAME" --base "origin/$BASE_REF" --out`, `gantry show`, `gantry comment --pr "$PR_NUMBER" --env "$ENV_NAME"`} {
		if !hasRun(p, c) {
			t.Errorf("plan job: no %q", c)
		}
	}
	if s := stepRunning(p, "gantry comment"); s == nil || s.Env["GITHUB_TOKEN"] != "${{ secrets.GITHUB_TOKEN }}" {
		t.Error("comment step without GITHUB_TOKEN")
	}
}

func checkApplyWorkflow(t *testing.T, w workflow) {
	push, _ := w.On["push"].(map[string]any)
	if branches, _ := push["branches"].([]any); len(branches) != 1 || branches[0] != "main" {
		t.Errorf("on = %v, want push to main", w.On)
	}
	if w.Permissions["id-token"] != "write" || w.Permissions["contents"] != "read" {
		t.Errorf("permissions = %v", w.Permissions)
	}
	// Applied in order: dev, staging, prod, each after the one before.
	order := []string{"dev", "staging", "prod"}
	if got := sortedKeys(w.Jobs); !slices.Equal(got, []string{"apply-dev", "apply-prod", "apply-staging"}) {
		t.Fatalf("jobs = %v", got)
	}
	for i, env := range order {
		j := w.Jobs["apply-"+env]
		want := ""
		if i > 0 {
			want = "apply-" + order[i-1]
		}
		if needs(j) != want {
			t.Errorf("apply-%s needs %v, want %q", env, j.Needs, want)
		}
		if j.Environment != env {
			t.Errorf("apply-%s: environment %q", env, j.Environment)
		}
		if j.Concurrency == nil || j.Concurrency.Group != "gantry-apply-"+env || j.Concurrency.CancelInProgress == nil || *j.Concurrency.CancelInProgress {
			t.Errorf("apply-%s: concurrency %+v, want group gantry-apply-%s, cancel-in-progress false", env, j.Concurrency, env)
		}
		wantUses(t, j, "actions/checkout@v4", "actions/setup-go@v5", "aws-actions/configure-aws-credentials@v4")
		with := withOf(j, "aws-actions/configure-aws-credentials@v4")
		region := map[string]string{"dev": "eu-central-1", "staging": "eu-west-1", "prod": "eu-west-1"}[env]
		if with["role-to-assume"] != "${{ vars.GANTRY_APPLY_ROLE_ARN }}" || with["aws-region"] != region {
			t.Errorf("apply-%s: credentials %v", env, with)
		}
		planAt := stepIndex(j, `gantry plan "$GANTRY_CONFIG" --env `+env+` --out "$RUNNER_TEMP/`+env+`.plan"`)
		applyAt := stepIndex(j, `gantry apply "$GANTRY_CONFIG" --plan "$RUNNER_TEMP/`+env+`.plan" --auto-approve`)
		if planAt < 0 || applyAt < planAt {
			t.Errorf("apply-%s: plan at step %d, apply --plan at %d: want the plan applied after it is made", env, planAt, applyAt)
		}
		// Only the branch's tip is applied: a re-run of an older run, or
		// a job queued behind a newer push, must not put an older
		// configuration back.
		tipAt := stepIndex(j, `if [ "$(git rev-parse FETCH_HEAD)" = "$GITHUB_SHA" ]; then`)
		if tipAt < 0 || j.Steps[tipAt].ID != "tip" || !strings.Contains(j.Steps[tipAt].Run, `git fetch --depth=1 origin "$GANTRY_BRANCH"`) || tipAt > planAt {
			t.Errorf("apply-%s: no tip check (id tip) before the plan (at %d, plan at %d)", env, tipAt, planAt)
		}
		for _, at := range []int{planAt, applyAt} {
			if at >= 0 && j.Steps[at].If != "steps.tip.outputs.current == 'true'" {
				t.Errorf("apply-%s: step %d runs whether or not the commit is the tip (if %q)", env, at, j.Steps[at].If)
			}
		}
	}
}

func checkImageWorkflow(t *testing.T, w workflow) {
	for _, ev := range []string{"push", "workflow_dispatch"} {
		if _, ok := w.On[ev]; !ok {
			t.Errorf("on = %v, want %s", w.On, ev)
		}
	}
	if w.Permissions["id-token"] != "write" {
		t.Errorf("permissions = %v", w.Permissions)
	}
	if w.Concurrency == nil || w.Concurrency.Group != "gantry-image-api-dev" {
		t.Errorf("concurrency = %+v", w.Concurrency)
	}
	b, r := w.Jobs["build"], w.Jobs["release"]
	wantUses(t, b, "actions/checkout@v4", "aws-actions/configure-aws-credentials@v4", "aws-actions/amazon-ecr-login@v2", "docker/setup-buildx-action@v3", "docker/build-push-action@v6")
	if with := withOf(b, "docker/build-push-action@v6"); with["push"] != true {
		t.Errorf("build-push-action: %v", with)
	}
	if !hasRun(b, `image=$REGISTRY/$ECR_REPOSITORY:$GITHUB_SHA@$DIGEST`) {
		t.Error("build job: the image is not pinned by digest")
	}
	if needs(r) != "build" {
		t.Errorf("release needs %v", r.Needs)
	}
	if with := withOf(r, "actions/checkout@v4"); with["repository"] != "acme/deploy" || with["token"] != "${{ secrets.GANTRY_CONFIG_TOKEN }}" {
		t.Errorf("release checkout: %v", with)
	}
	// The image crosses jobs as an output: a masked account id in it
	// would make GitHub drop it.
	if with := withOf(b, "aws-actions/configure-aws-credentials@v4"); with["mask-aws-account-id"] != false {
		t.Errorf("build credentials: mask-aws-account-id %v, want false", with["mask-aws-account-id"])
	}
	set := stepIndex(r, `gantry image set "$SERVICE" "$IMAGE" --env "$ENV_NAME" --dir deploy --commit`)
	push := stepIndex(r, "git push origin HEAD")
	if set < 0 || push != set {
		t.Errorf("release: image set at step %d, git push at %d", set, push)
	}
	// A commit that reached the repository first is not a failed release:
	// the push is retried on top of it, the result validated again.
	for _, c := range []string{"git pull --rebase origin HEAD", "gantry validate deploy"} {
		if stepIndex(r, c) != set {
			t.Errorf("release: no %q in the step that sets the image and pushes", c)
		}
	}
}

// checkActions: every action is one of the pinned major versions.
func checkActions(t *testing.T, w workflow) {
	for name, j := range w.Jobs {
		for _, s := range j.Steps {
			if s.Uses != "" && !slices.Contains(pinned, s.Uses) {
				t.Errorf("job %s uses %s, not one of %v", name, s.Uses, pinned)
			}
		}
	}
}

// checkGantryCommands fails the test for each problem gantryProblems
// finds.
func checkGantryCommands(t *testing.T, w workflow) {
	problems, n := gantryProblems(t, w)
	for _, p := range problems {
		t.Error(p)
	}
	if n == 0 {
		t.Error("no gantry command lines found")
	}
}

// gantryProblems runs --help of every gantry command line in the
// workflow's run steps through the root command, and checks that each
// flag the line uses is in that help; it returns what is wrong and how
// many lines it checked.
func gantryProblems(t *testing.T, w workflow) (problems []string, n int) {
	for name, j := range w.Jobs {
		for _, s := range j.Steps {
			for _, line := range gantryLines(s.Run) {
				n++
				path, flags := commandPath(shellWords(line)[1:])
				code, help, stderr := runGantry(t, append(path, "--help")...)
				if code != 0 {
					problems = append(problems, fmt.Sprintf("job %s: %q: gantry %s --help: exit %d, %s", name, line, strings.Join(path, " "), code, stderr))
					continue
				}
				for _, f := range flags {
					if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(f) + `\b`).MatchString(help) {
						problems = append(problems, fmt.Sprintf("job %s: %q: gantry %s has no flag %s", name, line, strings.Join(path, " "), f))
					}
				}
			}
		}
	}
	return problems, n
}

// commandPath splits a gantry command line's words into the subcommand
// path (the bare words before the first flag or argument) and the flags.
func commandPath(words []string) (path, flags []string) {
	args := false
	for _, wd := range words {
		switch {
		case strings.HasPrefix(wd, "-"):
			flag, _, _ := strings.Cut(wd, "=")
			flags = append(flags, flag)
			args = true
		case !args && regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(wd):
			path = append(path, wd)
		default:
			args = true
		}
	}
	return path, flags
}

// The check finds an unknown flag and an unknown command.
func TestGantryProblemsCanFail(t *testing.T) {
	w := workflow{Jobs: map[string]job{"j": {Steps: []step{{Run: "gantry plan --env x --no-such-flag\ngantry no-such-command --env x\necho gantry plan --bogus"}}}}}
	problems, n := gantryProblems(t, w)
	if n != 2 || len(problems) != 2 ||
		!strings.Contains(problems[0], "gantry plan has no flag --no-such-flag") ||
		!strings.Contains(problems[1], "gantry no-such-command --help: exit") {
		t.Errorf("%d lines, problems %q", n, problems)
	}
}

// gantryLines are the lines of a run script that start a gantry command.
func gantryLines(script string) []string {
	var out []string
	for _, l := range strings.Split(script, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "gantry ") {
			out = append(out, l)
		}
	}
	return out
}

// shellWords splits a command line into words the way sh would for the
// simple lines of a workflow (quotes removed), up to a redirection, pipe
// or command separator.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune(">|;&", r):
			if inWord {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

func TestShellWords(t *testing.T) {
	got := shellWords(`gantry plan "$GANTRY_CONFIG" --env 'a b' --out x > y`)
	want := []string{"gantry", "plan", "$GANTRY_CONFIG", "--env", "a b", "--out", "x"}
	if !slices.Equal(got, want) {
		t.Errorf("shellWords = %q, want %q", got, want)
	}
}

func needs(j job) string {
	switch n := j.Needs.(type) {
	case string:
		return n
	case []any:
		var s []string
		for _, v := range n {
			s = append(s, v.(string))
		}
		return strings.Join(s, ",")
	}
	return ""
}

func hasRun(j job, sub string) bool { return stepRunning(j, sub) != nil }

func stepRunning(j job, sub string) *step {
	if i := stepIndex(j, sub); i >= 0 {
		return &j.Steps[i]
	}
	return nil
}

func stepIndex(j job, sub string) int {
	return slices.IndexFunc(j.Steps, func(s step) bool { return strings.Contains(s.Run, sub) })
}

func withOf(j job, uses string) map[string]any {
	for _, s := range j.Steps {
		if s.Uses == uses {
			return s.With
		}
	}
	return nil
}

func wantUses(t *testing.T, j job, uses ...string) {
	t.Helper()
	for _, u := range uses {
		if !slices.ContainsFunc(j.Steps, func(s step) bool { return s.Uses == u }) {
			t.Errorf("no step uses %s", u)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
