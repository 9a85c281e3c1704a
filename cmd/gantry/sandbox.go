package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/sandbox"
)

// sandboxFlags are the flags every `gantry sandbox` subcommand shares:
// which sandbox, and which slice of it.
type sandboxFlags struct {
	dir     string
	project string
	env     string
	account string
	region  string
}

func (f *sandboxFlags) filter() sandbox.Filter {
	return sandbox.Filter{Project: f.project, Environment: f.env, Account: f.account, Region: f.region}
}

// open opens the sandbox --sandbox or GANTRY_SANDBOX names: read-only
// for commands that only look, creating it for those that set one up.
func (f *sandboxFlags) open(o sandbox.Options) (*sandbox.Sandbox, error) {
	dir := sandboxDir(f.dir)
	if dir == "" {
		return nil, usage(errors.New("no sandbox: use --sandbox DIR or set " + sandbox.EnvDir + "=DIR"))
	}
	sb, err := sandbox.Open(dir, o)
	if err != nil {
		return nil, failed(err)
	}
	return sb, nil
}

func newSandboxCmd() *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Inspect and change the local sandbox account out of band",
		Long: `The sandbox is an embedded AWS account in a directory: plan and apply
work against it with --sandbox DIR (or GANTRY_SANDBOX=DIR). These commands
look inside it and change it the way someone would in the AWS console, so
drift and failures can be shown and tested:

  init        create a new, empty sandbox account in a directory
  list        resources in the sandbox (gantry's, or --all)
  show        one resource as AWS reads it back, with its deployments
  edit        change properties or tags out of band (drift)
  delete      delete a resource out of band
  create      create a resource, unowned unless --address is given
  push-image  put an image into an ECR repository
  knobs       show or set latency, throttling, failures, deployment time
  fail        inject targeted failures into API calls
  locks       show the apply locks held
  publish-ami publish a newer ECS-optimised AMI, as AWS does

A resource is named by its gantry address (within --project/--env), or by
its id, ARN or name. docs/sandbox.md describes the sandbox in full.`,
		Example: `  gantry sandbox list --sandbox ./.sandbox --env staging
  gantry sandbox show service/api --env staging
  gantry sandbox edit service/api --env staging DesiredCount=5
  gantry sandbox knobs --latency 50ms --deployment-duration 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.dir, "sandbox", "", "the sandbox `DIR` (default $"+sandbox.EnvDir+")")
	pf.StringVar(&f.project, "project", "", "only resources of this project")
	pf.StringVar(&f.env, "env", "", "only resources of this environment")
	pf.StringVar(&f.account, "account", "", "only this AWS account")
	pf.StringVar(&f.region, "region", "", "only this region")
	cmd.AddCommand(
		newSandboxInitCmd(f), newSandboxListCmd(f), newSandboxShowCmd(f), newSandboxEditCmd(f), newSandboxDeleteCmd(f),
		newSandboxCreateCmd(f), newSandboxPushImageCmd(f), newSandboxKnobsCmd(f), newSandboxFailCmd(f),
		newSandboxLocksCmd(f), newSandboxPublishAMICmd(f),
	)
	return cmd
}

func newSandboxInitCmd(f *sandboxFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create a new, empty sandbox account in a directory",
		Long: `Create the sandbox --sandbox DIR (or GANTRY_SANDBOX) names: the directory,
if it does not exist, and an empty account in it. plan, apply, destroy and
unlock refuse a --sandbox directory that does not exist, so that a
mistyped path is never silently a new, empty account (which a plan would
show as everything to create); an existing empty directory is an empty
account too. Running init on an existing sandbox changes nothing.`,
		Example: `  gantry sandbox init --sandbox ./.sandbox
  GANTRY_SANDBOX=$(mktemp -d)/sb gantry sandbox init`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sb, err := f.open(sandbox.Options{Create: true})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Sandbox ready in %s.\n", sb.Dir())
			return nil
		},
	}
}

func newSandboxListCmd(f *sandboxFlags) *cobra.Command {
	var all bool
	var typ, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the resources in the sandbox",
		Long: `List the resources in the sandbox: those gantry owns (by their ownership
tags), or with --all every resource, unowned ones and deregistered or
deleted ones included. Text output is a table of address, type, id and
status; --format json prints the resources in full.`,
		Example: `  gantry sandbox list --env staging
  gantry sandbox list --all --type AWS::EC2::SecurityGroup
  gantry sandbox list --format json | jq '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", format, "text", "json"); err != nil {
				return err
			}
			sb, err := f.open(sandbox.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			flt := f.filter()
			flt.Type = typ
			flt.Unowned, flt.Inactive = all, all
			res, err := sb.Resources(cmd.Context(), flt)
			if err != nil {
				return failed(err)
			}
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), nonNil(res))
			}
			writeResourceTable(cmd.OutOrStdout(), res)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include unowned, deregistered and deleted resources")
	cmd.Flags().StringVar(&typ, "type", "", "only this CloudFormation type")
	_ = cmd.RegisterFlagCompletionFunc("type", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return catalog.Names(), cobra.ShellCompDirectiveNoFileComp
	})
	choiceFlag(cmd, &format, "format", "text", "output format: text or json", "text", "json")
	return cmd
}

func nonNil(res []*sandbox.Resource) []*sandbox.Resource {
	if res == nil {
		return []*sandbox.Resource{}
	}
	return res
}

func writeResourceTable(w io.Writer, res []*sandbox.Resource) {
	if len(res) == 0 {
		fmt.Fprintln(w, "No resources.")
		return
	}
	// The id goes last: ARNs run to 200 characters and would pad every
	// column after them.
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tTYPE\tSTATUS\tOWNER\tID")
	for _, r := range res {
		addr, owner := r.Address, r.Project+"/"+r.Environment
		if addr == "" {
			addr, owner = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", addr, r.Type, r.Status, owner, r.ID)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d resource(s).\n", len(res))
}

func writeJSON(w io.Writer, v any) error {
	out, err := marshalJSON(v)
	if err == nil {
		_, err = w.Write(out)
	}
	if err != nil {
		return failed(err)
	}
	return nil
}

func newSandboxShowCmd(f *sandboxFlags) *cobra.Command {
	var stored bool
	cmd := &cobra.Command{
		Use:   "show REF",
		Short: "Show one resource as AWS reads it back",
		Long: `Show one resource as JSON: its properties as the API reads them back
(AWS's defaults filled in), the properties as last written ("stored"),
attributes, tags and, for a service, its deployments and health.

REF is a gantry address (within --project and --env), an id, an ARN or a
name. A task definition's address names its latest revision.`,
		Example: `  gantry sandbox show service/api --env staging
  gantry sandbox show sg-0123456789abcdef0
  gantry sandbox show service/api --env staging --properties`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sb, err := f.open(sandbox.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			flt := f.filter()
			flt.Inactive = true
			r, err := sb.Get(cmd.Context(), flt, args[0])
			if err != nil {
				return failed(err)
			}
			if stored {
				return writeJSON(cmd.OutOrStdout(), r.Properties)
			}
			return writeJSON(cmd.OutOrStdout(), r)
		},
	}
	cmd.Flags().BoolVar(&stored, "properties", false, "print only the properties as read back")
	return cmd
}

func newSandboxEditCmd(f *sandboxFlags) *cobra.Command {
	var merge string
	var unset, tags, untags []string
	cmd := &cobra.Command{
		Use:   "edit REF [PATH=VALUE]...",
		Short: "Change a resource out of band, as in the AWS console",
		Long: `Change a resource's properties or tags without gantry, as someone would in
the AWS console, so that the next plan shows the drift.

Each PATH=VALUE sets one property: PATH is dot-separated property names and
list indexes (ContainerDefinitions.0.Image); a name containing a dot goes
in brackets (Options[awslogs-group]); an index one past the end appends.
VALUE is read as JSON when it is valid JSON (5, true, {"Enable":true},
"quoted") and as a string otherwise. --unset removes a property,
--merge applies a JSON merge patch (RFC 7386) to the properties, --tag and
--untag change tags (removing gantry:project makes the resource unowned).

The change goes through AWS's checks: a property AWS cannot change in
place is refused, a service whose task definition changes starts a new
deployment, and a task definition gets a new revision.`,
		Example: `  gantry sandbox edit service/api --env staging DesiredCount=5
  gantry sandbox edit service/api/target-group --env staging HealthCheckPath=/ping
  gantry sandbox edit service/api/task-definition --env staging 'ContainerDefinitions.0.Image=nginx:1.27'
  gantry sandbox edit load-balancer/public --env prod --merge '{"IpAddressType":"dualstack"}'
  gantry sandbox edit service/api --env staging --tag owner=alice --untag team`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sets, err := parseAssignments(args[1:])
			if err != nil {
				return usage(err)
			}
			var patch map[string]any
			if merge != "" {
				if err := json.Unmarshal([]byte(merge), &patch); err != nil {
					return usage(fmt.Errorf("--merge: not a JSON object: %w", err))
				}
			}
			tagSets, err := parseTags(tags)
			if err != nil {
				return usage(err)
			}
			if len(sets) == 0 && patch == nil && len(unset) == 0 && len(tagSets) == 0 && len(untags) == 0 {
				return usage(errors.New("nothing to change: give PATH=VALUE, --unset, --merge, --tag or --untag"))
			}
			sb, err := f.open(sandbox.Options{})
			if err != nil {
				return err
			}
			var res *sandbox.Resource
			if len(sets) > 0 || patch != nil || len(unset) > 0 {
				res, err = sb.Edit(cmd.Context(), f.filter(), args[0], func(p map[string]any) error {
					if patch != nil {
						sandbox.MergePatch(p, patch)
					}
					for _, a := range sets {
						if err := sandbox.SetPath(p, a.path, a.value); err != nil {
							return err
						}
					}
					for _, u := range unset {
						if err := sandbox.DeletePath(p, u); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return failed(err)
				}
			}
			if len(tagSets) > 0 || len(untags) > 0 {
				ref := args[0]
				if res != nil {
					ref = res.ID
				}
				res, err = sb.EditTags(cmd.Context(), f.filter(), ref, func(t map[string]string) error {
					for k, v := range tagSets {
						t[k] = v
					}
					for _, k := range untags {
						delete(t, k)
					}
					return nil
				})
				if err != nil {
					return failed(err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Edited %s %s%s.\n", res.Type, res.ID, addressSuffix(res))
			return nil
		},
	}
	cmd.Flags().StringVar(&merge, "merge", "", "apply this JSON merge patch to the properties")
	cmd.Flags().StringArrayVar(&unset, "unset", nil, "remove the property at `PATH` (repeatable)")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "set tag `KEY=VALUE` (repeatable)")
	cmd.Flags().StringArrayVar(&untags, "untag", nil, "remove tag `KEY` (repeatable)")
	return cmd
}

func addressSuffix(r *sandbox.Resource) string {
	if r.Address == "" {
		return " (unowned)"
	}
	return " (" + r.Address + " in " + r.Project + "/" + r.Environment + ")"
}

type assignment struct {
	path  string
	value any
}

// parseAssignments reads PATH=VALUE arguments; VALUE is JSON when it
// parses as JSON, else a string.
func parseAssignments(args []string) ([]assignment, error) {
	var out []assignment
	for _, a := range args {
		p, v, ok := strings.Cut(a, "=")
		if !ok || p == "" {
			return nil, fmt.Errorf("%q: want PATH=VALUE", a)
		}
		var val any = v
		var parsed any
		if json.Unmarshal([]byte(v), &parsed) == nil {
			val = parsed
		}
		out = append(out, assignment{path: p, value: val})
	}
	return out, nil
}

func parseTags(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q: want KEY=VALUE", a)
		}
		out[k] = v
	}
	return out, nil
}

func newSandboxDeleteCmd(f *sandboxFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete REF",
		Short: "Delete a resource out of band, as in the AWS console",
		Long: `Delete a resource without gantry, as someone would in the AWS console: the
next plan creates it again. AWS's checks apply (a target group a listener
rule uses cannot be deleted, a load balancer takes its listeners with it).`,
		Example: `  gantry sandbox delete service/api/alarm/highCPU --env staging`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sb, err := f.open(sandbox.Options{})
			if err != nil {
				return err
			}
			r, err := sb.Get(cmd.Context(), f.filter(), args[0])
			if err != nil {
				return failed(err)
			}
			if err := sb.Remove(cmd.Context(), f.filter(), r.ID); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s %s%s.\n", r.Type, r.ID, addressSuffix(r))
			return nil
		},
	}
}

func newSandboxCreateCmd(f *sandboxFlags) *cobra.Command {
	var props, address string
	var tags []string
	cmd := &cobra.Command{
		Use:   "create TYPE --props JSON",
		Short: "Create a resource in the sandbox (unowned unless --address)",
		Long: `Create a resource of a CloudFormation TYPE from CloudFormation-shaped
properties, in --account and --region (defaults 123456789012, us-east-1).

Without --address the resource carries no ownership tags: it belongs to no
project, and gantry must never list, change or delete it. With --address,
--project and --env it is created as gantry would have created it at that
address (with the ownership tags). Prints the resource's id.`,
		Example: `  gantry sandbox create AWS::EC2::SecurityGroup --account 111111111111 --region eu-west-1 \
    --props '{"GroupName":"legacy","GroupDescription":"not gantry'"'"'s","VpcId":"vpc-0f3a9c1e2b4d5a6c7"}'
  gantry sandbox create AWS::Logs::LogGroup --project shop --env staging --address service/old/log-group \
    --props '{"LogGroupName":"/ecs/shop-staging-old"}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p map[string]any
			if err := json.Unmarshal([]byte(props), &p); err != nil {
				return usage(fmt.Errorf("--props: not a JSON object: %w", err))
			}
			t, err := parseTags(tags)
			if err != nil {
				return usage(err)
			}
			sb, err := f.open(sandbox.Options{Create: true})
			if err != nil {
				return err
			}
			req := provider.Request{Address: address, Type: args[0], Properties: p, Tags: t}
			var obs *provider.Observed
			if address == "" {
				obs, err = sb.CreateUnowned(cmd.Context(), f.account, f.region, req)
			} else {
				if f.project == "" || f.env == "" {
					return usage(errors.New("--address needs --project and --env"))
				}
				t[graph.TagProject], t[graph.TagEnvironment], t[graph.TagAddress] = f.project, f.env, address
				obs, err = sb.Create(cmd.Context(), provider.Scope{Project: f.project, Environment: f.env, Account: f.account, Region: f.region}, req)
			}
			if err != nil {
				return failed(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), obs.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&props, "props", "{}", "the properties, as a JSON object")
	cmd.Flags().StringVar(&address, "address", "", "create it as gantry's resource at this address (with --project and --env)")
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "tag `KEY=VALUE` (repeatable)")
	return cmd
}

func newSandboxPushImageCmd(f *sandboxFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "push-image REPOSITORY TAG",
		Short: "Put an image into an ECR repository of the sandbox",
		Long: `Record an image tag in an ECR repository (by address, name or ARN). A
repository that holds images cannot be deleted unless its EmptyOnDelete
property is true.`,
		Example: `  gantry sandbox push-image repository/api 1.8.0 --env staging`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sb, err := f.open(sandbox.Options{})
			if err != nil {
				return err
			}
			if err := sb.PushImage(cmd.Context(), f.filter(), args[0], args[1]); err != nil {
				return failed(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Pushed %s:%s.\n", args[0], args[1])
			return nil
		},
	}
}

func newSandboxKnobsCmd(f *sandboxFlags) *cobra.Command {
	var latency, deploy time.Duration
	var throttle, failure float64
	var lost, shuffle bool
	var seed int64
	var reset bool
	cmd := &cobra.Command{
		Use:   "knobs",
		Short: "Show or set the sandbox's latency, throttling, failures and deployment time",
		Long: `Show the knobs saved in the sandbox, or change them with flags; the
change is saved in the sandbox directory for every later command.
GANTRY_SANDBOX_LATENCY, _THROTTLE_RATE, _FAILURE_RATE, _LOST_RESPONSES,
_DEPLOYMENT_DURATION, _SHUFFLE and _SEED override them for one process.

  --latency              added to every simulated API call
  --throttle-rate        fraction of calls failing with the API's throttling error
  --failure-rate         fraction of calls failing with a transient server error
  --lost-responses       half of the failed writes happen anyway (the response is lost)
  --deployment-duration  how long an ECS deployment takes to complete (0: at once)
  --shuffle              return set-like lists in another order than given
  --seed                 seed of identifiers, orders and failures`,
		Example: `  gantry sandbox knobs
  gantry sandbox knobs --latency 50ms --deployment-duration 2s
  gantry sandbox knobs --throttle-rate 0.2 --failure-rate 0.2 --lost-responses
  gantry sandbox knobs --reset`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.editKnobs(cmd.OutOrStdout(), func(k *sandbox.Knobs) bool {
				fl := cmd.Flags()
				changed := reset
				if reset {
					*k = sandbox.DefaultKnobs()
				}
				if fl.Changed("latency") {
					k.Latency, changed = sandbox.Duration(latency), true
				}
				if fl.Changed("deployment-duration") {
					k.DeploymentDuration, changed = sandbox.Duration(deploy), true
				}
				if fl.Changed("throttle-rate") {
					k.ThrottleRate, changed = throttle, true
				}
				if fl.Changed("failure-rate") {
					k.FailureRate, changed = failure, true
				}
				if fl.Changed("lost-responses") {
					k.LostResponses, changed = lost, true
				}
				if fl.Changed("shuffle") {
					k.NoShuffle, changed = !shuffle, true
				}
				if fl.Changed("seed") {
					k.Seed, changed = seed, true
				}
				return changed
			})
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&latency, "latency", 0, "latency per API call")
	fl.DurationVar(&deploy, "deployment-duration", 0, "time an ECS deployment takes")
	fl.Float64Var(&throttle, "throttle-rate", 0, "fraction of calls throttled (0..1)")
	fl.Float64Var(&failure, "failure-rate", 0, "fraction of calls failing transiently (0..1)")
	fl.BoolVar(&lost, "lost-responses", false, "failed writes may have happened")
	fl.BoolVar(&shuffle, "shuffle", true, "return set-like lists in another order")
	fl.Int64Var(&seed, "seed", 0, "seed for identifiers, orders and failures")
	fl.BoolVar(&reset, "reset", false, "back to the defaults (no latency or failures, 2s deployments)")
	return cmd
}

// editKnobs is knobs and fail: change edits the knobs saved in the
// sandbox, which are saved again when it reports a change, then printed.
func (f *sandboxFlags) editKnobs(w io.Writer, change func(k *sandbox.Knobs) bool) error {
	sb, err := f.open(sandbox.Options{Create: true})
	if err != nil {
		return err
	}
	k, err := sb.SavedKnobs()
	if err != nil {
		return failed(err)
	}
	if change(&k) {
		if err := sb.SaveKnobs(k); err != nil {
			return usage(err)
		}
	}
	writeKnobs(w, k)
	return nil
}

func writeKnobs(w io.Writer, k sandbox.Knobs) {
	fmt.Fprintf(w, "latency:             %s\n", k.Latency)
	fmt.Fprintf(w, "throttle rate:       %s\n", strconv.FormatFloat(k.ThrottleRate, 'f', -1, 64))
	fmt.Fprintf(w, "failure rate:        %s\n", strconv.FormatFloat(k.FailureRate, 'f', -1, 64))
	fmt.Fprintf(w, "lost responses:      %t\n", k.LostResponses)
	fmt.Fprintf(w, "deployment duration: %s\n", k.DeploymentDuration)
	fmt.Fprintf(w, "shuffle:             %t\n", !k.NoShuffle)
	fmt.Fprintf(w, "seed:                %d\n", k.Seed)
	if len(k.Failures) == 0 {
		fmt.Fprintln(w, "failures:            none")
		return
	}
	fmt.Fprintln(w, "failures:")
	for i, fl := range k.Failures {
		fmt.Fprintf(w, "  %d. %s\n", i+1, fl)
	}
}

func newSandboxFailCmd(f *sandboxFlags) *cobra.Command {
	var fl sandbox.Failure
	var clear bool
	cmd := &cobra.Command{
		Use:   "fail",
		Short: "Inject a targeted failure into the sandbox's API calls",
		Long: `Add a failure that API calls matching --operation (an AWS operation or a
pattern: "ecs:CreateService", "ecs:*", "*:Delete*") and --address (a gantry
address or pattern) meet: the AWS error --code (default: the service's
transient server error) with --message, for every matching call, a --rate
of them, or the next --times of them. --after makes a write fail after its
change was made (a lost response). --clear removes every failure.`,
		Example: `  gantry sandbox fail --operation ecs:UpdateService --address service/api --times 1
  gantry sandbox fail --operation 'elasticloadbalancing:*' --code Throttling --rate 0.5
  gantry sandbox fail --operation ecs:CreateService --after --times 1
  gantry sandbox fail --clear`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.editKnobs(cmd.OutOrStdout(), func(k *sandbox.Knobs) bool {
				if clear {
					k.Failures = nil
				} else {
					k.Failures = append(k.Failures, fl)
				}
				return true
			})
		},
	}
	c := cmd.Flags()
	c.StringVar(&fl.Operation, "operation", "", "AWS operation or pattern (default: every operation)")
	c.StringVar(&fl.Address, "address", "", "gantry address or pattern (default: every address)")
	c.StringVar(&fl.Code, "code", "", "AWS error code (default: the service's transient error)")
	c.StringVar(&fl.Message, "message", "", "error message")
	c.Float64Var(&fl.Rate, "rate", 0, "fraction of matching calls that fail (default: all)")
	c.IntVar(&fl.Times, "times", 0, "fail only the next N matching calls")
	c.BoolVar(&fl.After, "after", false, "fail writes after making the change")
	c.BoolVar(&clear, "clear", false, "remove every injected failure")
	return cmd
}

func newSandboxLocksCmd(f *sandboxFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "locks",
		Short: "Show the apply locks held in the sandbox",
		Long: `List the apply locks held in the sandbox, one per project and
environment: holder, process, commit and since when. Break a crashed
holder's lock with gantry unlock --force and the lock id.`,
		Example: `  gantry sandbox locks --sandbox ./.sandbox`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sb, err := f.open(sandbox.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			locks, err := sb.Locks()
			if err != nil {
				return failed(err)
			}
			w := cmd.OutOrStdout()
			if len(locks) == 0 {
				fmt.Fprintln(w, "No locks held.")
				return nil
			}
			keys := make([]string, 0, len(locks))
			for k := range locks {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT/ENV\tID\tHOLDER\tPID\tOPERATION\tCOMMIT\tSINCE")
			for _, k := range keys {
				l := locks[k]
				fmt.Fprintf(tw, "%s\t%s\t%s@%s\t%d\t%s\t%s\t%s\n", k, l.ID, l.User, l.Host, l.PID, l.Operation, l.Commit, l.Since.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
}
