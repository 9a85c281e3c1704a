package planner

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// JSONVersion is the version of the plan's JSON rendering (gantry plan
// --format json), documented in docs/plan-json.md with a JSON Schema
// (plan.schema.json, checked against the golden plans). It changes only
// when a field is removed or changes meaning; new fields may appear in any
// version.
//
// Version 2: property values are objects with the value and, beside it,
// "sensitive" and "unknown" booleans (version 1 wrote the placeholder
// strings "(sensitive)", "(known after apply)", "(new revision)" instead);
// changes gained physicalId, replaceOrder, handover, and before for
// deletions.
const JSONVersion = 2

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
	// Base, in a plan made with plan --base, is the revision the
	// changes' origins are relative to.
	Base *Base `json:"base,omitempty"`
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
	// Parameters: the SSM parameters the plan resolved (the
	// ECS-optimised AMI of EC2 clusters), by name, with the changes each
	// value makes; absent when the plan resolved none.
	Parameters []JSONParameter `json:"parameters,omitempty"`
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
// property paths to their values (JSONValue): for an update or a
// replacement, the properties that change; for a create, After holds
// every property the resource is created with; for a delete, Before holds
// every property the live resource has.
type JSONChange struct {
	Address   string `json:"address"`
	Type      string `json:"type"`
	Action    Action `json:"action"`
	Stage     int    `json:"stage"`
	StageName string `json:"stageName"`
	Cause     Cause  `json:"cause"`
	Reason    string `json:"reason"`
	Impact    Impact `json:"impact"`
	// PhysicalID is the live resource's identifier (an ARN, a name, a
	// security group id) for every action but create.
	PhysicalID string `json:"physicalId,omitempty"`
	// ReplaceOrder, on a replacement: "create-before-delete" or
	// "delete-first" (AWS needs the old one gone first: expect a gap).
	ReplaceOrder string               `json:"replaceOrder,omitempty"`
	ForceNew     []string             `json:"forceNew,omitempty"`
	Before       map[string]JSONValue `json:"before,omitempty"`
	After        map[string]JSONValue `json:"after,omitempty"`
	// Deferred: entries of permission lists this update removes in a
	// later stage, once the deployments in After are healthy (Before and
	// After hold the whole lists as they end up).
	Deferred *JSONDeferred `json:"deferred,omitempty"`
	// Handover: how traffic moves from one target group to another
	// (Change.Handover).
	Handover *Handover `json:"handover,omitempty"`
	// Data, on a deletion, says what data it destroys.
	Data string `json:"data,omitempty"`
	// Loses, on a deletion of a service, a load balancer or a cluster,
	// says what else it takes away (Change.Loses).
	Loses string `json:"loses,omitempty"`
	// Origin, in a plan made with a base: "change-set" or "base"
	// (already pending on the base).
	Origin Origin `json:"origin,omitempty"`
}

// JSONDestructive is a deletion a reviewer must not miss
// (Plan.Destructive): what it loses (data it destroys, or what stops).
type JSONDestructive struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Loses   string `json:"loses"`
}

// The replacement orders of JSONChange.ReplaceOrder.
const (
	ReplaceCreateFirst = "create-before-delete"
	ReplaceDeleteFirst = "delete-first"
)

// JSONValue is one property's value with what the plan knows about it.
// Value is absent when the whole value is sensitive (never shown) or
// unknown (known only after apply); parts of a value that are (an
// environment variable's value inside a container definition, a
// reference inside a created resource's properties) are null in Value
// and listed in Parts, by JSON Pointer into Value.
type JSONValue struct {
	Value any `json:"value,omitempty"`
	JSONMarks
	// ForceNew: this property forces the replacement.
	ForceNew bool       `json:"forceNew,omitempty"`
	Parts    []JSONPart `json:"parts,omitempty"`
}

// JSONMarks say why a value is not shown.
type JSONMarks struct {
	// Sensitive: the value is marked @sensitive() (or, live, may have
	// been): it is never shown.
	Sensitive bool `json:"sensitive,omitempty"`
	// Unknown: the value is known only after apply: an attribute of a
	// resource being created or replaced, a new task definition revision
	// (NewRevision), or a reference in a created resource's properties.
	Unknown     bool `json:"unknown,omitempty"`
	NewRevision bool `json:"newRevision,omitempty"`
	// Reference is what apply resolves an unknown value from, when the
	// plan knows it: "${address.Attribute}", or a string with such
	// references in it.
	Reference string `json:"reference,omitempty"`
}

// JSONPart marks a part of a value (null there) as sensitive or unknown.
type JSONPart struct {
	// Pointer is the part's place in the value (RFC 6901: "/0/Value").
	Pointer string `json:"pointer"`
	JSONMarks
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
		Base:          p.Base,
		Warnings:      p.Warnings,
		Retained:      p.Retained,
		Parameters:    jsonParameters(p),
	}
	for _, c := range p.Destructive() {
		out.Destructive = append(out.Destructive, JSONDestructive{Address: c.Address, Type: c.Type, Loses: c.Lost()})
	}
	emit := func(c *Change) {
		jc := JSONChange{
			Address: c.Address, Type: c.Type, Action: c.Action, Stage: int(c.Stage),
			StageName: c.Stage.String(), Cause: c.Cause, Reason: c.Reason, Impact: c.Impact,
			ForceNew: c.ForceNew, Data: c.Data, Loses: c.Loses, Handover: c.Handover, Origin: c.Origin,
		}
		if c.Action != Create {
			jc.PhysicalID = c.LiveID
		}
		if c.Action == Replace {
			jc.ReplaceOrder = ReplaceCreateFirst
			if c.Impact == ImpactReplaceDeleteFirst {
				jc.ReplaceOrder = ReplaceDeleteFirst
			}
		}
		switch c.Action {
		case Create:
			if p.Desired != nil {
				jc.After = createdValues(p.Desired.Get(c.Address))
			}
		case Delete:
			jc.Before = deletedValues(p, c)
		}
		for _, d := range c.Diffs {
			if d.Before != nil {
				if jc.Before == nil {
					jc.Before = map[string]JSONValue{}
				}
				v := diffValue(d.Before)
				v.ForceNew = d.ForceNew
				jc.Before[d.Path] = v
			}
			if d.After != nil {
				if jc.After == nil {
					jc.After = map[string]JSONValue{}
				}
				v := diffValue(d.After)
				v.ForceNew = d.ForceNew
				jc.After[d.Path] = v
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

// marked turns the parts of a value that are not shown into their marks:
// mark returns the marks of a node that is one (a placeholder, a
// reference, a sensitive value), or false. The value comes back with
// those parts null, and the parts listed by JSON Pointer; a value that is
// one mark as a whole has no value, the marks beside it.
func marked(v any, mark func(any) (JSONMarks, bool)) JSONValue {
	if m, ok := mark(v); ok {
		return JSONValue{JSONMarks: m}
	}
	var parts []JSONPart
	var walk func(v any, ptr string) any
	walk = func(v any, ptr string) any {
		if m, ok := mark(v); ok {
			parts = append(parts, JSONPart{Pointer: ptr, JSONMarks: m})
			return nil
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := make(map[string]any, len(x))
			for _, k := range keys {
				out[k] = walk(x[k], ptr+"/"+pointerToken(k))
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e, ptr+"/"+strconv.Itoa(i))
			}
			return out
		}
		return v
	}
	w := walk(v, "")
	return JSONValue{Value: w, Parts: parts}
}

// pointerToken escapes a key for a JSON Pointer (RFC 6901).
func pointerToken(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// placeholderMarks are the marks of the placeholders a plan's diffs hold.
func placeholderMarks(v any) (JSONMarks, bool) {
	switch v {
	case Masked:
		return JSONMarks{Sensitive: true}, true
	case KnownAfterApply:
		return JSONMarks{Unknown: true}, true
	case NewRevision:
		return JSONMarks{Unknown: true, NewRevision: true}, true
	}
	return JSONMarks{}, false
}

// diffValue is a value of a property diff (masked, placeholders for what
// only apply will know).
func diffValue(v any) JSONValue { return marked(v, placeholderMarks) }

// createdValues are the properties a created resource is sent with, by
// property name: sensitive values masked, references unknown with what
// they refer to.
func createdValues(r *graph.Resource) map[string]JSONValue {
	if r == nil {
		return nil
	}
	out := make(map[string]JSONValue, len(r.Properties))
	for k, v := range r.Properties {
		out[k] = marked(v, graphMarks)
	}
	return out
}

// graphMarks are the marks of the desired graph's sensitive values and
// references.
func graphMarks(v any) (JSONMarks, bool) {
	switch x := v.(type) {
	case graph.Sensitive:
		return JSONMarks{Sensitive: true}, true
	case graph.Ref:
		return JSONMarks{Unknown: true, Reference: "${" + x.String() + "}"}, true
	case graph.Join:
		var b strings.Builder
		for _, p := range x.Parts {
			if r, ok := p.(graph.Ref); ok {
				b.WriteString("${" + r.String() + "}")
			} else {
				fmt.Fprint(&b, p)
			}
		}
		return JSONMarks{Unknown: true, Reference: b.String()}, true
	}
	return JSONMarks{}, false
}

// deletedValues are the properties of the live resource a deletion
// removes, by property name, values that may be secret masked as the
// diffs mask removed values (docs/plan.md, "Sensitive values and
// secrets"): by a secret-like name, or by a name the configuration marks
// sensitive in the resource at the same address (an old task definition
// revision's). The live resource is the one at the change's address, or
// the one with its id (an old revision apply deregisters).
func deletedValues(p *Plan, c *Change) map[string]JSONValue {
	o := p.LiveAt(c.Address)
	if o == nil || o.ID != c.LiveID {
		o = nil
		for _, l := range p.Live {
			if l.Type == c.Type && l.ID == c.LiveID {
				o = l
				break
			}
		}
	}
	if o == nil {
		return nil
	}
	d := &propertyDiffer{maybeSensitive: map[string]bool{}, sensitiveNames: map[string]bool{}}
	if t, ok := catalog.Lookup(o.Type); ok {
		for _, s := range t.MaybeSensitive {
			d.maybeSensitive[s] = true
		}
	}
	if p.Desired != nil && len(d.maybeSensitive) > 0 {
		base, _, _ := strings.Cut(c.Address, "#")
		if r := p.Desired.Get(base); r != nil && r.Type == c.Type {
			d.collectSensitive(r.Properties, "")
		}
	}
	out := make(map[string]JSONValue, len(o.Properties))
	for k, v := range o.Properties {
		out[k] = marked(d.maskLive(v, k, ""), placeholderMarks)
	}
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
