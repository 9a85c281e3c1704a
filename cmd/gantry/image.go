package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hexops/gotextdiff"
	"github.com/hexops/gotextdiff/myers"
	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/cuedit"
	"github.com/gantry-gitops/gantry/internal/gitcommit"
	"github.com/gantry-gitops/gantry/internal/imageref"
	"github.com/gantry-gitops/gantry/internal/suggest"
)

func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Change the images services run, as edits of the configuration (and commits)",
		Long: `The image commands change a service's container image in the CUE
configuration itself, so that what runs is what git says: the new image is
written where the configuration gives it, the rest of the files left as
they are. See gantry image set, and gantry promote to copy images from one
environment to another.`,
		Example: `  gantry image set api 111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.8.0 --env staging --commit
  gantry image set api=registry/api:1.8.0 web=registry/web:2024.12.1 --env staging --dry-run
  gantry promote api --from staging --to prod --commit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usage(errors.New("image: missing subcommand (set)"))
		},
	}
	cmd.AddCommand(newImageSetCmd())
	return cmd
}

// editFlags are the flags of the commands that edit images (image set,
// promote).
type editFlags struct {
	dir    string
	env    string
	commit bool
	dryRun bool
}

// envNames completes an environment flag with the environments of the
// configuration in *dir.
func envNames(dir *string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		proj, _, err := compiler.Load(*dir)
		if err != nil || proj == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return proj.EnvNames(), cobra.ShellCompDirectiveNoFileComp
	}
}

// check refuses flags that contradict each other.
func (f *editFlags) check() error {
	if f.dryRun && f.commit {
		return usage(errors.New("--dry-run writes nothing, so there is nothing to --commit: give one of them"))
	}
	return nil
}

func (f *editFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.dir, "dir", "C", ".", "the configuration's directory")
	cmd.Flags().BoolVar(&f.commit, "commit", false, "commit the change with go-git (only the changed files; refused when they have uncommitted changes or anything else is staged)")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print the change as a unified diff and write nothing")
}

func newImageSetCmd() *cobra.Command {
	f := &editFlags{}
	cmd := &cobra.Command{
		Use:   "set SERVICE IMAGE | SERVICE=IMAGE... [--env ENV] [--commit]",
		Short: "Set services' images in one environment by editing the configuration in place",
		Long: `Set the container image of one or more services in one environment. gantry
edits the CUE source in place, changing only what it must (comments, layout
and the other files stay as they are), checks the whole configuration with
the change, and writes nothing when it would be invalid.

Where the new image goes (docs/image.md):
  - the image is a string literal in the environment's own refinement
    (environments: ENV: services: NAME: image: "..."): that literal is
    replaced, one line changes;
  - it is a literal in the service's definition (services: NAME: image)
    that no other environment runs: replaced there;
  - it is a default (*"..." | string) or comes from a pattern, shared with
    other environments: the field is added to the environment's refinement
    of the service, which is created if there is none;
  - it is a concrete value shared with other environments, or an
    expression (an interpolation, a reference): refused, naming the
    file:line and what to write instead.

IMAGE is a reference as registries take it: [registry/]repository[:tag]
[@sha256:digest].

--commit commits the change through go-git with the message
  deploy(ENV): SERVICE → IMAGE[, SERVICE → IMAGE...]
(a digest shown as its first 12 hex digits in parentheses), as the author
GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL or git's user.name/user.email (the
repository's configuration, then ~/.gitconfig). It is refused, before
anything is written, when a file to change has uncommitted changes or
anything else is staged: the commit holds the image change alone.

Without --env, a configuration with one environment means that one.

Exit codes: 0 changed (or nothing to change); 1 the image or the
resulting configuration is invalid, the service is disabled in the
environment, the change was refused, or git failed (nothing is written
then); 2 usage: a malformed command line, or an environment or service
the configuration does not have (as for every command that takes --env).`,
		Example: `  gantry image set api 111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.8.0 --env prod
  gantry image set api=registry/api:1.8.0 web=registry/web:2024.12.1 --env staging --commit
  gantry image set worker registry/worker:0.9.5@sha256:6d0c... --env prod --dry-run
  gantry image set api "$IMAGE" --env staging -C deploy --commit && git push`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			wants, err := parseImageArgs(args)
			if err != nil {
				return err
			}
			return runImageSet(cmd, f, wants)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.env, "env", "", "environment to change (required when the configuration has several)")
	_ = cmd.RegisterFlagCompletionFunc("env", envNames(&f.dir))
	return cmd
}

// imageWant is one service's new image.
type imageWant struct {
	service string
	image   string
	ref     imageref.Ref
}

// parseImageArgs reads SERVICE IMAGE, or SERVICE=IMAGE..., checking each
// image reference. A malformed command line is a usage error; an invalid
// image is exit 1.
func parseImageArgs(args []string) ([]imageWant, error) {
	if len(args) == 2 && !strings.Contains(args[0], "=") && !strings.Contains(args[1], "=") {
		args = []string{args[0] + "=" + args[1]}
	}
	if len(args) == 0 {
		return nil, usage(errors.New("image set: want SERVICE IMAGE, or SERVICE=IMAGE... (see gantry image set --help)"))
	}
	var wants []imageWant
	seen := map[string]bool{}
	for _, a := range args {
		svc, img, ok := strings.Cut(a, "=")
		if !ok || svc == "" {
			return nil, usage(fmt.Errorf("image set: %q: want SERVICE=IMAGE (or the two arguments SERVICE IMAGE)", a))
		}
		if seen[svc] {
			return nil, usage(fmt.Errorf("image set: service %s given twice", svc))
		}
		seen[svc] = true
		ref, err := imageref.Parse(img)
		if err != nil {
			return nil, failed(fmt.Errorf("%s: %w", svc, err))
		}
		wants = append(wants, imageWant{service: svc, image: img, ref: ref})
	}
	return wants, nil
}

func runImageSet(cmd *cobra.Command, f *editFlags, wants []imageWant) error {
	p, err := loadForEdit(cmd, f.dir)
	if err != nil {
		return err
	}
	env, err := pickEnv(p, f.env)
	if err != nil {
		return err
	}
	return setImages(cmd, f, p, env, wants, "")
}

// loadForEdit loads the configuration an edit starts from; it must be
// valid, so that a failure after the edit is the edit's.
func loadForEdit(cmd *cobra.Command, dir string) (*config.Project, error) {
	p, diags, err := compiler.Load(dir)
	if err != nil {
		return nil, usage(err)
	}
	if diags.HasErrors() {
		printDiagnostics(cmd, diags.Errors())
		return nil, failed(fmt.Errorf("%s is invalid before any change (%s): fix it first (gantry validate %s)", dir, countNoun(len(diags.Errors()), "error"), dir))
	}
	return p, nil
}

func printDiagnostics(cmd *cobra.Command, ds compiler.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(cmd.ErrOrStderr(), d.String())
	}
}

// pickEnv is the environment name gives; "" means the only one. A
// missing or unknown name is a usage error (exit 2), naming the closest
// one, as for every command that takes --env.
func pickEnv(p *config.Project, name string) (*config.Environment, error) {
	t := targetFlags{env: name}
	env, err := t.environment(p)
	if err != nil {
		return nil, usage(err)
	}
	return env, nil
}

// serviceIn returns the service of env named name. A service the
// configuration does not have is a usage error (exit 2, like an unknown
// environment) naming the closest one; one that env leaves out (enabled:
// false) is exit 1, saying so.
func serviceIn(p *config.Project, env *config.Environment, name string) (*config.Service, error) {
	for _, s := range env.Services {
		if s.Name == name {
			return s, nil
		}
	}
	var all []string
	for _, e := range p.Environments {
		for _, s := range e.Services {
			if !slices.Contains(all, s.Name) {
				all = append(all, s.Name)
			}
		}
	}
	if slices.Contains(all, name) {
		return nil, failed(fmt.Errorf("service %s is not enabled in environment %s (enabled: false)", name, env.Name))
	}
	slices.Sort(all)
	msg := fmt.Sprintf("no service %s in the configuration (have %s)", name, strings.Join(all, ", "))
	if s := suggest.Closest(name, all); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return nil, usage(errors.New(msg))
}

// othersRunning are the environments other than env that run service.
func othersRunning(p *config.Project, env, service string) []string {
	var out []string
	for _, e := range p.Environments {
		if e.Name == env {
			continue
		}
		for _, s := range e.Services {
			if s.Name == service {
				out = append(out, e.Name)
			}
		}
	}
	return out
}

// imageEdit is the edit that gives services their new images in one
// environment, worked out but not written.
type imageEdit struct {
	env     string
	todo    []imageWant       // the services whose image changes
	old     map[string]string // their images before, by service
	src     *cuedit.Source
	changes []*cuedit.Change
	files   map[string][]byte // the edited files, by absolute path
}

// setImages is image set and promote: it works out the edits that give
// each service of wants its image in env, checks the whole configuration
// with them (and that they change nothing but those images), then writes
// the files and, with --commit, commits them. note ends the commit
// message (" (promoted from staging)").
func setImages(cmd *cobra.Command, f *editFlags, p *config.Project, env *config.Environment, wants []imageWant, note string) error {
	e, err := planImageEdit(cmd, f.dir, p, env, wants)
	if err != nil || e == nil {
		return err
	}
	if err := checkEdit(cmd, f.dir, p, e); err != nil {
		return err
	}
	if f.dryRun {
		return printDiff(cmd, e.src, e.files)
	}
	return writeImageEdit(cmd, f, e, note)
}

// planImageEdit works out the edit; nil when every service already has
// its image. A refusal prints each reason (at its file:line) and is exit 1.
func planImageEdit(cmd *cobra.Command, dir string, p *config.Project, env *config.Environment, wants []imageWant) (*imageEdit, error) {
	stderr := cmd.ErrOrStderr()
	e := &imageEdit{env: env.Name, old: map[string]string{}}
	for _, w := range wants {
		s, err := serviceIn(p, env, w.service)
		if err != nil {
			return nil, err
		}
		if s.Image == w.image {
			fmt.Fprintf(stderr, "gantry: %s: %s already runs %s in the configuration\n", env.Name, w.service, w.image)
			continue
		}
		e.old[w.service] = s.Image
		e.todo = append(e.todo, w)
	}
	if len(e.todo) == 0 {
		fmt.Fprintln(stderr, "gantry: nothing to change")
		return nil, nil
	}
	var err error
	if e.src, err = readSource(dir); err != nil {
		return nil, failed(err)
	}
	refused := false
	for _, w := range e.todo {
		c, err := e.src.SetImage(cuedit.ImageRequest{Service: w.service, Env: env.Name, Image: w.image, OthersRunning: othersRunning(p, env.Name, w.service)})
		if err != nil {
			fmt.Fprintln(stderr, err)
			refused = true
			continue
		}
		e.changes = append(e.changes, c)
	}
	if refused {
		return nil, failed(errors.New("nothing was written"))
	}
	if e.files, err = e.src.Apply(e.changes); err != nil {
		return nil, failed(err)
	}
	return e, nil
}

// writeImageEdit writes the edited files and prints each change; with
// --commit it first checks everything that could stop the commit (so a
// refusal writes nothing), then commits exactly those files.
func writeImageEdit(cmd *cobra.Command, f *editFlags, e *imageEdit, note string) error {
	paths := sortedPaths(e.files)
	var repo *gitcommit.Repo
	var id gitcommit.Identity
	if f.commit {
		var err error
		if repo, err = gitcommit.Open(f.dir); err != nil {
			return failed(err)
		}
		if err := repo.CheckClean(paths, fileNames(e.src)); err != nil {
			return failed(err)
		}
		if id, err = repo.ReadIdentity(time.Now()); err != nil {
			return failed(err)
		}
	}
	if err := e.src.Write(e.files); err != nil {
		return failed(err)
	}
	out := cmd.OutOrStdout()
	for _, c := range e.changes {
		fmt.Fprintf(out, "%s: %s: %s: %s → %s (%s)\n", c.At, e.env, c.Service, e.old[c.Service], c.Image, describeHow(c))
	}
	if !f.commit {
		return nil
	}
	msg := commitMessage(e.env, e.todo, note)
	hash, err := repo.Commit(paths, msg, id)
	if err != nil {
		return failed(fmt.Errorf("%w (the files are written, not committed)", err))
	}
	fmt.Fprintf(out, "committed %s %s\n", hash[:12], msg)
	return nil
}

func describeHow(c *cuedit.Change) string {
	if c.How == cuedit.Added {
		return "added to " + strings.TrimSuffix(c.Path, ".image")
	}
	return "replaced " + c.Path
}

// readSource parses the configuration's files, named as Load names them.
func readSource(dir string) (*cuedit.Source, error) {
	paths, err := compiler.SourceFiles(dir)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	return cuedit.Read(paths, func(p string) string {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
		return p
	})
}

// checkEdit loads the configuration with the edited files and refuses
// the edit when it is invalid, or when it changes anything but the
// requested images: the effective configuration after the edit must be
// the one before with those images, in every environment.
func checkEdit(cmd *cobra.Command, dir string, before *config.Project, e *imageEdit) error {
	after, diags, err := compiler.LoadOverlay(dir, e.files, compiler.LoadOptions{})
	if err != nil {
		return failed(err)
	}
	if diags.HasErrors() {
		printDiagnostics(cmd, diags.Errors())
		return failed(fmt.Errorf("the change would make the configuration invalid (%s); nothing was written", countNoun(len(diags.Errors()), "error")))
	}
	for _, d := range diags.Warnings() {
		if strings.HasSuffix(d.Path, ".image") && concerns(d, e.env) {
			fmt.Fprintln(cmd.ErrOrStderr(), d.String())
		}
	}
	expected, err := withImages(before, e.env, e.todo)
	if err != nil {
		return failed(err)
	}
	got, err := json.Marshal(after)
	if err != nil {
		return failed(err)
	}
	if string(got) != string(expected) {
		return failed(errors.New("the edit would change more than the images asked for (a value shared through a reference?); nothing was written"))
	}
	return nil
}

// withImages is p, as JSON, with the services of wants running their new
// images in env.
func withImages(p *config.Project, env string, wants []imageWant) ([]byte, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var cp config.Project
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, err
	}
	for _, s := range cp.Env(env).Services {
		for _, w := range wants {
			if s.Name == w.service {
				s.Image = w.image
			}
		}
	}
	return json.Marshal(&cp)
}

// commitMessage is the one line of an image commit:
// deploy(ENV): SERVICE → IMAGE, ... then note.
func commitMessage(env string, wants []imageWant, note string) string {
	parts := make([]string, len(wants))
	for i, w := range wants {
		parts[i] = w.service + " → " + w.ref.Summary()
	}
	return fmt.Sprintf("deploy(%s): %s%s", env, strings.Join(parts, ", "), note)
}

func sortedPaths(files map[string][]byte) []string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

func fileNames(src *cuedit.Source) map[string]string {
	names := map[string]string{}
	for _, f := range src.Files {
		names[f.Path] = f.Name
	}
	return names
}

// printDiff prints the edit as a unified diff (--dry-run).
func printDiff(cmd *cobra.Command, src *cuedit.Source, files map[string][]byte) error {
	out := cmd.OutOrStdout()
	for _, f := range src.Files {
		data, ok := files[f.Path]
		if !ok {
			continue
		}
		edits := myers.ComputeEdits("", string(f.Src), string(data))
		fmt.Fprint(out, gotextdiff.ToUnified("a/"+filepath.ToSlash(f.Name), "b/"+filepath.ToSlash(f.Name), string(f.Src), edits))
	}
	return nil
}
