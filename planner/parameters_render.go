package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
)

// JSONParameter is an SSM parameter the plan resolved (Plan.Parameters):
// its name, the value the plan compared and apply sends, and the
// addresses of the changes whose properties that value changes (an AMI
// newly published: the launch templates that move to it); none when the
// value is what is live.
type JSONParameter struct {
	Name    string   `json:"name"`
	Value   string   `json:"value"`
	Changes []string `json:"changes,omitempty"`
}

// parameterUse is a change that a resolved parameter's value makes: the
// change's address and the value live before it.
type parameterUse struct {
	Address string
	Live    any
}

// parameterChanges maps each resolved parameter to the updates and
// replacements whose diffs, at a path the type resolves
// (catalog.Type.Resolves), set the parameter's value: where the value
// the plan read differs from what is live.
func (p *Plan) parameterChanges() map[string][]parameterUse {
	out := map[string][]parameterUse{}
	if len(p.Parameters) == 0 || p.Desired == nil {
		return out
	}
	for _, c := range p.Changes {
		t, ok := catalog.Lookup(c.Type)
		r := p.Desired.Get(c.Address)
		if !ok || len(t.Resolves) == 0 || r == nil || (c.Action != Update && c.Action != Replace) {
			continue
		}
		for _, name := range t.Parameters(r.Properties) {
			for _, d := range c.Diffs {
				if slices.Contains(t.Resolves, d.Path) && d.After == p.Parameters[name] {
					out[name] = append(out[name], parameterUse{Address: c.Address, Live: d.Before})
				}
			}
		}
	}
	return out
}

// jsonParameters lists every parameter the plan resolved, by name, with
// the changes its value makes; nil when the plan resolved none (an
// environment without EC2 capacity).
func jsonParameters(p *Plan) []JSONParameter {
	if len(p.Parameters) == 0 {
		return nil
	}
	uses := p.parameterChanges()
	var out []JSONParameter
	for _, name := range sortedNames(p.Parameters) {
		jp := JSONParameter{Name: name, Value: p.Parameters[name]}
		for _, u := range uses[name] {
			jp.Changes = append(jp.Changes, u.Address)
		}
		out = append(out, jp)
	}
	return out
}

// parameterLines are the header lines of the text and markdown renderings
// for parameters whose value changes something live: "SSM parameter
// /aws/service/ecs/... = ami-0123…: changes cluster/a/launch-template (live
// ami-0abc…)". A plan whose parameters match what is live has none, so
// the plans of environments that do not move stay as they were.
func parameterLines(p *Plan) []string {
	uses := p.parameterChanges()
	var out []string
	for _, name := range sortedNames(p.Parameters) {
		if len(uses[name]) == 0 {
			continue
		}
		var where []string
		for _, u := range uses[name] {
			s := u.Address
			if u.Live != nil {
				s += fmt.Sprintf(" (live %v)", u.Live)
			}
			where = append(where, s)
		}
		out = append(out, fmt.Sprintf("SSM parameter %s = %s: changes %s", name, p.Parameters[name], strings.Join(where, ", ")))
	}
	return out
}
