package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

type changedFlags struct {
	base, head string
	format     string
}

func newChangedCmd() *cobra.Command {
	f := &changedFlags{}
	cmd := &cobra.Command{
		Use:   "changed [DIR] --base REV [--head REV]",
		Short: "List the environments and services a change set touches (for a CI matrix)",
		Long: `Changed compares the configuration in DIR (default ".") at git revision
--base with the same directory at --head (default: the work tree, as it
is, uncommitted changes included) and lists the environments, and in each
the services, whose resources or settings differ.

"Touched" is decided by meaning, not by file names: every environment is
compiled at both revisions and the resource graphs and effective settings
are compared. A change to a shared file, a default or a policy touches
every environment and service it changes; a comment or a reformatting
touches nothing. A service is touched when its settings or any of its
resources (service/NAME and service/NAME/...) differ; an environment is
"shared"-touched when something outside any one service differs
(clusters, load balancers, repositories, network, tags). An environment
only at --head is "added", one only at --base is "removed".

JSON (stable; docs/git.md):
  {"base": {"rev": "origin/main", "commit": "<sha>", "workTree": false},
   "head": {"rev": "", "commit": "", "workTree": true},
   "all": false,
   "environments": [{"name": "prod", "services": ["api"], "shared": false}]}
"head" is the work tree ("workTree": true, no rev or commit) unless --head
names a revision. "environments" lists only touched ones, sorted by name
([] when nothing is touched): plan each one that is not "removed"; added
and removed environments carry "added": true or "removed": true. "all" is
true when every environment of either revision is touched, each in all its
services or in shared resources: the touched environments are the whole
project. It says nothing of the cause: one shared default, or separate
edits that between them reach everything (in a project of one environment
and one service, any change of that service).

Exit codes: 0 success (touched or not); 1 an invalid configuration at
--head or --base (its diagnostics are printed); 2 usage (no --base, no
such revision, not a git repository).`,
		Example: `  gantry changed --base origin/main
  gantry changed ./deploy --base origin/main --head HEAD --format json
  gantry changed --base "$BASE_SHA" --format json | jq -c '[.environments[].name]'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChanged(cmd, dirArg(args), f)
		},
	}
	cmd.Flags().StringVar(&f.base, "base", "", "git revision to compare with (required; a pull request's base branch or commit)")
	cmd.Flags().StringVar(&f.head, "head", "", "git revision of the change set (default: the work tree)")
	choiceFlag(cmd, &f.format, "format", "text", "output format: text or json", "text", "json")
	return cmd
}

// changeSet is the JSON document of gantry changed.
type changeSet struct {
	Base         revision     `json:"base"`
	Head         revision     `json:"head"`
	All          bool         `json:"all"`
	Environments []touchedEnv `json:"environments"`
}

// revision names one side: as given, and the commit it resolved to; the
// work tree has neither, and says so, so that CI never reads an empty
// commit as a missing value.
type revision struct {
	Rev      string `json:"rev"`
	Commit   string `json:"commit"`
	WorkTree bool   `json:"workTree"`
}

// touchedEnv is one environment the change set touches.
type touchedEnv struct {
	Name string `json:"name"`
	// Services are the touched services, sorted.
	Services []string `json:"services"`
	// Shared: something outside any one service differs.
	Shared  bool `json:"shared"`
	Added   bool `json:"added,omitempty"`
	Removed bool `json:"removed,omitempty"`
}

func runChanged(cmd *cobra.Command, dir string, f *changedFlags) error {
	if f.base == "" {
		return usage(fmt.Errorf("--base is required: the revision to compare with (a pull request's base, e.g. origin/main)"))
	}
	if err := checkChoice("format", f.format, "text", "json"); err != nil {
		return err
	}
	base, head := &source{dir: dir, ref: f.base, flag: "--base"}, &source{dir: dir, ref: f.head, flag: "--head"}
	bp, err := loadValid(cmd, base)
	if err != nil {
		return err
	}
	hp, err := loadValid(cmd, head)
	if err != nil {
		return err
	}
	cs, err := compareProjects(bp, hp)
	if err != nil {
		return failed(err)
	}
	cs.Base = revision{Rev: f.base, Commit: base.commit.Hash}
	cs.Head = revision{WorkTree: true}
	if head.commit != nil {
		cs.Head = revision{Rev: f.head, Commit: head.commit.Hash}
	}
	if f.format == "json" {
		b, err := json.MarshalIndent(cs, "", "  ")
		if err != nil {
			return failed(err)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
		return err
	}
	writeChangedText(cmd.OutOrStdout(), cs, base, head)
	return nil
}

// loadValid loads src, printing its errors; an invalid configuration is
// exit 1, naming the revision.
func loadValid(cmd *cobra.Command, src *source) (*config.Project, error) {
	ld, err := src.load()
	if err != nil {
		return nil, usage(err)
	}
	if ld.Diagnostics.HasErrors() {
		for _, d := range ld.Diagnostics.Errors() {
			fmt.Fprintln(cmd.ErrOrStderr(), d.String())
		}
		return nil, failed(fmt.Errorf("%s is invalid: %s; what it touches cannot be told (run %s)",
			describe(src), countNoun(len(ld.Diagnostics.Errors()), "error"), src.validateHint()))
	}
	return ld.Project, nil
}

// describe names a side of the comparison.
func describe(src *source) string {
	if src.commit == nil {
		return src.dir + " in the work tree"
	}
	return src.String()
}

// compareProjects lists what differs between the environments of base
// and head.
func compareProjects(base, head *config.Project) (*changeSet, error) {
	cs := &changeSet{Environments: []touchedEnv{}, All: true}
	names := unionNames(base.EnvNames(), head.EnvNames())
	for _, name := range names {
		be, he := base.Env(name), head.Env(name)
		var t touchedEnv
		switch {
		case be == nil:
			t = touchedEnv{Name: name, Services: serviceNames(he), Shared: true, Added: true}
		case he == nil:
			t = touchedEnv{Name: name, Services: serviceNames(be), Shared: true, Removed: true}
		default:
			var err error
			if t, err = compareEnv(base.Name, be, head.Name, he); err != nil {
				return nil, err
			}
		}
		if !t.Shared && len(t.Services) == 0 {
			cs.All = false
			continue
		}
		all := unionNames(serviceNames(be), serviceNames(he))
		if len(t.Services) < len(all) {
			cs.All = false
		}
		cs.Environments = append(cs.Environments, t)
	}
	if len(names) == 0 {
		cs.All = false
	}
	return cs, nil
}

// compareEnv compiles an environment at both sides and compares, per
// service and outside any, the settings and the resources.
func compareEnv(baseProject string, be *config.Environment, headProject string, he *config.Environment) (touchedEnv, error) {
	t := touchedEnv{Name: he.Name, Services: []string{}}
	bg, err := compiler.Compile(be, baseProject, compiler.CompileOptions{})
	if err != nil {
		return t, fmt.Errorf("compile %s at the base: %w", be.Name, err)
	}
	hg, err := compiler.Compile(he, headProject, compiler.CompileOptions{})
	if err != nil {
		return t, fmt.Errorf("compile %s: %w", he.Name, err)
	}
	bparts, hparts := partsOf(bg, be), partsOf(hg, he)
	for _, key := range unionNames(keys(bparts), keys(hparts)) {
		if bytes.Equal(bparts[key], hparts[key]) {
			continue
		}
		if svc, ok := strings.CutPrefix(key, "service/"); ok {
			t.Services = append(t.Services, svc)
		} else {
			t.Shared = true
		}
	}
	return t, nil
}

// partsOf splits an environment into what can be touched: one part per
// service ("service/NAME": its settings and its resources) and one for
// the rest ("": the environment's own settings and every other
// resource), each as canonical JSON.
func partsOf(g *graph.Graph, env *config.Environment) map[string][]byte {
	type part struct {
		Settings  any               `json:"settings"`
		Resources []*graph.Resource `json:"resources"`
	}
	parts := map[string]*part{}
	get := func(key string) *part {
		if parts[key] == nil {
			parts[key] = &part{}
		}
		return parts[key]
	}
	shared := *env
	shared.Services = nil
	get("").Settings = shared
	for _, s := range env.Services {
		get("service/" + s.Name).Settings = s
	}
	for _, r := range g.Resources {
		key := ""
		if rest, ok := strings.CutPrefix(r.Address, "service/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			key = "service/" + name
		}
		p := get(key)
		p.Resources = append(p.Resources, r)
	}
	out := make(map[string][]byte, len(parts))
	for k, p := range parts {
		slices.SortFunc(p.Resources, func(a, b *graph.Resource) int { return strings.Compare(a.Address, b.Address) })
		b, err := json.Marshal(p)
		if err != nil {
			// Graphs and settings are JSON by construction; a value that
			// is not would make every comparison unequal, never equal.
			b = []byte(fmt.Sprintf("unencodable: %v", err))
		}
		out[k] = b
	}
	return out
}

func serviceNames(e *config.Environment) []string {
	if e == nil {
		return nil
	}
	out := make([]string, 0, len(e.Services))
	for _, s := range e.Services {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return out
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// unionNames is the sorted union of a and b, without duplicates.
func unionNames(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// writeChangedText writes one line per touched environment.
func writeChangedText(w io.Writer, cs *changeSet, base, head *source) {
	fmt.Fprintf(w, "Between %s and %s:\n", base.commit.Name(), headName(head))
	if len(cs.Environments) == 0 {
		fmt.Fprintln(w, "  nothing touched: every environment compiles to the same resources with the same settings")
		return
	}
	for _, e := range cs.Environments {
		var what []string
		switch {
		case e.Added:
			what = append(what, "added")
		case e.Removed:
			what = append(what, "removed")
		case e.Shared:
			what = append(what, "shared resources or settings")
		}
		if len(e.Services) > 0 {
			what = append(what, "services "+strings.Join(e.Services, ", "))
		}
		fmt.Fprintf(w, "  %s: %s\n", e.Name, strings.Join(what, "; "))
	}
	if cs.All {
		fmt.Fprintln(w, allTouched(len(cs.Environments)))
	}
}

// allTouched says what "all" means: the environments listed are every one
// the project has. A project of one environment is said as such, not as
// "everything", which would read as a change to shared configuration.
func allTouched(envs int) string {
	if envs == 1 {
		return "That is the project's only environment, touched in all its services."
	}
	return fmt.Sprintf("That is all %d environments, each touched in all its services or in shared resources.", envs)
}

func headName(head *source) string {
	if head.commit == nil {
		return "the work tree"
	}
	return head.commit.Name()
}
