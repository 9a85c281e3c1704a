package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// These tests run gantry as a real process (the test binary, which
// testscript puts on PATH as "gantry"), for what a script cannot do
// deterministically: kill an apply at a chosen point, race two applies,
// plant a lock held by a crashed process on another host.

const demoProject = `package demo

project: "demo"

environments: test: {
	account: "111122223333"
	region:  "eu-west-1"
	network: {
		vpc: "vpc-0123456789abcdef0"
		publicSubnets: ["subnet-0123456789abcde01", "subnet-0123456789abcde02"]
		privateSubnets: ["subnet-0123456789abcde11", "subnet-0123456789abcde12"]
	}
}

clusters: main: {}

loadBalancers: public: scheme: "internet-facing"

repositories: api: {scanOnPush: true, keepImages: 10}

services: api: {
	cluster: "main"
	cpu:     256
	memory:  512
	port:    8080
	image:   "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0"
	healthCheck: command: ["CMD-SHELL", "true"]
	route: {
		loadBalancer: "public"
		paths: ["/api/*"]
		deregistrationDelaySeconds: 0
	}
	scale: {min: 2, max: 4, cpuTarget: 60}
	deploy: circuitBreaker: true
}

services: worker: {
	cluster: "main"
	cpu:     256
	memory:  512
	image:   "111122223333.dkr.ecr.eu-west-1.amazonaws.com/worker:1.0.0"
	scale: {min: 1, max: 1}
	deploy: circuitBreaker: true
}
`

// demoResources is how many resources demoProject compiles to.
const demoResources = 21

var demoScope = provider.Scope{Project: "demo", Environment: "test", Account: "111122223333", Region: "eu-west-1"}

type cli struct {
	t   *testing.T
	dir string // holds demo/ and sb/
	env []string
}

func newCLI(t *testing.T, env ...string) *cli {
	t.Helper()
	if _, err := exec.LookPath("gantry"); err != nil {
		t.Skip("gantry is not on PATH (run through go test)")
	}
	dir := t.TempDir()
	for _, d := range []string{"demo", "sb"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "demo", "project.cue"), []byte(demoProject), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"NO_COLOR=1", "GANTRY_SANDBOX=" + filepath.Join(dir, "sb")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GANTRY_") {
			base = append(base, kv)
		}
	}
	return &cli{t: t, dir: dir, env: append(base, env...)}
}

func (c *cli) command(args ...string) *exec.Cmd {
	cmd := exec.Command("gantry", args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	return cmd
}

// run runs gantry to the end and returns its output and exit code.
func (c *cli) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	cmd := c.command(args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		c.t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// plan returns the addresses of the creates in the JSON plan, and the
// number of no-ops.
func (c *cli) plan() (creates []string, noops int) {
	c.t.Helper()
	out, errOut, code := c.run("plan", "demo", "--env", "test", "--format", "json", "--include-noop")
	if code != 0 {
		c.t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	var p struct {
		Changes []struct{ Address, Action string }
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		c.t.Fatalf("plan json: %v\n%s", err, out)
	}
	for _, ch := range p.Changes {
		switch ch.Action {
		case "create":
			creates = append(creates, ch.Address)
		case "noop":
			noops++
		default:
			c.t.Errorf("unexpected %s %s", ch.Action, ch.Address)
		}
	}
	return creates, noops
}

// killAfter starts an apply, reads its progress until stop matches a line,
// then kills it (SIGKILL: no cleanup, no lock release) and returns the
// lines it printed.
func (c *cli) killAfter(stop func(line string) bool, args ...string) []string {
	c.t.Helper()
	cmd := c.command(args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if stop(sc.Text()) {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				c.t.Fatal(err)
			}
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		c.t.Fatalf("apply ended before the kill point:\n%s", strings.Join(lines, "\n"))
	}
	return lines
}

var createdLine = regexp.MustCompile(`^\S+Z     created  (\S+) `)

// liveCounts counts the live resources of the demo account by type, owned
// or not: a duplicate created by a retried or interrupted apply shows.
func liveCounts(t *testing.T, dir string) map[string]int {
	t.Helper()
	sb, err := sandbox.Open(filepath.Join(dir, "sb"), sandbox.Options{IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sb.Resources(context.Background(), sandbox.Filter{Account: demoScope.Account, Unowned: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rs {
		out[r.Type]++
	}
	return out
}

func checkNoDuplicates(t *testing.T, dir string) {
	t.Helper()
	total := 0
	for typ, n := range liveCounts(t, dir) {
		total += n
		if strings.HasSuffix(typ, "::TaskDefinition") && n != 2 {
			t.Errorf("%d active task definition revisions, want 2 (one per service)", n)
		}
	}
	if total != demoResources {
		t.Errorf("%d live resources in the account, want %d: %v", total, demoResources, liveCounts(t, dir))
	}
}

func TestApplyKilledMidStageResumes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		deployment string
		stop       func(seen []string) func(string) bool
	}{
		{"identity stage", "300ms", func(seen []string) func(string) bool {
			n := 0
			return func(l string) bool {
				if createdLine.MatchString(l) {
					n++
				}
				return n == 4 // of 7 in stage 1
			}
		}},
		// The deployment outlasts the next plan, so the resumed apply has
		// to wait for it.
		{"services gate", "2s", func([]string) func(string) bool {
			return func(l string) bool { return strings.Contains(l, "waiting  service/api:") }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, "GANTRY_SANDBOX_LATENCY=30ms", "GANTRY_SANDBOX_DEPLOYMENT_DURATION="+tc.deployment)
			lines := c.killAfter(tc.stop(nil), "apply", "demo", "--env", "test", "--auto-approve", "--parallelism", "1")
			created := map[string]bool{}
			for _, l := range lines {
				if m := createdLine.FindStringSubmatch(l); m != nil {
					created[m[1]] = true
				}
			}
			// The next plan shows only the rest: nothing it creates was
			// reported created, and creates + unchanged = everything.
			creates, noops := c.plan()
			for _, a := range creates {
				if created[a] {
					t.Errorf("plan creates %s again; the killed apply created it", a)
				}
			}
			if len(creates)+noops != demoResources || noops < len(created) || len(creates) == 0 {
				t.Errorf("after the kill: %d creates, %d unchanged, %d reported created", len(creates), noops, len(created))
			}
			// The killed process's lock is broken (its holder is gone) and
			// the next apply finishes.
			out, errOut, code := c.run("apply", "demo", "--env", "test", "--auto-approve")
			if code != 0 {
				t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
			}
			if !strings.Contains(out, "Apply complete") || tc.name == "services gate" && !strings.Contains(out, "healthy  service/api") {
				t.Errorf("resume output:\n%s", out)
			}
			if creates, _ := c.plan(); len(creates) != 0 {
				t.Errorf("plan after resume creates %v", creates)
			}
			checkNoDuplicates(t, c.dir)
		})
	}
}

func TestConcurrentAppliesOnlyOneProceeds(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "GANTRY_SANDBOX_DEPLOYMENT_DURATION=1s")
	type result struct {
		out, err string
		code     int
	}
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, e, code := c.run("apply", "demo", "--env", "test", "--auto-approve")
			res[i] = result{o, e, code}
		}()
	}
	wg.Wait()
	ok, locked := 0, 0
	for _, r := range res {
		switch {
		case r.code == 0 && strings.Contains(r.out, "Apply complete"):
			ok++
		case r.code == 1 && strings.Contains(r.err, "gantry: demo/test is locked by ") &&
			regexp.MustCompile(`\(pid \d+, apply\) since \S+ \(\S+ ago\); lock id [0-9a-f]{16}`).MatchString(r.err) &&
			strings.Contains(r.err, "gantry unlock --env test --force "):
			locked++
			if strings.Contains(r.out, "==> stage") {
				t.Errorf("the locked-out apply changed something:\n%s", r.out)
			}
		default:
			t.Errorf("unexpected result: exit %d\n%s\n%s", r.code, r.out, r.err)
		}
	}
	if ok != 1 || locked != 1 {
		t.Errorf("%d applied, %d locked out; want exactly one of each", ok, locked)
	}
	checkNoDuplicates(t, c.dir)

	// With --lock-timeout the second waits for the first and then finds
	// nothing left to do.
	c2 := newCLI(t, "GANTRY_SANDBOX_DEPLOYMENT_DURATION=1s")
	first := c2.command("apply", "demo", "--env", "test", "--auto-approve")
	stdout, _ := first.StdoutPipe()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "==> stage 1") {
	}
	o, e, code := c2.run("apply", "demo", "--env", "test", "--auto-approve", "--lock-timeout", "1m")
	for sc.Scan() {
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first apply: %v", err)
	}
	if code != 0 || !strings.Contains(e, "is locked by") || !strings.Contains(e, "waiting up to 1m0s") || !strings.Contains(o, "Nothing to apply.") {
		t.Errorf("waiting apply: exit %d\n%s\n%s", code, o, e)
	}
}

func TestUnlockBreaksACrashedHoldersLock(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "GANTRY_SANDBOX_DEPLOYMENT_DURATION=0")
	sb, err := sandbox.Open(filepath.Join(c.dir, "sb"), sandbox.Options{IgnoreEnv: true})
	if err != nil {
		t.Fatal(err)
	}
	// A CI runner that died mid-apply: another host, so nobody here can
	// tell whether it still runs.
	dead := provider.LockInfo{ID: "0123456789abcdef", Host: "ci-runner-7", User: "ci", PID: 4242, Commit: "9c1e0b7",
		Operation: "apply", Since: time.Now().Add(-time.Hour), Deadline: time.Now().Add(-10 * time.Minute)}
	if _, err := sb.Lock(context.Background(), demoScope, dead); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := c.run("apply", "demo", "--env", "test", "--auto-approve")
	if code != 1 || !strings.Contains(errOut, "gantry: demo/test is locked by ci@ci-runner-7 (pid 4242, apply) since ") ||
		!strings.Contains(errOut, "lock id 0123456789abcdef, commit 9c1e0b7") ||
		!strings.Contains(errOut, "gantry unlock --env test --force 0123456789abcdef") || strings.Contains(out, "==> stage") {
		t.Fatalf("apply against a held lock: exit %d\n%s\n%s", code, out, errOut)
	}
	// Held ten minutes past the holder's own deadline: stale, and said so.
	out, _, code = c.run("unlock", "demo", "--env", "test")
	if code != 0 || !strings.Contains(out, "demo/test is locked by ci@ci-runner-7") || !strings.Contains(out, "gantry unlock --env test --force 0123456789abcdef") ||
		!strings.Contains(out, "; STALE: its holder would have timed out by ") {
		t.Errorf("unlock without --force: exit %d\n%s", code, out)
	}
	// The wrong id changes nothing and shows who holds the lock.
	_, errOut, code = c.run("unlock", "demo", "--env", "test", "--force", "ffffffffffffffff")
	if code != 1 || !strings.Contains(errOut, "gantry: demo/test is locked by ci@ci-runner-7 (pid 4242, apply) since ") ||
		!strings.Contains(errOut, "lock id 0123456789abcdef, commit 9c1e0b7; STALE: ") ||
		!strings.Contains(errOut, "\n  not ffffffffffffffff: nothing broken") {
		t.Errorf("unlock with the wrong id: exit %d\n%s", code, errOut)
	}
	if h, err := sb.LockHolder(demoScope); err != nil || h == nil || h.ID != dead.ID {
		t.Fatalf("after unlock with the wrong id the holder is %+v (%v), want %s", h, err, dead.ID)
	}
	out, errOut, code = c.run("unlock", "demo", "--env", "test", "--force", "0123456789abcdef")
	if code != 0 || !strings.Contains(out, "Broke the lock of demo/test (id 0123456789abcdef, held by ci@ci-runner-7") {
		t.Fatalf("unlock: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = c.run("unlock", "demo", "--env", "test")
	if code != 0 || !strings.Contains(out, "demo/test is not locked.") {
		t.Errorf("after unlock: exit %d\n%s", code, out)
	}
	if out, errOut, code := c.run("apply", "demo", "--env", "test", "--auto-approve"); code != 0 {
		t.Fatalf("apply after unlock: exit %d\n%s\n%s", code, out, errOut)
	}

	// A holder on this host that is still running (this test) is not
	// broken, even with the right id.
	host, _ := os.Hostname()
	alive := provider.LockInfo{ID: "aaaaaaaaaaaaaaaa", Host: host, User: "me", PID: os.Getpid(), Operation: "apply", Since: time.Now()}
	release, err := sb.Lock(context.Background(), demoScope, alive)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, errOut, code = c.run("unlock", "demo", "--env", "test", "--force", "aaaaaaaaaaaaaaaa")
	if code != 1 || !strings.Contains(errOut, "is still running; stop it, or let it finish, instead of breaking its lock") {
		t.Errorf("unlock of a live holder: exit %d\n%s", code, errOut)
	}
}

func TestConfirmation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		tty  bool
		want string // "" = proceed
	}{
		{"yes\n", true, ""},
		{"  yes  \n", true, ""},
		{"y\n", true, "apply cancelled"},
		{"", true, "apply cancelled: no answer"},
		{"yes\n", false, "refusing to apply without confirmation: stdin is not a terminal"},
	} {
		var out bytes.Buffer
		err := askConfirmation(strings.NewReader(tc.in), &out, tc.tty, "Apply these changes to demo/test (sandbox)?", "apply")
		var ee *exitError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.want != "" && (!errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q tty=%v: err %v, want exit 1 %q", tc.in, tc.tty, err, tc.want)
		}
		if tc.tty && !strings.Contains(out.String(), "Apply these changes to demo/test (sandbox)?\n  Only 'yes' is accepted: ") {
			t.Errorf("prompt: %q", out.String())
		}
	}
}
