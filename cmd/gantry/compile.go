package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gantry-gitops/gantry/cloudformation"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
)

type compileFlags struct {
	env    string
	format string
	ref    string
}

func newCompileCmd() *cobra.Command {
	f := &compileFlags{}
	cmd := &cobra.Command{
		Use:   "compile [DIR]",
		Short: "Print the AWS resource graph a configuration compiles to",
		Long: `Compile the configuration in DIR (default ".") into the concrete AWS
resources gantry manages, per environment: addresses, CloudFormation types
and properties, references to values AWS assigns (ARNs, ids, DNS names) and
dependencies. The output is deterministic: the same configuration always
prints the same bytes. Sensitive values are masked.

Formats:
  json            {"project", "environment", "account", "region",
                  "resources": [{address, type, properties, tags,
                  dependsOn}]} sorted by address. Without --env, every
                  environment: {"project", "environments": [ ...one such
                  object per environment... ]}.
  yaml            the same document as YAML.
  cloudformation  a CloudFormation template (Ref / Fn::GetAtt / Fn::Join
                  for references, tags in each type's tag property,
                  sensitive values as NoEcho parameters). One environment:
                  needs --env when the project has several.

An invalid configuration prints the validation diagnostics and exits 1.
docs/compile.md describes every resource, name and the listener rule
priority algorithm.`,
		Example: `  gantry compile --env prod
  gantry compile ./deploy --env staging --format yaml
  gantry compile --env prod --format cloudformation > template.json
  gantry compile --env prod --ref main > main.json
  gantry compile | jq '.environments[] | {environment, n: (.resources | length)}'
  gantry compile --env prod | jq '.resources | group_by(.type) | map({type: .[0].type, n: length})'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			return runCompile(cmd, dir, f)
		},
	}
	envFlag(cmd, &f.env, "environment to compile (default: every environment)")
	choiceFlag(cmd, &f.format, "format", "json", "output format: json, yaml or cloudformation", "json", "yaml", "cloudformation")
	refFlag(cmd, &f.ref)
	return cmd
}

func runCompile(cmd *cobra.Command, dir string, f *compileFlags) error {
	if err := checkChoice("format", f.format, "json", "yaml", "cloudformation"); err != nil {
		return err
	}
	p, err := loadProjectFrom(cmd, &source{dir: dir, ref: f.ref}, f.env)
	if err != nil {
		return err
	}
	envs, err := selectEnvironments(p, f.env, f.format == "cloudformation")
	if err != nil {
		return err
	}
	graphs := make([]*graph.Graph, 0, len(envs))
	for _, env := range envs {
		g, err := compiler.Compile(env, p.Name, compiler.CompileOptions{})
		if err != nil {
			return failed(err)
		}
		graphs = append(graphs, g)
	}

	var doc any
	switch {
	case f.format == "cloudformation":
		// From the unmasked graph: its sensitive values become NoEcho
		// parameters, so the template carries none of them.
		tmpl, err := cloudformation.Template(graphs[0])
		if err != nil {
			return failed(err)
		}
		doc = tmpl
	case f.env != "":
		doc = graphs[0].Masked()
	default:
		masked := make([]*graph.Graph, len(graphs))
		for i, g := range graphs {
			masked[i] = g.Masked()
		}
		doc = struct {
			Project      string         `json:"project"`
			Environments []*graph.Graph `json:"environments"`
		}{p.Name, masked}
	}
	out, err := marshalJSON(doc)
	if err != nil {
		return usage(err)
	}
	if f.format == "yaml" {
		if out, err = jsonToYAML(out); err != nil {
			return usage(err)
		}
	}
	_, err = cmd.OutOrStdout().Write(out)
	return err
}

// selectEnvironments returns the environment named by --env, or every
// environment; one is required when single is true and there are several.
func selectEnvironments(p *config.Project, name string, single bool) ([]*config.Environment, error) {
	if name == "" {
		if single && len(p.Environments) > 1 {
			return nil, usage(fmt.Errorf("--env is required: the configuration has %d environments (%s)",
				len(p.Environments), strings.Join(p.EnvNames(), ", ")))
		}
		if len(p.Environments) == 0 {
			return nil, failed(fmt.Errorf("the project defines no environments"))
		}
		return p.Environments, nil
	}
	env := p.Env(name)
	if env == nil {
		return nil, usage(noSuchEnv(p, name))
	}
	return []*config.Environment{env}, nil
}

// marshalJSON is indented JSON without HTML escaping (a "<" in a health
// check command stays readable), with a final newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonToYAML re-encodes a JSON document as block-style YAML, keeping the
// JSON's key order. Strings that YAML would read as another type ("80",
// "true") stay quoted.
func jsonToYAML(js []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(js, &n); err != nil {
		return nil, err
	}
	var plain func(*yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&n)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compileOne loads the configuration in dir and compiles the one
// environment env names (required when there are several): what graph and
// policy start from.
func compileOne(cmd *cobra.Command, dir, env string) (*graph.Graph, error) {
	return compileOneFrom(cmd, &source{dir: dir}, env)
}

// compileOneFrom is compileOne for a source (--ref).
func compileOneFrom(cmd *cobra.Command, src *source, env string) (*graph.Graph, error) {
	p, err := loadProjectFrom(cmd, src, env)
	if err != nil {
		return nil, err
	}
	envs, err := selectEnvironments(p, env, true)
	if err != nil {
		return nil, err
	}
	g, err := compiler.Compile(envs[0], p.Name, compiler.CompileOptions{})
	if err != nil {
		return nil, failed(err)
	}
	return g, nil
}
