package applytest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

// TestEmulatorCLIShop is the "done when", tried as a new user
// would: the gantry binary against the emulator as the AWS endpoint, on
// the shared example (its network and certificate made in the emulator
// first, their ids written into a copy of the configuration). apply
// creates everything; a second plan is empty; a change behind gantry's
// back is drift, undone by the next apply; an image change touches only
// the task definition and the service; a crash-looping image fails the
// apply with exit 1; planning prod with staging's credentials is refused;
// destroy removes everything gantry made and nothing else.
func TestEmulatorCLIShop(t *testing.T) {
	awstest.Need(t)
	src := sharedShop(t)
	dir := copyShop(t, src)
	bin := buildGantry(t)
	g := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GANTRY_SANDBOX=", "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Fatalf("gantry %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return string(out)
	}

	// plan saves a plan and returns its changes other than those the
	// emulator alone makes (awstest.EmulatorOnly: where it answers
	// otherwise than the AWS API reference, the reference wins).
	plan := func() []*planner.Change {
		t.Helper()
		path := filepath.Join(t.TempDir(), "staging.plan")
		g(0, "plan", "--env", "staging", "--out", path)
		p, err := planner.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var out []*planner.Change
		for _, c := range p.Changes {
			if c.Action != planner.NoOp && !awstest.EmulatorOnly(c) {
				out = append(out, c)
			}
		}
		return out
	}
	wantChanges := func(what string, cs []*planner.Change, want ...string) {
		t.Helper()
		var got []string
		for _, c := range cs {
			got = append(got, string(c.Action)+" "+c.Address)
		}
		sort.Strings(got)
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("%s: plan %q, want %q", what, got, want)
			for _, c := range cs {
				for _, d := range c.Diffs {
					t.Logf("  %s %s: %v -> %v", c.Address, d.Path, d.Before, d.After)
				}
			}
		}
	}

	g(0, "validate")
	out := g(0, "apply", "--env", "staging", "--auto-approve")
	if !strings.Contains(out, "Apply complete") {
		t.Fatalf("apply:\n%s", out)
	}
	wantChanges("after apply", plan())

	// Drift: the service's grace period changed in the console.
	ecsClient := ecs.NewFromConfig(cliSDK(t))
	cluster, name := liveService(t, "staging", "service/api")
	if _, err := ecsClient.UpdateService(context.Background(), &ecs.UpdateServiceInput{
		Cluster: awssdk.String(cluster), Service: awssdk.String(name), HealthCheckGracePeriodSeconds: awssdk.Int32(5),
	}); err != nil {
		t.Fatal(err)
	}
	drift := plan()
	wantChanges("drift", drift, "update service/api")
	for _, c := range drift {
		if c.Cause != planner.CauseDrift {
			t.Errorf("%s: cause %q, want drift", c.Address, c.Cause)
		}
	}
	g(0, "apply", "--env", "staging", "--auto-approve")
	wantChanges("after the drift was undone", plan())

	// An image change: a new revision and the service, nothing else.
	setImage(t, dir, "api:1.8.0", "api:1.8.1")
	wantChanges("image change", plan(), "delete service/api/task-definition#1", "update service/api", "update service/api/task-definition")
	g(0, "apply", "--env", "staging", "--auto-approve")
	wantChanges("after the image change", plan())

	// A crash-looping image fails the apply at the service's health gate.
	setImage(t, dir, "api:1.8.1", "api:1.8.2-crashloop")
	if out := g(1, "apply", "--env", "staging", "--auto-approve"); !strings.Contains(out, "service/api") {
		t.Errorf("the failed apply does not name service/api:\n%s", out)
	}
	setImage(t, dir, "api:1.8.2-crashloop", "api:1.8.1")

	// prod with staging's credentials: refused by the account guard.
	out = g(1, "plan", "--env", "prod")
	if !strings.Contains(out, "the credentials are for account 111111111111") || !strings.Contains(out, "in account 222222222222: refusing to read or write anything") {
		t.Errorf("plan of prod with staging's credentials:\n%s", out)
	}

	// destroy removes what gantry made, and a log group it did not make stays.
	logs := cloudwatchlogs.NewFromConfig(cliSDK(t))
	if _, err := logs.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: awssdk.String("/not/gantrys")}); err != nil {
		t.Fatal(err)
	}
	g(0, "destroy", "--env", "staging", "--auto-approve", "--include-data")
	if cs := plan(); len(cs) == 0 || slices.ContainsFunc(cs, func(c *planner.Change) bool { return c.Action != planner.Create }) {
		t.Errorf("after destroy the plan is not everything to create: %d changes", len(cs))
	}
	lg, err := logs.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: awssdk.String("/not/gantrys")})
	if err != nil || len(lg.LogGroups) != 1 {
		t.Errorf("destroy touched a log group gantry does not own: %v %v", lg, err)
	}
}

// copyShop copies the example and replaces its staging network and
// certificate with ones made in the emulator.
func copyShop(t *testing.T, src string) string {
	t.Helper()
	proj, diags, err := compiler.Load(src)
	if err != nil || diags.HasErrors() {
		t.Fatalf("loading %s: %v %v", src, err, diags)
	}
	ids := emulatorIDs(t, proj.Env("staging"), func() string { return requestCertificate(t) })
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		for from, to := range ids {
			s = strings.ReplaceAll(s, from, to)
		}
		return os.WriteFile(filepath.Join(dst, rel), []byte(s), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// buildGantry builds the CLI for the test.
func buildGantry(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gantry")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gantry-gitops/gantry/cmd/gantry")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// liveService is the cluster and name of the live service at addr.
func liveService(t *testing.T, env, addr string) (cluster, name string) {
	t.Helper()
	scope := provider.Scope{Project: "shop", Environment: env, Account: awstest.Account, Region: awstest.Region}
	p, err := aws.New(context.Background(), scope, aws.Options{HTTPClient: awstest.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	live, err := p.ListOwned(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range live {
		if o.Address == addr {
			c, _ := o.Properties["Cluster"].(string)
			n, _ := o.Properties["ServiceName"].(string)
			return c, n
		}
	}
	t.Fatalf("no live %s", addr)
	return "", ""
}

func setImage(t *testing.T, dir, from, to string) {
	t.Helper()
	path := filepath.Join(dir, "services", "api.cue")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), from) {
		t.Fatalf("%s has no %s", path, from)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliSDK is the SDK's configuration for the calls this test makes behind
// gantry's back, against the emulator (awstest.Need set the endpoint).
func cliSDK(t *testing.T) awssdk.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(awstest.Region), config.WithHTTPClient(awstest.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// requestCertificate asks the emulator's ACM for a certificate: the
// configuration takes only ACM certificates, and listeners check that it
// exists.
func requestCertificate(t *testing.T) string {
	t.Helper()
	out, err := acm.NewFromConfig(cliSDK(t)).RequestCertificate(context.Background(), &acm.RequestCertificateInput{
		DomainName: awssdk.String("shop.example.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return awssdk.ToString(out.CertificateArn)
}
