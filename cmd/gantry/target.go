package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// EnvSandbox names the sandbox directory when --sandbox is not given.
const EnvSandbox = "GANTRY_SANDBOX"

// targetFlags are the flags of every command that works on live resources
// (plan, apply, destroy, unlock): which environment, and which provider.
// Register them with register; commands share the parsing and the messages.
type targetFlags struct {
	env     string
	sandbox string
}

func (t *targetFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&t.env, "env", "", "environment to work on (required when the configuration has several)")
	cmd.Flags().StringVar(&t.sandbox, "sandbox", "",
		"work against the local sandbox account in `DIR` (created if missing) instead of AWS; or set "+EnvSandbox+"=DIR")
}

// environment returns the environment --env names. Without --env, a
// configuration with exactly one environment means that one; with several
// it is an error listing them.
func (t *targetFlags) environment(p *config.Project) (*config.Environment, error) {
	names := p.EnvNames()
	if t.env == "" {
		switch len(names) {
		case 0:
			return nil, errors.New("the configuration has no environments")
		case 1:
			return p.Environments[0], nil
		}
		return nil, fmt.Errorf("--env is required: the configuration has %d environments (%s)",
			len(names), strings.Join(names, ", "))
	}
	if e := p.Env(t.env); e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("--env %s: no such environment (have %s)", t.env, strings.Join(names, ", "))
}

// scope is the slice of the account that env of p owns.
func scope(p *config.Project, env *config.Environment) provider.Scope {
	return provider.Scope{Project: p.Name, Environment: env.Name, Account: env.Account, Region: env.Region}
}

// sandboxDir is the sandbox directory chosen by --sandbox or GANTRY_SANDBOX.
func (t *targetFlags) sandboxDir() string {
	if t.sandbox != "" {
		return t.sandbox
	}
	return os.Getenv(EnvSandbox)
}

// open returns the provider the flags select. The aws provider is not part
// of this version: without a sandbox, the error says how to choose one.
func (t *targetFlags) open() (provider.Provider, error) {
	dir := t.sandboxDir()
	if dir == "" {
		return nil, errors.New("no target account: this gantry has no AWS provider yet; " +
			"use --sandbox DIR (or set " + EnvSandbox + "=DIR) to work against a local sandbox account")
	}
	sb, err := sandbox.Open(dir, sandbox.Options{})
	if err != nil {
		return nil, fmt.Errorf("open sandbox %s: %w", dir, err)
	}
	return sb, nil
}

// useColor reports whether w is a terminal that wants colour: never with
// NO_COLOR set (https://no-color.org) or when w is a pipe or a file.
func useColor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
