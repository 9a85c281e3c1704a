package planner

import (
	"encoding/json"
	"io"
)

// JSONVersion is the version of the plan's JSON rendering (gantry plan
// --format json), documented in docs/plan.md. It changes only when a field
// is removed or changes meaning; new fields may appear in any version.
const JSONVersion = 1

// JSONPlan is the JSON rendering of a plan.
type JSONPlan struct {
	FormatVersion int          `json:"formatVersion"`
	GantryVersion string       `json:"gantryVersion"`
	Project       string       `json:"project"`
	Environment   string       `json:"environment"`
	Account       string       `json:"account,omitempty"`
	Region        string       `json:"region,omitempty"`
	Provider      string       `json:"provider"`
	Commit        string       `json:"commit,omitempty"`
	Dirty         bool         `json:"dirty,omitempty"`
	CreatedAt     string       `json:"createdAt"`
	Summary       JSONSummary  `json:"summary"`
	Changes       []JSONChange `json:"changes"`
	// Warnings: services whose newest deployment has not settled,
	// configuration warnings (Plan.Warnings).
	Warnings []Warning `json:"warnings,omitempty"`
	// Destructive lists the deletions of services, load balancers,
	// clusters and resources holding data, with what each loses (also
	// on their changes); apply asks for an explicit yes for them.
	Destructive []JSONDestructive `json:"destructive,omitempty"`
	// Retained: no longer in the configuration, kept and no longer
	// managed (retainOnDelete).
	Retained []Retained `json:"retained,omitempty"`
}

// JSONSummary counts the changes per action (no-ops included).
type JSONSummary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
	NoOp    int `json:"noop"`
	// DeletesData counts the deletions that destroy data (changes with
	// "data" set: log groups, repositories holding images); left out when
	// none does.
	DeletesData int `json:"deletesData,omitempty"`
}

// JSONChange is one change in the JSON rendering. Before and After map
// each changed property path to its value (for a create, After holds every
// property, references as "${address.Attribute}"; a delete has neither).
type JSONChange struct {
	Address   string         `json:"address"`
	Type      string         `json:"type"`
	Action    Action         `json:"action"`
	Stage     int            `json:"stage"`
	StageName string         `json:"stageName"`
	Cause     Cause          `json:"cause"`
	Reason    string         `json:"reason"`
	Impact    Impact         `json:"impact"`
	ForceNew  []string       `json:"forceNew,omitempty"`
	Before    map[string]any `json:"before,omitempty"`
	After     map[string]any `json:"after,omitempty"`
	// Deferred: entries of permission lists this update removes in a
	// later stage, once the deployments in After are healthy (Before and
	// After hold the whole lists as they end up).
	Deferred *JSONDeferred `json:"deferred,omitempty"`
	// Data, on a deletion, says what data it destroys.
	Data string `json:"data,omitempty"`
	// Loses, on a deletion of a service, a load balancer or a cluster,
	// says what else it takes away (Change.Loses).
	Loses string `json:"loses,omitempty"`
}

// JSONDestructive is a deletion a reviewer must not miss
// (Plan.Destructive): what it loses (data it destroys, or what stops).
type JSONDestructive struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Loses   string `json:"loses"`
}

// JSONDeferred is the second step of a two-phase update: Revoke maps each
// permission list to the entries removed in Stage.
type JSONDeferred struct {
	Stage     int              `json:"stage"`
	StageName string           `json:"stageName"`
	After     []string         `json:"after"`
	Revoke    map[string][]any `json:"revoke"`
}

// JSON returns the JSON rendering of p.
func JSON(p *Plan, opts RenderOptions) *JSONPlan {
	out := &JSONPlan{
		FormatVersion: JSONVersion,
		GantryVersion: p.GantryVersion,
		Project:       p.Scope.Project,
		Environment:   p.Scope.Environment,
		Account:       p.Scope.Account,
		Region:        p.Scope.Region,
		Provider:      p.Provider,
		Commit:        p.Commit,
		Dirty:         p.Dirty,
		CreatedAt:     p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		Summary:       jsonSummary(p.Summary()),
		Changes:       []JSONChange{},
		Warnings:      p.Warnings,
		Retained:      p.Retained,
	}
	for _, c := range p.Destructive() {
		out.Destructive = append(out.Destructive, JSONDestructive{Address: c.Address, Type: c.Type, Loses: c.Lost()})
	}
	emit := func(c *Change) {
		jc := JSONChange{
			Address: c.Address, Type: c.Type, Action: c.Action, Stage: int(c.Stage),
			StageName: c.Stage.String(), Cause: c.Cause, Reason: c.Reason, Impact: c.Impact,
			ForceNew: c.ForceNew, Data: c.Data, Loses: c.Loses,
		}
		if c.Action == Create && p.Desired != nil {
			jc.After = createdProperties(p.Desired.Get(c.Address))
		}
		for _, d := range c.Diffs {
			if d.Before != nil {
				if jc.Before == nil {
					jc.Before = map[string]any{}
				}
				jc.Before[d.Path] = d.Before
			}
			if d.After != nil {
				if jc.After == nil {
					jc.After = map[string]any{}
				}
				jc.After[d.Path] = d.After
			}
		}
		if df := c.Deferred; df != nil {
			jc.Deferred = &JSONDeferred{Stage: int(df.Stage), StageName: df.Stage.String(), After: df.After, Revoke: map[string][]any{}}
			for _, d := range df.Revoke {
				l, _ := d.Before.([]any)
				jc.Deferred.Revoke[d.Path] = l
			}
		}
		out.Changes = append(out.Changes, jc)
	}
	for _, ph := range p.Phases() {
		for _, c := range ph.Changes {
			emit(c)
		}
	}
	if opts.IncludeNoOp {
		for _, c := range p.Changes {
			if c.Action == NoOp {
				emit(c)
			}
		}
	}
	out.Summary.DeletesData = len(p.DataDeletions())
	return out
}

// RenderJSON writes the JSON rendering of p, indented.
func RenderJSON(w io.Writer, p *Plan, opts RenderOptions) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(JSON(p, opts))
}

func jsonSummary(s Summary) JSONSummary {
	return JSONSummary{Create: s[Create], Update: s[Update], Replace: s[Replace], Delete: s[Delete], NoOp: s[NoOp]}
}
