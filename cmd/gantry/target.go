package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/internal/gitinfo"
	"github.com/gantry-gitops/gantry/internal/suggest"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// EnvSandbox names the sandbox directory when --sandbox is not given.
const EnvSandbox = sandbox.EnvDir

// targetFlags are the flags of every command that works on live resources
// (plan, apply, destroy, unlock): which environment, and which provider.
// Register them with register; commands share the parsing and the messages.
type targetFlags struct {
	env     string
	sandbox string
	// readOnly: the command only reads live state (plan); the sandbox is
	// opened read-only.
	readOnly bool
	// ref (plan --ref) reads the configuration at a git revision.
	ref string
}

func (t *targetFlags) register(cmd *cobra.Command) {
	envFlag(cmd, &t.env, "environment to work on (required when the configuration has several)")
	cmd.Flags().StringVar(&t.sandbox, "sandbox", "",
		"work against the local sandbox account in `DIR` (an existing directory; gantry sandbox init makes one) instead of AWS; or set "+EnvSandbox+"=DIR")
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
	return nil, noSuchEnv(p, t.env)
}

// noSuchEnv says that p has no environment name, which it has, and which
// one was likely meant.
func noSuchEnv(p *config.Project, name string) error {
	names := p.EnvNames()
	msg := fmt.Sprintf("--env %s: no such environment (have %s)", name, strings.Join(names, ", "))
	if s := suggest.Closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return errors.New(msg)
}

// envFlag registers --env, completed from the environments of the
// configuration the command line names.
func envFlag(cmd *cobra.Command, p *string, usage string) {
	cmd.Flags().StringVar(p, "env", "", usage)
	_ = cmd.RegisterFlagCompletionFunc("env", func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		proj, _, err := compiler.Load(dirArg(args))
		if err != nil || proj == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return proj.EnvNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

// scope is the slice of the account that env of p owns.
func scope(p *config.Project, env *config.Environment) provider.Scope {
	return provider.Scope{Project: p.Name, Environment: env.Name, Account: env.Account, Region: env.Region}
}

// sandboxDir is the sandbox directory chosen by --sandbox (flag) or
// GANTRY_SANDBOX.
func sandboxDir(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(EnvSandbox)
}

// open returns the provider the flags select: the sandbox with --sandbox
// or GANTRY_SANDBOX, AWS otherwise, through the SDK's standard credential
// chain and, when the environment names one, its role (access). The AWS
// provider checks that the credentials are in sc's account before any
// other call; a provider that cannot be opened is exit 1.
func (t *targetFlags) open(ctx context.Context, sc provider.Scope, access *config.AWSAccess) (provider.Provider, error) {
	if dir := sandboxDir(t.sandbox); dir != "" {
		sb, err := sandbox.Open(dir, sandbox.Options{ReadOnly: t.readOnly})
		if err != nil {
			return nil, failed(err)
		}
		return sb, nil
	}
	opts := aws.Options{Logger: slog.Default()}
	if access != nil {
		opts.RoleARN, opts.ExternalID = access.RoleARN, access.ExternalID
	}
	p, err := aws.New(ctx, sc, opts)
	if err != nil {
		return nil, failed(err)
	}
	return p, nil
}

// workspace is one environment of a configuration and the account it
// targets: what plan, apply, destroy and unlock start from.
type workspace struct {
	project *config.Project
	env     *config.Environment
	scope   provider.Scope
	prov    provider.Provider
	git     gitinfo.Info
	// warnings are the configuration's warnings about the environment,
	// as printed: the plan carries them (planner.WarnConfig).
	warnings []string
	// config identifies the configuration by content (Plan.Config).
	config *planner.ConfigSource
}

// workspace loads the configuration in dir (printing its diagnostics),
// picks the environment --env names and opens the provider. An invalid
// configuration is exit 1, and so is a provider that cannot be opened (AWS
// credentials for another account); no such environment is a usage error
// (exit 2).
func (t *targetFlags) workspace(cmd *cobra.Command, dir string) (*workspace, error) {
	src := &source{dir: dir, ref: t.ref}
	ld, warnings, err := loadSourceWarnings(cmd, src, t.env)
	if err != nil {
		return nil, err
	}
	p := ld.Project
	env, err := t.environment(p)
	if err != nil {
		return nil, usage(err)
	}
	sc := scope(p, env)
	prov, err := t.open(cmd.Context(), sc, env.AWS)
	if err != nil {
		return nil, err
	}
	git, err := gitinfo.Read(dir)
	if err != nil {
		slog.Warn("cannot read the git commit of the configuration", "dir", dir, "err", err)
	}
	if src.commit != nil {
		git = gitinfo.Info{Commit: src.commit.Hash}
	}
	cs, err := configSource(ld, env)
	if err != nil {
		return nil, failed(err)
	}
	return &workspace{project: p, env: env, scope: sc, prov: prov, git: git, warnings: warnings, config: cs}, nil
}

// compile compiles the workspace's environment with the listener rule
// priorities the planner pins to the live ones.
func (w *workspace) compile(pinned map[string]int) (*graph.Graph, error) {
	return compiler.Compile(w.env, w.project.Name, compiler.CompileOptions{PinnedPriorities: pinned})
}

// plan plans the workspace's environment against live state (planner.Make),
// recording the gantry version and git commit; now is the plan's clock
// (nil: time.Now).
func (w *workspace) plan(ctx context.Context, now func() time.Time) (*planner.Plan, error) {
	plan, err := planner.Make(ctx, w.prov, w.scope, w.compile, planner.Options{
		Provider:      w.prov.Name(),
		GantryVersion: gantryVersion(),
		Commit:        w.git.Commit,
		Dirty:         w.git.Dirty,
		Now:           now,
	})
	if err != nil {
		return nil, failed(err)
	}
	plan.Config = w.config
	// The configuration's warnings go with the plan, so that a review
	// of the markdown comment sees them too.
	for _, msg := range w.warnings {
		plan.Warnings = append(plan.Warnings, planner.Warning{Kind: planner.WarnConfig, Message: msg})
	}
	return plan, nil
}

// planNow opens the workspace of dir and plans it, on the clock plans
// record (planTime: SOURCE_DATE_EPOCH when set): what plan and status
// both start from.
func (t *targetFlags) planNow(cmd *cobra.Command, dir string) (*workspace, *planner.Plan, error) {
	ws, err := t.workspace(cmd, dir)
	if err != nil {
		return nil, nil, err
	}
	now, err := planTime()
	if err != nil {
		return nil, nil, failed(err)
	}
	plan, err := ws.plan(cmd.Context(), now)
	if err != nil {
		return nil, nil, err
	}
	return ws, plan, nil
}

// dirArg is the configuration directory a command was given, "." if none.
func dirArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// useColor reports whether w is a terminal that wants colour: never with
// --no-color, with NO_COLOR set (https://no-color.org), or when w is a
// pipe or a file.
func useColor(cmd *cobra.Command, w io.Writer) bool {
	if off, _ := cmd.Flags().GetBool("no-color"); off {
		return false
	}
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// suggestedCommand is a gantry command line printed for the user to run
// next: gantry NAME, the directory unless it is ".", the flags, and the
// --sandbox this command was given (without it, a copied line would go to
// AWS), every word quoted for sh where it needs to be.
func suggestedCommand(name, dir, sandboxFlag string, flags ...string) string {
	words := []string{"gantry", name}
	if dir != "." {
		words = append(words, shellWord(dir))
	}
	for _, f := range flags {
		words = append(words, shellWord(f))
	}
	if sandboxFlag != "" {
		words = append(words, "--sandbox", shellWord(sandboxFlag))
	}
	return strings.Join(words, " ")
}

// shellWord quotes s for sh when it holds anything but letters, digits and
// ./_-:+=@ (a path with a space, say).
func shellWord(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./_-:+=@", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
