package main

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/internal/scaffold"
)

type initCIFlags struct {
	dir, config, branch, gantryVersion string
	order                              []string
	app                                bool
	configRepo, service, env           string
	repository, region                 string
}

func newInitCICmd() *cobra.Command {
	f := &initCIFlags{}
	cmd := &cobra.Command{
		Use:   "ci [--dir DIR]",
		Short: "Write GitHub Actions workflows: plan on pull requests, apply on merge, image pipeline",
		Long: `Init ci writes GitHub Actions workflows into DIR/.github/workflows, ready
to commit as they are (docs/ci.md explains them and the AWS roles and
variables they use):

  gantry-plan.yml   on pull_request: validate (annotations on the diff),
                    gantry changed for the environments touched, then per
                    environment a plan (--base the target branch), the plan
                    uploaded as an artifact and posted as the pull
                    request's sticky comment (gantry comment).
  gantry-apply.yml  on push to --branch: one job per environment in order,
                    each waiting for the one before; each plans the commit
                    and applies exactly that plan, in a concurrency group
                    gantry-apply-ENV that queues and never cancels, with
                    OIDC credentials (aws-actions/configure-aws-credentials).

The environments and their regions come from the configuration in
DIR/--config; they are applied in the order --order gives, by default
dev, test, staging, then others alphabetically, then prod.

With --app, it writes instead the workflow for an application's
repository, gantry-image.yml: on push (or by hand) build the image with
Docker, push it to ECR, set it as --service's image in --env of
--config-repo (gantry image set IMAGE@DIGEST --commit) and push that
commit.

The workflows install gantry with go install
github.com/gantry-gitops/gantry/cmd/gantry@VERSION, VERSION being this
gantry's (gantry version); a development build has none: pass
--gantry-version. Existing files are never overwritten: nothing is
written and the exit code is 1.

Exit codes: 0 written, 1 a file exists or the configuration is invalid,
2 usage error.`,
		Example: `  gantry init ci
  gantry init ci --dir . --config deploy --order staging,prod
  gantry init ci --gantry-version v0.4.0

  # in the application's repository
  gantry init ci --app --config-repo acme/deploy --service api --env staging --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInitCI(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", ".", "the repository's root: workflows go in DIR/.github/workflows")
	fl.StringVar(&f.config, "config", ".", "the configuration's directory, relative to the repository's root (with --app: to --config-repo's)")
	fl.StringVar(&f.branch, "branch", "main", "the branch merges go to: apply runs on pushes to it (with --app: the application's)")
	fl.StringVar(&f.gantryVersion, "gantry-version", "", "the gantry the workflows install: a tag, pseudo-version or commit (default: this gantry's version)")
	fl.StringSliceVar(&f.order, "order", nil, "the environments in the order they are applied (default: dev, test, staging, others, prod)")
	fl.BoolVar(&f.app, "app", false, "write the image workflow for an application's repository instead")
	fl.StringVar(&f.configRepo, "config-repo", "", "with --app: OWNER/NAME of the configuration repository")
	fl.StringVar(&f.service, "service", "", "with --app: the service that runs the image")
	fl.StringVar(&f.env, "env", "", "with --app: the environment that gets each new image")
	fl.StringVar(&f.repository, "repository", "", "with --app: the ECR repository (default: the service's name)")
	fl.StringVar(&f.region, "region", "eu-west-1", "with --app: the ECR repository's region")
	return cmd
}

func runInitCI(cmd *cobra.Command, f *initCIFlags) error {
	version := f.gantryVersion
	if version == "" {
		if version = gantryInstallVersion(); version == "" {
			return usage(errNoVersion)
		}
	}
	var files []scaffold.File
	var err error
	if f.app {
		files, err = appWorkflows(f, version)
	} else {
		files, err = configWorkflows(f, version)
	}
	if err != nil {
		return err
	}
	if err := scaffold.Write(f.dir, files); err != nil {
		return failed(err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Wrote GitHub Actions workflows (gantry %s) in %s:\n", version, f.dir)
	for _, file := range files {
		fmt.Fprintf(out, "  %s\n", file.Path)
	}
	fmt.Fprintln(out, "\nBefore they run, set up what docs/ci.md lists: the AWS roles (repository variables), and the GitHub environments.")
	return nil
}

// configWorkflows renders the plan and apply workflows for the
// configuration in --dir/--config.
func configWorkflows(f *initCIFlags, version string) ([]scaffold.File, error) {
	for _, name := range []string{"config-repo", "service", "env", "repository"} {
		if v := flagValue(f, name); v != "" {
			return nil, usage(fmt.Errorf("--%s goes with --app", name))
		}
	}
	p, diags, err := compiler.Load(filepath.Join(f.dir, filepath.FromSlash(f.config)))
	if err != nil {
		return nil, usage(err)
	}
	if diags.HasErrors() {
		return nil, failed(fmt.Errorf("the configuration is invalid (gantry validate %s): write the workflows once it validates", path.Join(f.dir, f.config)))
	}
	var envs []scaffold.Environment
	for _, e := range p.Environments {
		envs = append(envs, scaffold.Environment{Name: e.Name, Region: e.Region})
	}
	ordered, err := orderEnvironments(envs, f.order)
	if err != nil {
		return nil, usage(err)
	}
	files, err := scaffold.CIFiles(scaffold.CI{GantryVersion: version, Config: f.config, Envs: ordered, Branch: f.branch})
	if err != nil {
		return nil, usage(err)
	}
	return files, nil
}

// orderEnvironments applies --order: every environment once, none
// unknown; without it, the usual stage order.
func orderEnvironments(envs []scaffold.Environment, order []string) ([]scaffold.Environment, error) {
	if len(order) == 0 {
		return scaffold.OrderEnvironments(envs), nil
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	var out []scaffold.Environment
	for _, n := range order {
		i := slices.IndexFunc(envs, func(e scaffold.Environment) bool { return e.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("--order: no environment %q (the configuration has %s)", n, orList(names))
		}
		if slices.ContainsFunc(out, func(e scaffold.Environment) bool { return e.Name == n }) {
			return nil, fmt.Errorf("--order: %s twice", n)
		}
		out = append(out, envs[i])
	}
	if len(out) != len(envs) {
		var missing []string
		for _, n := range names {
			if !slices.Contains(order, n) {
				missing = append(missing, n)
			}
		}
		return nil, fmt.Errorf("--order leaves out %s: name every environment", strings.Join(missing, ", "))
	}
	return out, nil
}

// appWorkflows renders the image workflow of an application repository.
func appWorkflows(f *initCIFlags, version string) ([]scaffold.File, error) {
	for _, name := range []string{"config-repo", "service", "env"} {
		if flagValue(f, name) == "" {
			return nil, usage(fmt.Errorf("--app needs --%s", name))
		}
	}
	if len(f.order) > 0 {
		return nil, usage(fmt.Errorf("--order goes without --app"))
	}
	repo := f.repository
	if repo == "" {
		repo = f.service
	}
	files, err := scaffold.AppFiles(scaffold.App{
		GantryVersion: version, ConfigRepo: f.configRepo, Config: f.config,
		Service: f.service, Env: f.env, Repository: repo, Region: f.region, Branch: f.branch,
	})
	if err != nil {
		return nil, usage(err)
	}
	return files, nil
}

// flagValue is the value of one of the --app flags.
func flagValue(f *initCIFlags, name string) string {
	return map[string]string{"config-repo": f.configRepo, "service": f.service, "env": f.env, "repository": f.repository}[name]
}
