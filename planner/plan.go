package planner

import (
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

// Cause says where a difference comes from.
type Cause string

const (
	CauseNew     Cause = "new"     // not in AWS yet
	CauseConfig  Cause = "config"  // the configuration changed
	CauseDrift   Cause = "drift"   // AWS was changed outside gantry
	CauseRemoved Cause = "removed" // no longer in the configuration
	CauseUnknown Cause = ""        // differs; where the difference came from is not known
)

// Impact says what a change does to running traffic.
type Impact string

const (
	ImpactNone        Impact = "none"
	ImpactInPlace     Impact = "in place"
	ImpactNewRevision Impact = "new revision and rolling deployment"
	ImpactRolling     Impact = "rolling deployment"
	// Replacement creates the new resource before deleting the old one.
	ImpactReplace Impact = "replacement, create before delete"
	// AWS forces the old resource to go before the new one can exist.
	ImpactReplaceDeleteFirst Impact = "replacement, delete before create"
	ImpactDelete             Impact = "deletion"
)

// PropertyDiff is one property that differs, with values as normalised for
// comparison (sensitive values still wrapped in graph.Sensitive).
type PropertyDiff struct {
	Path     string `json:"path"`
	Before   any    `json:"before,omitempty"`
	After    any    `json:"after,omitempty"`
	ForceNew bool   `json:"forceNew,omitempty"`
}

// Change is the plan for one resource.
type Change struct {
	Address string         `json:"address"`
	Type    string         `json:"type"`
	Action  Action         `json:"action"`
	Stage   catalog.Stage  `json:"stage"`
	Cause   Cause          `json:"cause,omitempty"`
	Reason  string         `json:"reason"`
	Impact  Impact         `json:"impact"`
	Diffs   []PropertyDiff `json:"diffs,omitempty"`
	// LiveID is the live resource's identifier (update, replace, delete).
	LiveID string `json:"liveId,omitempty"`
	// Fingerprint is the hash of the live resource the plan saw; apply
	// refuses the plan if the resource no longer hashes the same.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Plan is everything gantry apply needs to make the account match the
// configuration, and everything a reviewer needs to approve it.
type Plan struct {
	// FormatVersion of the plan file (see codec.go).
	FormatVersion int       `json:"formatVersion"`
	GantryVersion string    `json:"gantryVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	// Commit is the git commit of the configuration, when it is in git.
	Commit   string         `json:"commit,omitempty"`
	Provider string         `json:"provider"`
	Scope    provider.Scope `json:"scope"`
	// Desired is the compiled graph of the environment.
	Desired *graph.Graph `json:"desired"`
	// Live is the owned state the plan read, by address.
	Live []*provider.Observed `json:"live"`
	// Changes lists every resource's change, no-ops included, in apply
	// order: by stage, then address; deletions last, in reverse stage order.
	Changes []*Change `json:"changes"`
}
