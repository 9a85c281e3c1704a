package planner

import (
	"sort"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Action is what a change does to a resource.
type Action string

// The actions, in the order a summary lists them.
const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
	NoOp    Action = "noop"
)

// Actions lists every action in summary order.
var Actions = []Action{Create, Update, Replace, Delete, NoOp}

// Cause says where a difference comes from.
type Cause string

const (
	CauseNew     Cause = "new"    // not in AWS yet
	CauseConfig  Cause = "config" // the configuration changed
	CauseDrift   Cause = "drift"  // AWS was changed outside gantry
	CauseBoth    Cause = "config+drift"
	CauseRemoved Cause = "removed" // no longer in the configuration
	// CausePublished: AWS published a new value of an SSM parameter the
	// configuration names (a new ECS-optimised AMI), and nothing else
	// differs; or the change only follows such a change (the Auto
	// Scaling group's launch template version).
	CausePublished Cause = "published"
	CauseUnknown   Cause = "" // differs; where the difference came from is not known
)

// Impact says what a change does to running traffic.
type Impact string

const (
	ImpactNone    Impact = "none"
	ImpactInPlace Impact = "in place"
	// ImpactRevision: a task definition change registers a new revision;
	// nothing runs it until its service moves to it.
	ImpactRevision Impact = "new revision"
	// ImpactNewRevision: a service moves to a new task definition revision
	// with a rolling deployment.
	ImpactNewRevision Impact = "new revision and rolling deployment"
	ImpactRolling     Impact = "rolling deployment"
	// Replacement creates the new resource before deleting the old one.
	ImpactReplace Impact = "replacement, create before delete"
	// AWS forces the old resource to go before the new one can exist (its
	// name is unique and stays the same).
	ImpactReplaceDeleteFirst Impact = "replacement, delete before create"
	ImpactCreate             Impact = "new resource"
	ImpactDelete             Impact = "deletion"
	// ImpactDeleteData: a deletion that destroys the data the resource
	// holds (Change.Data: a log group's logs, a repository's images).
	ImpactDeleteData Impact = "deletion, with the data it holds"
	// ImpactSwitch: a listener or rule moves traffic to another (or a
	// replaced) target group, only once the services registering in it
	// are healthy there (Change.Handover.After); until then it holds
	// traffic on the old group.
	ImpactSwitch Impact = "traffic moves to the new target group once its targets are healthy"
	// ImpactHandoverRolling and ImpactHandoverNewRevision: a service
	// whose target group is replaced registers its tasks in the old and
	// the new group (a rolling deployment), and leaves the old one (a
	// second one) after traffic moved.
	ImpactHandoverRolling     Impact = "rolling deployment into the old and the new target group, then off the old one"
	ImpactHandoverNewRevision Impact = "new revision and rolling deployment into the old and the new target group, then off the old one"
	// ImpactAuthorizeFirst: an update of permission lists (security group
	// rules, catalog.Type.Grants) that adds entries in its own stage and
	// removes entries only after the deployments it waits for
	// (Change.Deferred) are healthy, so running tasks keep their traffic.
	ImpactAuthorizeFirst Impact = "in place, new rules added now, removed rules revoked once the deployments are healthy"
	// ImpactAfterRules: an update of a listener's default action that
	// stops serving requests the old one served (a redirect replaced by
	// a fixed 404), made in a later stage, once the new rules that take
	// those requests over exist (catalog.Fallback).
	ImpactAfterRules Impact = "in place, once the new rules of the listener exist"
)

// Value placeholders in diffs, shown unquoted by every renderer.
const (
	// Masked stands for a value marked sensitive, and for live values that
	// may have been (an environment variable being removed).
	Masked = "(sensitive)"
	// KnownAfterApply stands for a reference to a resource that is being
	// created or replaced.
	KnownAfterApply = "(known after apply)"
	// NewRevision stands for the ARN of a task definition revision that
	// apply will register.
	NewRevision = "(new revision)"
)

// PropertyDiff is one property that differs. Path names it from the
// resource's properties ("ContainerDefinitions[api].Image", lists of
// objects keyed by their name in brackets; "Tags[team]" for tags). Values
// are JSON values as normalised for comparison; sensitive ones are
// replaced by Masked and unknown ones by KnownAfterApply or NewRevision.
// A nil Before is an addition, a nil After a removal.
type PropertyDiff struct {
	Path     string `json:"path"`
	Before   any    `json:"before,omitempty"`
	After    any    `json:"after,omitempty"`
	ForceNew bool   `json:"forceNew,omitempty"`
}

// Change is the plan for one resource.
type Change struct {
	Address string        `json:"address"`
	Type    string        `json:"type"`
	Action  Action        `json:"action"`
	Stage   catalog.Stage `json:"stage"`
	Cause   Cause         `json:"cause,omitempty"`
	// Reason is one human line: why this action.
	Reason string         `json:"reason"`
	Impact Impact         `json:"impact"`
	Diffs  []PropertyDiff `json:"diffs,omitempty"`
	// ForceNew lists the properties that force a replacement.
	ForceNew []string `json:"forceNew,omitempty"`
	// Owned lists properties another controller owns for this resource
	// (catalog.Type.OwnedBy): never diffed, left out of the applied hash,
	// and not sent on update (a service's DesiredCount under autoscaling).
	Owned []string `json:"owned,omitempty"`
	// LiveID is the live resource's identifier (update, replace, delete).
	LiveID string `json:"liveId,omitempty"`
	// Fingerprint is the hash of the live resource the plan saw (see
	// Fingerprint); apply refuses the plan if it no longer hashes the same.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Handover is set on the changes that move traffic from one target
	// group to another (catalog.Handover): the routers (listener rules,
	// listeners) and the registrars (services) taking part.
	Handover *Handover `json:"handover,omitempty"`
	// Deferred is set on an update that removes entries of permission
	// lists (catalog.Type.Grants) while deployments are under way: the
	// removal is a second step, after their health gates.
	Deferred *Deferred `json:"deferred,omitempty"`
	// Data says what data a deletion destroys ("up to 30 days of logs"):
	// renderers flag such deletions in the summary (catalog.Type.Data).
	Data string `json:"data,omitempty"`
	// Loses says what else a deletion takes away ("its running tasks
	// stop"; catalog.Type.Loses): a deletion with Data or Loses is
	// destructive (Plan.Destructive), listed at the top of every
	// rendering, and apply asks for an explicit yes.
	Loses string `json:"loses,omitempty"`
	// Origin, in a plan made with a base (Plan.Base), says whether the
	// change comes from the change set or was already pending on the
	// base (merged there but not applied). Empty without a base.
	Origin Origin `json:"origin,omitempty"`
}

// Origin says where a change comes from relative to a base revision.
type Origin string

const (
	// OriginChangeSet: the change set (head against base) makes it.
	OriginChangeSet Origin = "change-set"
	// OriginBase: the base's own plan has it too (same address, action
	// and desired resource): merged earlier, not applied yet.
	OriginBase Origin = "base"
)

// Label is the words renderers show for an origin.
func (o Origin) Label() string {
	switch o {
	case OriginChangeSet:
		return "from this change set"
	case OriginBase:
		return "already pending on the base"
	}
	return ""
}

// Base is the revision a plan's changes were labelled against.
type Base struct {
	// Rev is the revision as given (a branch, a tag, a commit).
	Rev string `json:"rev"`
	// Commit is the full hash it resolved to.
	Commit string `json:"commit"`
}

// Deferred is the second step of a two-phase update of permission lists:
// the change's own stage adds the new entries and keeps the old ones; in
// Stage, once the health gates of After passed, the entries in Revoke go.
type Deferred struct {
	Stage catalog.Stage `json:"stage"`
	// After lists the health-gated changes (services) whose gates must
	// pass first.
	After []string `json:"after"`
	// Revoke lists, per permission list (Path), the entries removed then
	// (Before; After is always empty).
	Revoke []PropertyDiff `json:"revoke"`
}

// Handover is one change's part in moving traffic without a gap (see
// catalog.Handover for the steps).
type Handover struct {
	// From are the live resources traffic moves away from: on a router,
	// those it sends traffic to now; on a registrar, those of them it
	// registers in now (and keeps registering in until traffic moved).
	From []Endpoint `json:"from,omitempty"`
	// To are the addresses of the resources traffic moves to.
	To []string `json:"to"`
	// After (routers) lists the registrar changes whose health gates must
	// pass before traffic moves.
	After []string `json:"after,omitempty"`
}

// Endpoint is a live resource by address and identifier.
type Endpoint struct {
	Address string `json:"address"`
	ID      string `json:"id"`
}

// DataDeletions are the changes that delete resources holding data.
func (p *Plan) DataDeletions() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.Action == Delete && c.Data != "" {
			out = append(out, c)
		}
	}
	return out
}

// Plan is everything gantry apply needs to make the account match the
// configuration, and everything a reviewer needs to approve it.
type Plan struct {
	// FormatVersion of the plan file (see codec.go).
	FormatVersion int       `json:"formatVersion"`
	GantryVersion string    `json:"gantryVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	// Commit is the git commit of the configuration, when it is in git;
	// Dirty says the work tree had uncommitted changes.
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
	// Config identifies the configuration the plan was made from by
	// content (ConfigSource): apply --plan takes the plan on another
	// commit whose configuration for the environment is the same.
	Config *ConfigSource `json:"config,omitempty"`
	// Base, set by plan --base, is the revision each change's Origin is
	// relative to.
	Base     *Base          `json:"base,omitempty"`
	Provider string         `json:"provider"`
	Scope    provider.Scope `json:"scope"`
	// Desired is the compiled graph of the environment.
	Desired *graph.Graph `json:"desired"`
	// Live is the owned state the plan read, sorted by address.
	Live []*provider.Observed `json:"live"`
	// Parameters are the values the plan read of the SSM parameters its
	// desired graph names (catalog.Type.Resolves: the ECS-optimised AMI),
	// by name: its changes compare them, apply sends them, and a saved
	// plan is refused once one has moved (StaleParameters).
	Parameters map[string]string `json:"parameters,omitempty"`
	// Changes lists every resource's change, no-ops included, in apply
	// order: by stage, then address; deletions last, in reverse stage order
	// (and within a stage, dependents before what they depend on).
	Changes []*Change `json:"changes"`
	// Warnings are what a reviewer must know beside the changes: services
	// whose newest deployment failed, was rolled back or is in progress
	// (Make reads them), and the configuration's validation warnings (the
	// CLI adds them). Every rendering shows them.
	Warnings []Warning `json:"warnings,omitempty"`
	// Retained are the live resources no longer in the configuration
	// that gantry keeps (retainOnDelete, graph.TagRetain): never
	// deleted, no longer managed. They are not changes.
	Retained []Retained `json:"retained,omitempty"`
}

// Retained is a live resource gantry no longer manages and keeps.
type Retained struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	ID      string `json:"id"`
}

// Warning is one thing a reviewer must know about a plan.
type Warning struct {
	// Kind is WarnDeployment or WarnConfig.
	Kind string `json:"kind"`
	// Address is the resource concerned ("" for a configuration warning,
	// whose Message starts with file:line).
	Address string `json:"address,omitempty"`
	Message string `json:"message"`
	// Health is the deployment state read, for WarnDeployment.
	Health *provider.Health `json:"health,omitempty"`
}

// Summary counts changes per action.
type Summary map[Action]int

// Summary counts the plan's changes per action.
func (p *Plan) Summary() Summary {
	s := Summary{}
	for _, a := range Actions {
		s[a] = 0
	}
	for _, c := range p.Changes {
		s[c.Action]++
	}
	return s
}

// Changed is the number of changes that are not no-ops.
func (s Summary) Changed() int { return s[Create] + s[Update] + s[Replace] + s[Delete] }

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool { return p.Summary().Changed() > 0 }

// Change returns the change for addr, or nil. A replaced or deleted
// resource and a new one never share an address, so there is one.
func (p *Plan) Change(addr string) *Change {
	for _, c := range p.Changes {
		if c.Address == addr {
			return c
		}
	}
	return nil
}

// LiveAt returns the live resource the plan saw at addr, or nil.
func (p *Plan) LiveAt(addr string) *provider.Observed {
	i := sort.Search(len(p.Live), func(i int) bool { return p.Live[i].Address >= addr })
	if i < len(p.Live) && p.Live[i].Address == addr {
		return p.Live[i]
	}
	return nil
}

// Phase is a group of changes that apply runs together: one stage's
// creates, updates and replacements, or the deletions of one stage.
type Phase struct {
	Stage     catalog.Stage
	Deletions bool
	Changes   []*Change // no-ops left out
}

// Title names the phase for people.
func (ph Phase) Title() string {
	if ph.Deletions {
		return "deletions: " + ph.Stage.String()
	}
	return ph.Stage.String()
}

// Phases groups the plan's changes (no-ops left out) in apply order: the
// stages in order, then the deletions of each stage in reverse stage order.
// Empty phases are left out.
func (p *Plan) Phases() []Phase {
	var out []Phase
	for _, st := range catalog.Stages {
		ph := Phase{Stage: st}
		for _, c := range p.Changes {
			if c.Stage == st && c.Action != Delete && c.Action != NoOp {
				ph.Changes = append(ph.Changes, c)
			}
		}
		if len(ph.Changes) > 0 {
			out = append(out, ph)
		}
	}
	for i := len(catalog.Stages) - 1; i >= 0; i-- {
		ph := Phase{Stage: catalog.Stages[i], Deletions: true}
		for _, c := range p.Changes {
			if c.Stage == ph.Stage && c.Action == Delete {
				ph.Changes = append(ph.Changes, c)
			}
		}
		if len(ph.Changes) > 0 {
			out = append(out, ph)
		}
	}
	return out
}
