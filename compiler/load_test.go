package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/gen"
)

const loadTestEnv = `package acme

project: "acme"
environments: live: {
	account: "123456789012"
	region:  "eu-central-1"
	network: {
		vpc: "vpc-0123456789abcdef0"
		publicSubnets: ["subnet-0a000001", "subnet-0a000002"]
		privateSubnets: ["subnet-0b000001", "subnet-0b000002"]
	}
}
`

// writeLoadConfig writes files (name → content) into a new directory.
func writeLoadConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoadConfig loads a configuration that must be valid.
func mustLoadConfig(t *testing.T, files map[string]string) *config.Project {
	t.Helper()
	dir := writeLoadConfig(t, files)
	p, diags, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diags)
	}
	return p
}

// loadConfigDiags loads a configuration and returns its diagnostics as text.
func loadConfigDiags(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := writeLoadConfig(t, files)
	_, diags, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
	if err != nil {
		t.Fatal(err)
	}
	return diags.String()
}

func TestLoadUsageErrors(t *testing.T) {
	if _, _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("missing directory: err = %v", err)
	}
	f := filepath.Join(t.TempDir(), "file.cue")
	os.WriteFile(f, []byte("package x\n"), 0o644)
	if _, _, err := Load(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file: err = %v", err)
	}
}

// TestSchemaDefaults: a minimal service gets every default the schema
// documents, including the ones gantry derives (scale.max, statistic,
// ingressCidrs, capacity).
func TestSchemaDefaults(t *testing.T) {
	p := mustLoadConfig(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: apps: {}
loadBalancers: web: {scheme: "internet-facing", https: certificate: "arn:aws:acm:eu-central-1:123456789012:certificate/x-1"}
repositories: shop: {}
services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	port:    80
	route: loadBalancer: "web"
	healthCheck: command: ["CMD", "/ok"]
	alarms: {
		cpu: {metric: "CPUUtilization", above: 90}
		errors: {metric: "HTTPCode_Target_5XX_Count", above: 5}
	}
	sidecars: log: image: "r/log:1"
}
`,
	})
	e := p.Env("live")
	s := e.Services[0]
	want := &config.Service{
		Name: "shop", Cluster: "apps", Image: "r/shop:1", Platform: "linux/amd64",
		CPU: 256, Memory: 512, Port: 80,
		HealthCheck: &config.ContainerHealthCheck{Command: []string{"CMD", "/ok"}, IntervalSeconds: 30, TimeoutSeconds: 5, Retries: 3},
		Route: &config.Route{
			LoadBalancer: "web", Paths: []string{"/*"},
			HealthCheck:                config.TargetHealthCheck{Path: "/", HealthyThreshold: 5, UnhealthyThreshold: 2, IntervalSeconds: 30, TimeoutSeconds: 5, Matcher: "200"},
			DeregistrationDelaySeconds: 30,
		},
		Scale: config.Scale{Min: 1, Max: 1},
		Alarms: []*config.Alarm{
			{Name: "cpu", Metric: "CPUUtilization", Above: ptrTo(90.0), ForMinutes: 5, Statistic: "Average"},
			{Name: "errors", Metric: "HTTPCode_Target_5XX_Count", Above: ptrTo(5.0), ForMinutes: 5, Statistic: "Sum"},
		},
		Deploy:   config.Deploy{CircuitBreaker: true, MinHealthyPercent: 100, MaxPercent: 200},
		Logs:     config.Logs{RetentionDays: 30},
		Sidecars: []*config.Sidecar{{Name: "log", Image: "r/log:1", Essential: true}},
	}
	if d := cmp.Diff(want, s); d != "" {
		t.Errorf("service (-want +got):\n%s", d)
	}
	wantLB := &config.LoadBalancer{
		Name: "web", Scheme: "internet-facing",
		HTTPS:              &config.HTTPS{Certificate: "arn:aws:acm:eu-central-1:123456789012:certificate/x-1", SSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"},
		IdleTimeoutSeconds: 60, IngressCIDRs: []string{"0.0.0.0/0"},
	}
	if d := cmp.Diff(wantLB, e.LoadBalancers[0]); d != "" {
		t.Errorf("load balancer (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&config.Cluster{Name: "apps", Capacity: config.Capacity{Fargate: &config.Strategy{Weight: 1}}}, e.Clusters[0]); d != "" {
		t.Errorf("cluster (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&config.Repository{Name: "shop", ScanOnPush: true, KeepImages: 100}, e.Repositories[0]); d != "" {
		t.Errorf("repository (-want +got):\n%s", d)
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestRefinement: the effective service is the unification of the
// top-level definition and the environment's refinement; the user's own
// defaults win over the schema's; disabled services are left out;
// @sensitive() marks values.
func TestRefinement(t *testing.T) {
	p := mustLoadConfig(t, map[string]string{
		"env.cue": loadTestEnv + `environments: test: {
	account: "210987654321"
	region:  "eu-central-1"
	network: {vpc: "vpc-0123456789abcdef0", privateSubnets: ["subnet-0b000009"]}
}
clusters: apps: {}
`,
		"app.cue": `package acme

services: [_]: logs: retentionDays: *14 | int
services: shop: {
	cluster: "apps"
	scale: {min: *2 | int, max: 5}
	env: TOKEN: "abc" @sensitive()
}
environments: live: services: shop: {image: "r/shop:1", scale: min: 3}
environments: test: services: shop: image: "r/shop:2"
services: tool: {cluster: "apps", image: "r/tool:1"}
environments: live: services: tool: enabled: false
`,
	})
	live, test := p.Env("live"), p.Env("test")
	if got := live.Services; len(got) != 1 || got[0].Name != "shop" {
		t.Fatalf("live services = %v, want only shop", got)
	}
	if got := test.Services; len(got) != 2 {
		t.Fatalf("test services = %d, want 2", len(got))
	}
	shopLive, shopTest := live.Services[0], test.Services[0]
	if shopLive.Image != "r/shop:1" || shopTest.Image != "r/shop:2" {
		t.Errorf("images = %q, %q", shopLive.Image, shopTest.Image)
	}
	if shopLive.Scale.Min != 3 || shopTest.Scale.Min != 2 || shopLive.Scale.Max != 5 {
		t.Errorf("scale live %+v test %+v", shopLive.Scale, shopTest.Scale)
	}
	if shopLive.Logs.RetentionDays != 14 {
		t.Errorf("retention = %d, want the user's default 14 over the schema's 30", shopLive.Logs.RetentionDays)
	}
	if ev := shopLive.Env["TOKEN"]; !ev.Sensitive || ev.Value != "abc" {
		t.Errorf("TOKEN = %+v, want sensitive abc", ev)
	}
	if names := p.EnvNames(); strings.Join(names, ",") != "live,test" {
		t.Errorf("environments = %v, want sorted", names)
	}
}

// TestReferencesSeeEnvironmentValues: a definition that refers to its own
// fields is unified whole, so the reference sees the environment's value.
func TestReferencesSeeEnvironmentValues(t *testing.T) {
	p := mustLoadConfig(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: apps: {}
services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	port:    *8080 | int
	env: PORT: "\(port)"
}
environments: live: services: shop: port: 9090
`,
	})
	if got := p.Env("live").Services[0].Env["PORT"].Value; got != "9090" {
		t.Errorf("PORT = %q, want 9090 (the environment's port)", got)
	}
}

// TestFieldMergeMatchesWholeMerge: the fast field-by-field merge gives the
// same effective configuration as CUE's unification of whole definitions.
func TestFieldMergeMatchesWholeMerge(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Options{Services: 24, Environments: 3}); err != nil {
		t.Fatal(err)
	}
	fast, d1, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
	if err != nil || d1.HasErrors() {
		t.Fatalf("fast: %v\n%s", err, d1)
	}
	whole, d2, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir, wholeMerge: true})
	if err != nil || d2.HasErrors() {
		t.Fatalf("whole: %v\n%s", err, d2)
	}
	if d := cmp.Diff(whole, fast); d != "" {
		t.Errorf("field merge differs from whole merge (-whole +fast):\n%s", d)
	}
	if d := cmp.Diff(d2.String(), d1.String()); d != "" {
		t.Errorf("diagnostics differ (-whole +fast):\n%s", d)
	}
}

// TestDiagnosticsMergeAcrossEnvironments: one mistake in a top-level
// definition is one error naming every environment.
func TestDiagnosticsMergeAcrossEnvironments(t *testing.T) {
	got := loadConfigDiags(t, map[string]string{
		"env.cue": loadTestEnv + `environments: test: {
	account: "210987654321"
	region:  "eu-central-1"
	network: {vpc: "vpc-0123456789abcdef0", privateSubnets: ["subnet-0b000009"]}
}
clusters: apps: {}
`,
		"app.cue": `package acme

services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	memory:  3000
}
`,
	})
	want := "app.cue:6:11: services.shop.memory: memory 3000 is not a Fargate size for cpu 256 (with cpu 256: 512, 1024, 2048) (environments live, test)\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestNormalize(t *testing.T) {
	ds := normalize(Diagnostics{
		{File: "b.cue", Line: 2, Column: 1, Path: "x", Message: "m", Environment: "prod", Severity: SeverityError},
		{File: "a.cue", Line: 9, Column: 1, Path: "y", Message: "n", Severity: SeverityWarning},
		{File: "b.cue", Line: 2, Column: 1, Path: "x", Message: "m", Environment: "dev", Severity: SeverityError},
		{File: "b.cue", Line: 1, Column: 5, Path: "z", Message: "o", Environment: "dev", Severity: SeverityError},
		{File: "b.cue", Line: 1, Column: 5, Path: "z", Message: "o", Severity: SeverityError},
	})
	want := Diagnostics{
		{File: "a.cue", Line: 9, Column: 1, Path: "y", Message: "n", Severity: SeverityWarning},
		{File: "b.cue", Line: 1, Column: 5, Path: "z", Message: "o", Severity: SeverityError},
		{File: "b.cue", Line: 2, Column: 1, Path: "x", Message: "m", Environment: "dev,prod", Severity: SeverityError},
	}
	if d := cmp.Diff(want, ds); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := ds[2].String(); got != "b.cue:2:1: x: m (environments dev, prod)" {
		t.Errorf("String() = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cands []string
		want  string
	}{
		{"prot", []string{"port", "path"}, "port"},
		{"memroy", []string{"memory", "cpu"}, "memory"},
		{"intervall", []string{"intervalSeconds", "path"}, "intervalSeconds"},
		{"Services", []string{"services"}, "services"},
		{"xyz", []string{"services", "clusters"}, ""},
		{"cpu", []string{"cpu"}, ""},
	} {
		if got := suggest(tc.name, tc.cands); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDescribePatterns(t *testing.T) {
	for in, want := range map[string]string{
		`invalid value "x" (out of bound =~"^[0-9]{12}$")`:                  `invalid value "x" (want an AWS account id: 12 digits)`,
		`invalid value "x" (out of bound =~"^(internet-facing|internal)$")`: `invalid value "x" (want one of "internet-facing", "internal")`,
		`invalid value "x" (out of bound =~"^z+$")`:                         `invalid value "x" (out of bound =~"^z+$")`,
	} {
		if got := describePatterns(in); got != want {
			t.Errorf("describePatterns(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSensitiveUnderPatterns: @sensitive() written under a pattern
// constraint marks the variable of every service (or sidecar, or every
// variable) it applies to, whichever value an environment gives it.
func TestSensitiveUnderPatterns(t *testing.T) {
	p := mustLoadConfig(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: apps: {}
services: [_]: env: TOKEN: *"dev-token" | string @sensitive()
services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	env: PLAIN: "visible"
	sidecars: proxy: {
		image: "r/proxy:1"
		env: [string]: string @sensitive()
		env: KEY: "k"
	}
}
environments: live: services: shop: env: TOKEN: "prod-secret"
`,
	})
	shop := p.Env("live").Services[0]
	if ev := shop.Env["TOKEN"]; !ev.Sensitive || ev.Value != "prod-secret" {
		t.Errorf("TOKEN = %+v, want sensitive prod-secret", ev)
	}
	if ev := shop.Env["PLAIN"]; ev.Sensitive {
		t.Errorf("PLAIN = %+v, want not sensitive", ev)
	}
	if ev := shop.Sidecars[0].Env["KEY"]; !ev.Sensitive {
		t.Errorf("sidecar KEY = %+v, want sensitive", ev)
	}
}

// TestClosedStructRefined: a struct the user closed with close() rejects a
// field an environment adds, as CUE's unification of the two does.
func TestClosedStructRefined(t *testing.T) {
	got := loadConfigDiags(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: apps: {}
services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	sidecars: log: close({image: "r/log:1", memory: 64})
}
environments: live: services: shop: sidecars: log: cpu: 32
`,
	})
	want := `app.cue:9:52: services.shop.sidecars.log.cpu: unknown field "cpu" (allowed: image, memory) (environment live)` + "\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestNoComparisonWithFailedValue: a check comparing two fields stays
// quiet when one of them is in error (it would compare its zero value).
func TestNoComparisonWithFailedValue(t *testing.T) {
	got := loadConfigDiags(t, map[string]string{
		"env.cue": loadTestEnv,
		"app.cue": `package acme

clusters: apps: {}
loadBalancers: edge: scheme: "internet-facing"
services: shop: {
	cluster: "apps"
	image:   "r/shop:1"
	port:    8080
	healthCheck: command: ["CMD", "true"]
	route: {loadBalancer: "edge", healthCheck: intervalSeconds: 15.0}
	scale: {min: 2, max: 4.0}
}
`,
	})
	want := "app.cue:10:62: services.shop.route.healthCheck.intervalSeconds: conflicting values 15.0 and int (mismatched types float and int) (environment live)\n" +
		"app.cue:11:23: services.shop.scale.max: conflicting values 4.0 and int (mismatched types float and int) (environment live)\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
