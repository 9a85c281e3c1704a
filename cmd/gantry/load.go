package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/internal/gitrepo"
	"github.com/gantry-gitops/gantry/planner"
)

// source is the configuration a command reads: dir in the work tree, or,
// with ref (--ref), dir as it is in that git commit, read from the
// repository's objects: the work tree and the index are neither read nor
// touched. File names in diagnostics are the same either way (relative to
// the current directory); messages name the commit.
type source struct {
	dir string
	ref string
	// flag names the flag ref came from in messages ("" is --ref).
	flag string
	// commit is the commit ref resolved to, once loaded.
	commit *gitrepo.Commit
}

// String names the configuration in messages: "deploy", or "deploy at
// main (0123456789ab)".
func (s *source) String() string {
	if s.commit == nil {
		return s.dir
	}
	return fmt.Sprintf("%s at %s", s.dir, s.commit.Name())
}

// validateHint is the command line that validates the same configuration.
func (s *source) validateHint() string {
	if s.ref == "" {
		return "gantry validate " + s.dir
	}
	return fmt.Sprintf("gantry validate --ref %s %s", s.ref, s.dir)
}

// load loads the configuration. An error is a usage error: no such
// directory, revision or repository.
func (s *source) load() (*compiler.Loaded, error) {
	if s.ref == "" {
		return compiler.LoadTree(s.dir, compiler.LoadOptions{})
	}
	flag := s.flag
	if flag == "" {
		flag = "--ref"
	}
	repo, err := gitrepo.Open(existingDir(s.dir))
	if errors.Is(err, gitrepo.ErrNotRepository) {
		return nil, fmt.Errorf("%s %s: %s is not in a git repository", flag, s.ref, s.dir)
	}
	if err != nil {
		return nil, err
	}
	c, err := repo.Resolve(s.ref)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, s.ref, err)
	}
	fsys, err := repo.TreeFS(c)
	if err != nil {
		return nil, err
	}
	s.commit = c
	ld, err := compiler.LoadTree(s.dir, compiler.LoadOptions{FS: fsys, FSRoot: repo.Root()})
	if err != nil {
		return nil, fmt.Errorf("%w (in commit %s)", err, c.Name())
	}
	return ld, nil
}

// existingDir is dir, or its nearest parent that exists: a configuration
// directory may exist in a commit and no longer in the work tree.
func existingDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}

// refFlag registers --ref on a command that reads a configuration.
func refFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "ref", "", "read the configuration as it is at git revision `REV` (a branch, tag or commit; through the repository's objects, the work tree untouched)")
}

// loadProject loads and validates the configuration in dir for the commands
// that need it (compile, plan, apply). Every error, and every warning about
// env (every warning when env is ""), is printed to stderr in the human
// format (file:line:col: message); errors in any environment stop the
// command, since the configuration is one. With errors it returns
// failed(nil): the diagnostics were the message.
func loadProject(cmd *cobra.Command, dir, env string) (*config.Project, error) {
	return loadProjectFrom(cmd, &source{dir: dir}, env)
}

// loadProjectFrom is loadProject for a source (--ref).
func loadProjectFrom(cmd *cobra.Command, src *source, env string) (*config.Project, error) {
	ld, _, err := loadSourceWarnings(cmd, src, env)
	if err != nil {
		return nil, err
	}
	return ld.Project, nil
}

// loadProjectWarnings is loadProject, also returning the warnings it
// printed (as printed), for the plan to carry (planner.WarnConfig).
func loadProjectWarnings(cmd *cobra.Command, dir, env string) (*config.Project, []string, error) {
	ld, warnings, err := loadSourceWarnings(cmd, &source{dir: dir}, env)
	if err != nil {
		return nil, nil, err
	}
	return ld.Project, warnings, nil
}

// loadSourceWarnings is loadProjectWarnings for a source, returning the
// whole load (the files read: the plan's configuration hash).
func loadSourceWarnings(cmd *cobra.Command, src *source, env string) (*compiler.Loaded, []string, error) {
	ld, err := src.load()
	if err != nil {
		return nil, nil, usage(err)
	}
	w := cmd.ErrOrStderr()
	var warnings []string
	for _, d := range ld.Diagnostics {
		if d.Severity == compiler.SeverityWarning && !concerns(d, env) {
			continue
		}
		fmt.Fprintln(w, d.String())
		if d.Severity == compiler.SeverityWarning {
			warnings = append(warnings, d.String())
		}
	}
	if ld.Diagnostics.HasErrors() {
		n := len(ld.Diagnostics.Errors())
		fmt.Fprintf(w, "gantry: %s is invalid: %s (run %s)\n", src, countNoun(n, "error"), src.validateHint())
		return nil, nil, failed(nil)
	}
	return ld, warnings, nil
}

// configSource is what a plan of env records of the configuration it was
// made from (planner.ConfigSource): the files the load read, the schema,
// and the environment's effective configuration.
func configSource(ld *compiler.Loaded, env *config.Environment) (*planner.ConfigSource, error) {
	files := make(map[string][]byte, len(ld.Files)+1)
	for _, f := range ld.Files {
		files[f.Path] = f.Data
	}
	files[planner.SchemaFile] = ld.Schema
	effective, err := json.Marshal(struct {
		Project string              `json:"project"`
		Env     *config.Environment `json:"environment"`
	}{ld.Project.Name, env})
	if err != nil {
		return nil, fmt.Errorf("hash the configuration of %s: %w", env.Name, err)
	}
	return planner.NewConfigSource(files, effective), nil
}

// countNoun writes "1 error", "2 errors".
func countNoun(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// concerns reports whether diagnostic d is about environment env: it names
// env, names no environment, or env is "" (all of them).
func concerns(d compiler.Diagnostic, env string) bool {
	if env == "" || d.Environment == "" {
		return true
	}
	for _, e := range strings.Split(d.Environment, ",") {
		if e == env {
			return true
		}
	}
	return false
}
