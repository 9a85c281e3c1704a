package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/imageref"
	"github.com/gantry-gitops/gantry/provider"
)

type promoteFlags struct {
	edit     editFlags
	from, to string
	all      bool
	live     bool
	sandbox  string
}

func newPromoteCmd() *cobra.Command {
	f := &promoteFlags{}
	cmd := &cobra.Command{
		Use:   "promote SERVICE... | --all --from ENV --to ENV [--live] [--commit]",
		Short: "Give services in one environment the images another environment names (or runs)",
		Long: `Promote sets the image of each SERVICE in the environment --to to the one
the environment --from names in its configuration, by editing the
configuration in place exactly as gantry image set does (the same rules of
where the image is written, the same validation, nothing written when the
result is invalid). --all promotes every service that runs in both
environments.

With --live, the image is the one --from runs: the image of the service's
own container in the task definition of its primary deployment, read
through the provider as gantry plan reads it (the sandbox with --sandbox
or GANTRY_SANDBOX, else AWS with the SDK's credentials and the
environment's role). A service whose deployment has not completed, or was
rolled back, is refused: what it runs is not proven.

--commit commits the change with the message
  deploy(TO): SERVICE → IMAGE, ... (promoted from FROM)
("promoted from FROM, live" with --live); see gantry image set --help.

Exit codes: 0 changed (or nothing to change); 1 a service is disabled in
one of the environments, the change was refused or would make the
configuration invalid, the live state cannot be read, or git failed
(nothing is written then); 2 usage: a malformed command line, or an
environment or service the configuration does not have.`,
		Example: `  gantry promote api --from staging --to prod
  gantry promote api web --from staging --to prod --commit
  gantry promote --all --from staging --to prod --dry-run
  gantry promote api --from staging --to prod --live --commit
  GANTRY_SANDBOX=./.sandbox gantry promote --all --from staging --to prod --live`,
		RunE: func(cmd *cobra.Command, args []string) error { return runPromote(cmd, f, args) },
	}
	f.edit.register(cmd)
	cmd.Flags().StringVar(&f.from, "from", "", "the environment whose images to take (required)")
	cmd.Flags().StringVar(&f.to, "to", "", "the environment to change (required)")
	_ = cmd.RegisterFlagCompletionFunc("from", envNames(&f.edit.dir))
	_ = cmd.RegisterFlagCompletionFunc("to", envNames(&f.edit.dir))
	cmd.Flags().BoolVar(&f.all, "all", false, "promote every service that runs in both environments")
	cmd.Flags().BoolVar(&f.live, "live", false, "take the images --from runs, read from its account, instead of its configuration's")
	cmd.Flags().StringVar(&f.sandbox, "sandbox", "",
		"with --live, read the local sandbox account in `DIR` instead of AWS; or set "+EnvSandbox+"=DIR")
	return cmd
}

func runPromote(cmd *cobra.Command, f *promoteFlags, args []string) error {
	switch {
	case f.from == "" || f.to == "":
		return usage(errors.New("promote: --from and --to are required"))
	case f.from == f.to:
		return usage(fmt.Errorf("promote: --from and --to are both %s", f.from))
	case f.all && len(args) > 0:
		return usage(errors.New("promote: name services or give --all, not both"))
	case !f.all && len(args) == 0:
		return usage(errors.New("promote: name the services to promote, or give --all"))
	case f.sandbox != "" && !f.live:
		return usage(errors.New("promote: --sandbox is only read with --live"))
	}
	if err := f.edit.check(); err != nil {
		return err
	}
	p, err := loadForEdit(cmd, f.edit.dir)
	if err != nil {
		return err
	}
	from, err := pickEnv(p, f.from)
	if err != nil {
		return err
	}
	to, err := pickEnv(p, f.to)
	if err != nil {
		return err
	}
	services := args
	if f.all {
		services = sharedServices(from, to)
		if len(services) == 0 {
			return failed(fmt.Errorf("no service runs in both %s and %s", from.Name, to.Name))
		}
	}
	images, err := f.sourceImages(cmd.Context(), p, from, to, services)
	if err != nil {
		return err
	}
	var wants []imageWant
	for _, svc := range services {
		ref, err := imageref.Parse(images[svc])
		if err != nil {
			return failed(fmt.Errorf("%s: %s's image: %w", from.Name, svc, err))
		}
		wants = append(wants, imageWant{service: svc, image: images[svc], ref: ref})
	}
	note := " (promoted from " + from.Name + ")"
	if f.live {
		note = " (promoted from " + from.Name + ", live)"
	}
	return setImages(cmd, &f.edit, p, to, wants, note)
}

// sharedServices are the services from and to both run, by name.
func sharedServices(from, to *config.Environment) []string {
	var out []string
	for _, s := range from.Services {
		for _, t := range to.Services {
			if s.Name == t.Name {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

// sourceImages are the images to promote, by service: from's
// configuration's, or with --live what from runs. Each service must run
// in both environments.
func (f *promoteFlags) sourceImages(ctx context.Context, p *config.Project, from, to *config.Environment, services []string) (map[string]string, error) {
	images := map[string]string{}
	seen := map[string]bool{}
	for _, svc := range services {
		if seen[svc] {
			return nil, usage(fmt.Errorf("promote: service %s given twice", svc))
		}
		seen[svc] = true
		s, err := serviceIn(p, from, svc)
		if err != nil {
			return nil, err
		}
		if _, err := serviceIn(p, to, svc); err != nil {
			return nil, err
		}
		images[svc] = s.Image
	}
	if !f.live {
		return images, nil
	}
	t := targetFlags{env: from.Name, sandbox: f.sandbox, readOnly: true}
	sc := scope(p, from)
	prov, err := t.open(ctx, sc, from.AWS)
	if err != nil {
		return nil, err
	}
	live, err := liveImages(ctx, prov, sc, services)
	if err != nil {
		return nil, failed(err)
	}
	return live, nil
}

// liveImages reads the image each service runs in scope: its own
// container's in the task definition of the service's primary
// deployment, which must have completed without a rollback.
func liveImages(ctx context.Context, prov provider.Provider, sc provider.Scope, services []string) (map[string]string, error) {
	observed, err := prov.ListOwned(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("read %s's resources: %w", sc.Environment, err)
	}
	svcs := map[string]*provider.Observed{}
	taskDefs := map[string]*provider.Observed{}
	for _, o := range observed {
		switch o.Type {
		case catalog.Service:
			svcs[o.Address] = o
		case catalog.TaskDefinition:
			taskDefs[o.ID] = o
		}
	}
	images := map[string]string{}
	for _, name := range services {
		o := svcs[compiler.ServiceAddress(name)]
		if o == nil {
			return nil, fmt.Errorf("%s runs no service %s (not applied yet?)", sc.Environment, name)
		}
		h := o.Deployment
		if h == nil {
			if h, err = prov.Health(ctx, sc, o); err != nil {
				return nil, fmt.Errorf("read %s's deployment of %s: %w", sc.Environment, name, err)
			}
		}
		switch {
		case h.RolledBack:
			return nil, fmt.Errorf("%s rolled back its last deployment of %s (%s): what it runs is not what its configuration says; promote without --live, or fix %s first",
				sc.Environment, name, h.RolloutStateReason, sc.Environment)
		case h.RolloutState != "COMPLETED":
			return nil, fmt.Errorf("%s's deployment of %s is %s, not COMPLETED: promote what it runs once the deployment has completed", sc.Environment, name, h.RolloutState)
		}
		td := taskDefs[h.TaskDefinition]
		if td == nil {
			return nil, fmt.Errorf("%s's service %s runs the task definition %s, which gantry does not own", sc.Environment, name, h.TaskDefinition)
		}
		img, ok := containerImage(td, compiler.ServiceContainer(name))
		if !ok {
			return nil, fmt.Errorf("%s's task definition %s has no container %s", sc.Environment, h.TaskDefinition, compiler.ServiceContainer(name))
		}
		slog.Debug("gantry: live image", "env", sc.Environment, "service", name, "taskDefinition", h.TaskDefinition, "image", img)
		images[name] = img
	}
	return images, nil
}

// containerImage is the image of the named container of a task
// definition, as read back (CloudFormation's ContainerDefinitions).
func containerImage(td *provider.Observed, container string) (string, bool) {
	defs, _ := td.Properties["ContainerDefinitions"].([]any)
	for _, d := range defs {
		m, _ := d.(map[string]any)
		if name, _ := m["Name"].(string); name == container {
			img, ok := m["Image"].(string)
			return img, ok && img != ""
		}
	}
	return "", false
}
