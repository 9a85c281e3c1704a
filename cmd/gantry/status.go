package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

type statusFlags struct {
	target           targetFlags
	format           string
	detailedExitCode bool
}

// statusVersion is the version of the JSON status document
// (docs/status.md); it changes only when a field changes meaning or goes.
const statusVersion = 1

func newStatusCmd() *cobra.Command {
	f := &statusFlags{}
	cmd := &cobra.Command{
		Use:   "status [DIR] [--env ENV]",
		Short: "Show what runs in an environment: per service the commit that deployed it, its image, tasks, rollout and targets; drift; URLs",
		Long: `Status reads one environment's live state (the sandbox or AWS, like plan)
and shows, per service of the configuration in DIR (default "."):

  commit    the git commit whose apply last created or changed the service
            (its gantry:commit tag; "-" when applied outside git)
  image     the image the running task definition runs
  tasks     running/desired, and pending tasks
  rollout   the primary deployment's state: COMPLETED, IN_PROGRESS or FAILED
  targets   healthy/total targets in its target group (routed services)
  sync      whether live differs from the configuration: "in sync",
            "drifted" (changed outside gantry) or "pending" (configuration
            changes not applied yet)

and for the environment as a whole whether live matches the configuration
(the plan's diff: "in sync", "drifted: N changes (M drift)" or
"pending: N changes from config"; gantry plan lists them), each load
balancer's DNS name and each routed service's URL.

Formats: text (default) and json (versioned and stable; see
docs/status.md).

Status is informational: exit 0 whether or not live has drifted, 1 when
the configuration is invalid or live state cannot be read. With
--detailed-exitcode, exit 2 when live differs from the configuration.`,
		Example: `  gantry status --env prod --sandbox ./.sandbox
  gantry status ./deploy --env staging --format json | jq -r '.services[] | "\(.name) \(.commit)"'
  gantry status --env prod --detailed-exitcode || echo "prod differs from main"`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runStatus(cmd, dirArg(args), f)
			if f.detailedExitCode {
				// 2 means "differs" here, so a usage error is exit 1.
				err = usageAsFailure(err)
			}
			return err
		},
	}
	f.target.register(cmd)
	f.target.readOnly = true // status never changes the account
	choiceFlag(cmd, &f.format, "format", "text", "output format: text or json", "text", "json")
	cmd.Flags().BoolVar(&f.detailedExitCode, "detailed-exitcode", false, "exit 0 when live matches the configuration, 2 when it differs (1 on error)")
	return cmd
}

// runStatus plans the environment (the diff says whether live drifted),
// reads each service's health and renders what it found.
func runStatus(cmd *cobra.Command, dir string, f *statusFlags) error {
	if err := checkChoice("format", f.format, "text", "json"); err != nil {
		return err
	}
	ws, plan, err := f.target.planNow(cmd, dir)
	if err != nil {
		return err
	}
	st, err := readStatus(cmd.Context(), ws, plan)
	if err != nil {
		return failed(err)
	}
	out := cmd.OutOrStdout()
	if f.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return failed(err)
		}
	} else {
		writeStatusText(out, st, suggestedCommand("plan", dir, f.target.sandbox, "--env", st.Environment))
	}
	if f.detailedExitCode && st.Sync.State != statusInSync {
		return &exitError{code: 2}
	}
	return nil
}

// The JSON status document (docs/status.md). Field names and meanings are
// stable within a version.
type statusDoc struct {
	Version     int             `json:"version"`
	Project     string          `json:"project"`
	Environment string          `json:"environment"`
	Account     string          `json:"account"`
	Region      string          `json:"region"`
	Provider    string          `json:"provider"`
	Sync        statusSync      `json:"sync"`
	Services    []statusService `json:"services"`
	Outputs     statusOutputs   `json:"outputs"`
}

// statusSync says whether live matches the configuration, from the plan's
// changes: Drift counts the changes AWS was changed outside gantry for
// (drift, config+drift, or a difference of unknown origin), Config the
// others (new, configuration changed, removed).
type statusSync struct {
	State   string `json:"state"` // in-sync | drifted | pending
	Changes int    `json:"changes"`
	Drift   int    `json:"drift"`
	Config  int    `json:"config"`
	// Published counts, among the others, the changes only a value AWS
	// published explains (a new ECS-optimised AMI: planner.CausePublished).
	Published int `json:"published,omitempty"`
}

const (
	statusInSync  = "in-sync"
	statusDrifted = "drifted"
	statusPending = "pending"
)

type statusService struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Deployed is false when the service does not exist yet (or any
	// more): the other live fields are then empty.
	Deployed       bool   `json:"deployed"`
	Commit         string `json:"commit,omitempty"`
	Repository     string `json:"repository,omitempty"`
	TaskDefinition string `json:"taskDefinition,omitempty"`
	Image          string `json:"image,omitempty"`
	Tasks          struct {
		Running int `json:"running"`
		Desired int `json:"desired"`
		Pending int `json:"pending"`
	} `json:"tasks"`
	Rollout struct {
		State      string `json:"state,omitempty"`
		Reason     string `json:"reason,omitempty"`
		RolledBack bool   `json:"rolledBack"`
	} `json:"rollout"`
	// Targets is nil for a service without a route.
	Targets *statusTargets `json:"targets,omitempty"`
	Sync    statusSync     `json:"sync"`
}

type statusTargets struct {
	Healthy int `json:"healthy"`
	// Total counts the targets that serve or are about to: not those
	// draining, which the load balancer is taking out (an older task
	// after a deployment).
	Total    int `json:"total"`
	Draining int `json:"draining,omitempty"`
}

type statusOutputs struct {
	LoadBalancers []statusLB  `json:"loadBalancers"`
	URLs          []statusURL `json:"urls"`
}

type statusLB struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// DNSName is "" while the load balancer does not exist.
	DNSName string `json:"dnsName,omitempty"`
}

type statusURL struct {
	Service string `json:"service"`
	// URL is "" while the host it needs is unknown (the load balancer
	// is not created yet and the route names no host).
	URL string `json:"url,omitempty"`
}

// readStatus gathers the status of ws's environment from plan (its live
// state and changes) and one Health read per deployed service.
func readStatus(ctx context.Context, ws *workspace, plan *planner.Plan) (*statusDoc, error) {
	st := &statusDoc{
		Version: statusVersion, Project: ws.scope.Project, Environment: ws.scope.Environment,
		Account: ws.scope.Account, Region: ws.scope.Region, Provider: ws.prov.Name(),
		Sync:     statusSyncOf(plan.Changes, ""),
		Services: []statusService{},
		Outputs:  statusOutputs{LoadBalancers: []statusLB{}, URLs: []statusURL{}},
	}
	live := map[string]*provider.Observed{}
	for _, o := range plan.Live {
		live[o.Address] = o
	}
	services := append([]*config.Service(nil), ws.env.Services...)
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	for _, s := range services {
		ss, err := statusOfService(ctx, ws, plan, live, s)
		if err != nil {
			return nil, err
		}
		st.Services = append(st.Services, ss)
	}
	st.Outputs = statusOutputsOf(ws.env, live)
	return st, nil
}

// statusServiceAddr is the address the compiler gives service s's ECS
// service (docs/compile.md).
func statusServiceAddr(s *config.Service) string { return "service/" + s.Name }

// statusLBAddr is the address the compiler gives load balancer lb.
func statusLBAddr(lb *config.LoadBalancer) string { return "load-balancer/" + lb.Name }

func statusOfService(ctx context.Context, ws *workspace, plan *planner.Plan, live map[string]*provider.Observed, s *config.Service) (statusService, error) {
	addr := statusServiceAddr(s)
	ss := statusService{Name: s.Name, Address: addr, Sync: statusSyncOf(plan.Changes, addr)}
	if s.Route != nil {
		ss.Targets = &statusTargets{}
	}
	o := live[addr]
	if o == nil {
		return ss, nil
	}
	h, err := ws.prov.Health(ctx, ws.scope, o)
	if provider.IsNotFound(err) {
		return ss, nil // deleted since the listing
	}
	if err != nil {
		return ss, fmt.Errorf("%s: reading its deployment: %w", addr, err)
	}
	ss.Deployed = true
	ss.Commit, ss.Repository = o.Tags[graph.TagCommit], o.Tags[graph.TagRepository]
	// The service's own task definition is what ECS runs now: the
	// primary deployment's, and after a rollback the revision rolled back
	// to (the newest deployment, which Health reports, is the failed one).
	ss.TaskDefinition, _ = o.Properties[catalog.MustLookup(o.Type).Deploys].(string)
	if ss.TaskDefinition == "" {
		ss.TaskDefinition = h.TaskDefinition
	}
	ss.Image = statusImage(plan.Live, ss.TaskDefinition, s.Name)
	ss.Tasks.Running, ss.Tasks.Desired, ss.Tasks.Pending = h.Running, h.Desired, h.Pending
	ss.Rollout.State, ss.Rollout.Reason, ss.Rollout.RolledBack = h.RolloutState, h.RolloutStateReason, h.RolledBack
	if ss.Targets != nil {
		*ss.Targets = statusTargetsOf(h.Targets)
	}
	return ss, nil
}

// statusImage returns the image of container name (the service's own; the
// first container when none has its name) in the task definition revision
// arn among the live resources, "" when that revision is not gantry's.
func statusImage(live []*provider.Observed, arn, name string) string {
	for _, o := range live {
		if o.ID != arn || arn == "" {
			continue
		}
		containers, _ := o.Properties["ContainerDefinitions"].([]any)
		first := ""
		for i, c := range containers {
			cm, _ := c.(map[string]any)
			img, _ := cm["Image"].(string)
			if cm["Name"] == name {
				return img
			}
			if i == 0 {
				first = img
			}
		}
		return first
	}
	return ""
}

// statusSyncOf counts the changes at addr and below it ("" for all of them).
func statusSyncOf(changes []*planner.Change, addr string) statusSync {
	var s statusSync
	for _, c := range changes {
		if c.Action == planner.NoOp {
			continue
		}
		if addr != "" && c.Address != addr && !strings.HasPrefix(c.Address, addr+"/") {
			continue
		}
		s.Changes++
		switch c.Cause {
		case planner.CauseDrift, planner.CauseBoth, planner.CauseUnknown:
			s.Drift++
		case planner.CausePublished:
			s.Published++
			s.Config++
		default:
			s.Config++
		}
	}
	switch {
	case s.Drift > 0:
		s.State = statusDrifted
	case s.Changes > 0:
		s.State = statusPending
	default:
		s.State = statusInSync
	}
	return s
}

// statusOutputsOf lists each load balancer's DNS name and each routed
// service's URL: https when its load balancer has an HTTPS listener, the
// route's host or else the load balancer's DNS name, and its first path
// with a trailing wildcard dropped.
func statusOutputsOf(env *config.Environment, live map[string]*provider.Observed) statusOutputs {
	out := statusOutputs{LoadBalancers: []statusLB{}, URLs: []statusURL{}}
	dns := map[string]string{}
	lbs := map[string]*config.LoadBalancer{}
	for _, lb := range env.LoadBalancers {
		o := statusLB{Name: lb.Name, Address: statusLBAddr(lb)}
		if l := live[o.Address]; l != nil {
			o.DNSName = l.Attributes["DNSName"]
		}
		dns[lb.Name], lbs[lb.Name] = o.DNSName, lb
		out.LoadBalancers = append(out.LoadBalancers, o)
	}
	sort.Slice(out.LoadBalancers, func(i, j int) bool { return out.LoadBalancers[i].Name < out.LoadBalancers[j].Name })
	for _, s := range env.Services {
		if s.Route == nil {
			continue
		}
		out.URLs = append(out.URLs, statusURL{Service: s.Name, URL: statusRouteURL(s.Route, lbs[s.Route.LoadBalancer], dns[s.Route.LoadBalancer])})
	}
	sort.Slice(out.URLs, func(i, j int) bool { return out.URLs[i].Service < out.URLs[j].Service })
	return out
}

// statusRouteURL is the URL a route answers at, "" when its host is unknown.
func statusRouteURL(r *config.Route, lb *config.LoadBalancer, dnsName string) string {
	host := r.Host
	if host == "" {
		host = dnsName
	}
	if host == "" {
		return ""
	}
	scheme := "http"
	if lb != nil && lb.HTTPS != nil {
		scheme = "https"
	}
	path := "/"
	if len(r.Paths) > 0 {
		path = strings.TrimSuffix(r.Paths[0], "*")
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return scheme + "://" + host + path
}

// writeStatusText renders st for people: the environment's sync line
// (with, when live differs, planCmd: the plan that lists the changes), a
// table of services, the outputs.
func writeStatusText(w io.Writer, st *statusDoc, planCmd string) {
	fmt.Fprintf(w, "Environment %s/%s (%s, account %s, %s): %s\n", st.Project, st.Environment, st.Provider, st.Account, st.Region, statusSyncText(st.Sync, true))
	if st.Sync.State != statusInSync {
		fmt.Fprintf(w, "  (%s lists them)\n", planCmd)
	}
	fmt.Fprintln(w)
	if len(st.Services) == 0 {
		fmt.Fprintln(w, "No services.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVICE\tCOMMIT\tIMAGE\tTASKS\tROLLOUT\tTARGETS\tSYNC")
		for _, s := range st.Services {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, statusCommit(s.Commit), statusDash(s.Image),
				statusTasks(s), statusRollout(s), statusTargetsText(s), statusSyncText(s.Sync, false))
		}
		tw.Flush()
	}
	if len(st.Outputs.LoadBalancers) == 0 && len(st.Outputs.URLs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nOutputs:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, lb := range st.Outputs.LoadBalancers {
		fmt.Fprintf(tw, "  load balancer %s\t%s\n", lb.Name, statusOr(lb.DNSName, "(not created)"))
	}
	for _, u := range st.Outputs.URLs {
		fmt.Fprintf(tw, "  service %s\t%s\n", u.Service, statusOr(u.URL, "(not created)"))
	}
	tw.Flush()
}

// statusSyncText is "in sync", "drifted: N changes (M drift)" (", K from
// config" added when some are: an environment with one drift and a dozen
// unapplied changes is not a dozen drifts) or "pending: N changes from
// config"; short, for a table cell, leaves the counts out.
func statusSyncText(s statusSync, long bool) string {
	if !long {
		return strings.ReplaceAll(s.State, "-", " ")
	}
	switch s.State {
	case statusDrifted:
		if s.Config > 0 {
			return fmt.Sprintf("drifted: %s (%d drift, %d from config)", statusPlural(s.Changes, "change", "changes"), s.Drift, s.Config)
		}
		return fmt.Sprintf("drifted: %s (%d drift)", statusPlural(s.Changes, "change", "changes"), s.Drift)
	case statusPending:
		if s.Published > 0 && s.Published == s.Config {
			return fmt.Sprintf("pending: %s from a value AWS published (a new AMI)", statusPlural(s.Changes, "change", "changes"))
		}
		if s.Published > 0 {
			return fmt.Sprintf("pending: %s (%d from config, %d from a value AWS published: a new AMI)",
				statusPlural(s.Changes, "change", "changes"), s.Config-s.Published, s.Published)
		}
		return fmt.Sprintf("pending: %s from config", statusPlural(s.Changes, "change", "changes"))
	}
	return "in sync"
}

func statusPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// statusCommit is a commit as git abbreviates it (7 characters), its
// -dirty mark kept; "-" for none.
func statusCommit(c string) string {
	if c == "" {
		return "-"
	}
	hash, dirty := strings.CutSuffix(c, applier.DirtySuffix)
	if len(hash) > 7 {
		hash = hash[:7]
	}
	if dirty {
		hash += applier.DirtySuffix
	}
	return hash
}

func statusTasks(s statusService) string {
	if !s.Deployed {
		return "-"
	}
	t := fmt.Sprintf("%d/%d", s.Tasks.Running, s.Tasks.Desired)
	if s.Tasks.Pending > 0 {
		t += fmt.Sprintf(" (%d pending)", s.Tasks.Pending)
	}
	return t
}

func statusRollout(s statusService) string {
	if !s.Deployed {
		return "not deployed"
	}
	r := statusDash(s.Rollout.State)
	if s.Rollout.RolledBack {
		r += " (rolled back)"
	}
	return r
}

// statusTargetsOf counts a target group's targets by health state.
func statusTargetsOf(states map[string]int) statusTargets {
	var t statusTargets
	for state, n := range states {
		switch state {
		case "draining":
			t.Draining += n
			continue
		case "healthy":
			t.Healthy += n
		}
		t.Total += n
	}
	return t
}

func statusTargetsText(s statusService) string {
	if s.Targets == nil || !s.Deployed {
		return "-"
	}
	t := fmt.Sprintf("%d/%d healthy", s.Targets.Healthy, s.Targets.Total)
	if s.Targets.Draining > 0 {
		t += fmt.Sprintf(", %d draining", s.Targets.Draining)
	}
	return t
}

func statusDash(s string) string { return statusOr(s, "-") }

func statusOr(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
