package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/internal/gitcommit"
	"github.com/gantry-gitops/gantry/internal/scaffold"
)

type initFlags struct {
	project, env, region, account, service string
	git                                    bool
	preCommitRev                           string
}

func newInitCmd() *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a configuration repository: project, environment, service, pre-commit",
		Long: `Init writes a new configuration repository in DIR (default "."): the
project, one environment, one Fargate cluster, a load balancer, one
service behind it with its ECR repository, a policy file, a .gitignore
that keeps saved plans (*.plan) and a local sandbox out of git, and a
pre-commit config running gantry validate on every commit that changes a
.cue file.

The environment's account, VPC and subnets are placeholders the local
sandbox accepts, so the new repository validates and plans at once
(see the examples); put your own in before planning against AWS.

The pre-commit config names gantry's hook at the tag or commit this gantry
was built from; a build that knows neither (a development build) writes a
local hook that runs the gantry on PATH instead (--pre-commit-rev names a
tag or full commit of gantry to use).

Init never overwrites: when any file it would write exists, it writes
nothing and exits 1. With --git it also makes DIR a git repository (branch
main) with the files as its first commit (through go-git; the author is
GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL or git's user.name/user.email).

Then gantry init ci writes the GitHub Actions workflows (docs/ci.md).
A DIR named ci must be written ./ci.

Exit codes: 0 written, 1 a file exists or writing failed, 2 usage error.`,
		Example: `  gantry init shop --project shop --env staging --region eu-west-1
  cd shop
  gantry validate
  gantry sandbox init --sandbox .sandbox
  gantry plan --env staging --sandbox .sandbox

  gantry init --git --account 123456789012    # in an empty directory`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd, dirArg(args), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.project, "project", "", "the project name (default: DIR's name, if it is a valid one)")
	fl.StringVar(&f.env, "env", "dev", "the environment's name")
	fl.StringVar(&f.region, "region", "eu-west-1", "the environment's AWS region")
	fl.StringVar(&f.account, "account", "111122223333", "the environment's AWS account id (the default is a placeholder)")
	fl.StringVar(&f.service, "service", "web", "the service's name")
	fl.BoolVar(&f.git, "git", false, "git init DIR (branch main) and commit the files")
	fl.StringVar(&f.preCommitRev, "pre-commit-rev", "", "the revision of gantry's pre-commit hook: a tag or full commit of gantry that exists")
	cmd.AddCommand(newInitCICmd())
	return cmd
}

func runInit(cmd *cobra.Command, dir string, f *initFlags) error {
	p, err := initProject(dir, f)
	if err != nil {
		return usage(err)
	}
	files, err := scaffold.ProjectFiles(p)
	if err != nil {
		return usage(err)
	}
	// Everything that could stop --git is checked before anything is
	// written.
	var id gitcommit.Identity
	if f.git {
		if err := scaffold.CheckNotInRepo(dir); err != nil {
			return failed(err)
		}
		if id, err = scaffold.NewRepoIdentity(time.Now()); err != nil {
			return failed(err)
		}
	}
	if err := scaffold.Write(dir, files); err != nil {
		return failed(err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Wrote project %s (environment %s, service %s) in %s:\n", p.Name, p.Env, p.Service, dir)
	for _, file := range files {
		fmt.Fprintf(out, "  %s\n", file.Path)
	}
	if f.git {
		commit, err := scaffold.InitRepo(dir, files, id, fmt.Sprintf("gantry init: project %s, environment %s, service %s", p.Name, p.Env, p.Service))
		if err != nil {
			return failed(err)
		}
		fmt.Fprintf(out, "Initialised a git repository on branch main: commit %s.\n", commit[:12])
	}
	fmt.Fprintf(out, "\nNext:\n%s", initNextSteps(dir, p.Env))
	return nil
}

// initProject is the scaffold's input from the flags and DIR.
func initProject(dir string, f *initFlags) (scaffold.Project, error) {
	p := scaffold.Project{
		Name: f.project, Env: f.env, Region: f.region, Account: f.account, Service: f.service,
		PreCommitRev: f.preCommitRev,
	}
	if p.Name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return p, err
		}
		if p.Name = scaffold.ProjectName(filepath.Base(abs)); p.Name == "" {
			return p, fmt.Errorf("no project name in the directory's name %q: pass --project NAME", filepath.Base(abs))
		}
	}
	if p.PreCommitRev == "" {
		p.PreCommitRev = gantryRevision()
	}
	return p, p.Check()
}

// initNextSteps are the commands that take a new repository from files
// to a plan against the local sandbox.
func initNextSteps(dir, env string) string {
	cd := ""
	if dir != "." {
		cd = "  cd " + dir + "\n"
	}
	return cd + `  gantry validate
  gantry sandbox init --sandbox .sandbox
  gantry plan --env ` + env + ` --sandbox .sandbox
  gantry init ci       # GitHub Actions workflows
`
}

// releaseTag is a semantic version tag, not a Go pseudo-version (which
// names a commit no tag points at).
var (
	releaseTag = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	pseudo     = regexp.MustCompile(`[0-9]{14}-[0-9a-f]{12}$`)
	fullCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// gantryRevision is a revision of gantry's repository that exists and
// that this binary was built from, for the pre-commit config.
func gantryRevision() string { return revisionOf(gantryVersion(), readBuild().commit) }

// gantryInstallVersion is what go install .../cmd/gantry@VERSION takes for
// this binary, for the workflows.
func gantryInstallVersion() string { return installVersionOf(gantryVersion(), readBuild().commit) }

// revisionOf is a release tag, else a full commit without local changes
// ("+dirty"); "" when the build knows neither. A pseudo-version is no
// tag, and its 12-character commit prefix is not one git fetches.
func revisionOf(version, commit string) string {
	if releaseTag.MatchString(version) && !pseudo.MatchString(version) {
		return version
	}
	if fullCommit.MatchString(commit) {
		return commit
	}
	return ""
}

// installVersionOf is a module version (a tag or a pseudo-version, which
// the module proxy serves), else a full commit; "" for a development
// build, whose version has local changes ("+dirty") or is none.
func installVersionOf(version, commit string) string {
	if strings.HasPrefix(version, "v") && !strings.Contains(version, "+") {
		return version
	}
	if fullCommit.MatchString(commit) {
		return commit
	}
	return ""
}

var errNoVersion = errors.New("this gantry was built without a version or commit (a development build): pass --gantry-version with a tag, pseudo-version or commit of github.com/gantry-gitops/gantry")
