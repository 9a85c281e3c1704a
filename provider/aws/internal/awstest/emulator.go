// Package awstest holds what the AWS provider's tests share: the AWS API
// emulator harness and a fixture graph of every resource type.
package awstest

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The integration tests run against the AWS API emulator in
// ../shared/tools/aws-emulator (relative to the repository root): one
// emulator per test binary, started by TestMain with up.sh and stopped at
// the end. Without it (or without python3) they skip with the reason.

// Account and Region are the emulator's account and region (a region
// whose ECS-optimised AMI parameters it keeps).
const (
	Account = "111111111111"
	Region  = "eu-west-1"
)

// emulatorEnv holds the variables up.sh exported; emulatorSkip says why
// there is no emulator.
var (
	emulatorEnv  map[string]string
	emulatorSkip string
)

// Main is a test binary's TestMain: it starts one emulator (when there is
// one), runs the tests and stops it.
func Main(m *testing.M) {
	flag.Parse()
	pids, err := startEmulator()
	if err != nil {
		emulatorSkip = err.Error()
	}
	code := m.Run()
	for _, pid := range pids {
		// up.sh starts each process in its own session (setsid): kill the
		// process group, by id.
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	os.Exit(code)
}

// emulatorDir finds shared/tools/aws-emulator beside the repository root
// (the directory holding go.mod, above the test's package directory).
func emulatorDir() (string, error) {
	root, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(root)
		if up == root {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		root = up
	}
	dir := filepath.Join(root, "..", "shared", "tools", "aws-emulator")
	if _, err := os.Stat(filepath.Join(dir, "up.sh")); err != nil {
		return "", fmt.Errorf("no AWS emulator at %s (up.sh): the integration tests need ../shared/tools/aws-emulator beside the repository", dir)
	}
	return dir, nil
}

func startEmulator() ([]int, error) {
	if testing.Short() {
		return nil, fmt.Errorf("-short: the emulator is not started")
	}
	dir, err := emulatorDir()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("python3"); err != nil {
		return nil, fmt.Errorf("python3 is not installed: the AWS emulator needs it")
	}
	check := exec.Command("/usr/bin/python3", "-c", "import moto.server, cbor2, boto3")
	check.Env = append(os.Environ(), "PYTHONPATH="+dir)
	if check.Run() != nil {
		// setup.sh installs Debian's python3 packages (apt-get): only
		// when they are missing.
		if out, err := exec.Command(filepath.Join(dir, "setup.sh")).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("the AWS emulator's setup.sh failed: %v\n%s", err, out)
		}
	}
	out, err := exec.Command(filepath.Join(dir, "up.sh"), Account, Region).Output()
	if err != nil {
		return nil, fmt.Errorf("starting the AWS emulator (up.sh): %v", err)
	}
	env := map[string]string{}
	var pids []int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "export "):
			for _, kv := range strings.Fields(strings.TrimPrefix(line, "export ")) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
		case strings.HasPrefix(line, "PIDS "):
			for _, f := range strings.Fields(line)[1:] {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				}
			}
		}
	}
	if env["AWS_ENDPOINT_URL"] == "" {
		return pids, fmt.Errorf("up.sh printed no AWS_ENDPOINT_URL:\n%s", out)
	}
	emulatorEnv = env
	return pids, nil
}

// Need skips t without the emulator and points the SDK at it.
func Need(t testing.TB) {
	t.Helper()
	if emulatorSkip != "" {
		t.Skip("AWS emulator unavailable: " + emulatorSkip)
	}
	for k, v := range emulatorEnv {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
}
