package applier

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// MismatchError refuses a saved plan whose content does not hold
// together: its recorded changes are not the ones its desired graph and
// live state give (CheckChanges), or the configuration compiles to
// another desired graph (CheckDesired). Unlike a StaleError, nothing in
// the account changed: the plan file did, or it was made from other
// files.
type MismatchError struct {
	// What says what does not match, as a sentence.
	What string
	// Problems are one line each, naming the resource and what differs.
	Problems []string
}

func (e *MismatchError) Error() string {
	return e.What + ":\n  " + strings.Join(e.Problems, "\n  ")
}

// maxProblems bounds the lines of a MismatchError: enough to see what was
// changed, short enough to read.
const maxProblems = 20

func truncate(probs []string) []string {
	if len(probs) > maxProblems {
		n := len(probs) - maxProblems
		probs = append(probs[:maxProblems:maxProblems], fmt.Sprintf("and %d more", n))
	}
	return probs
}

// CheckChanges recomputes a saved plan's changes from the desired graph
// it records and live, read just now (planner.Diff), and refuses the plan
// unless they are exactly the changes it records: the same addresses in
// the same order, with the same action, stage, type, property diffs (what
// a reviewer saw) and every other field. apply runs the recorded changes
// and sends the recorded desired graph: this check is what makes them one
// and the same. Run it after CheckPlan, which says when live state moved
// on since the plan was made.
func CheckChanges(plan *planner.Plan, live []*provider.Observed) error {
	fresh, err := planner.Diff(plan.Desired, live, plan.Scope, planner.Options{
		Provider: plan.Provider, GantryVersion: plan.GantryVersion, Commit: plan.Commit, Dirty: plan.Dirty,
		Now:        func() time.Time { return plan.CreatedAt },
		Parameters: plan.Parameters,
	})
	if err != nil {
		return &MismatchError{
			What:     "the saved plan's desired graph cannot be planned; it was edited after it was made, make the plan again",
			Problems: []string{err.Error()},
		}
	}
	probs := compareChanges(plan.Changes, fresh.Changes)
	// What else the diff decides that a reviewer reads: the resources
	// kept rather than deleted (retainOnDelete).
	for _, k := range []string{"retained"} {
		if a, b := planField(plan, k), planField(fresh, k); !reflect.DeepEqual(a, b) {
			probs = append(probs, fmt.Sprintf("the plan has %s %s; %s: %s", k, show(a), recomputedFrom, show(b)))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &MismatchError{
		What: "the saved plan's changes are not the ones its desired graph and live state give: " +
			"the file was edited after it was made (or made by a gantry that plans differently); make the plan again and review it",
		Problems: truncate(probs),
	}
}

// recomputedFrom introduces, in a MismatchError's lines, what the recorded
// desired graph and live state give.
const recomputedFrom = "recomputed from its desired graph and live state"

// planField is the field of p's JSON encoding named key, or nil.
func planField(p *planner.Plan, key string) any {
	b, _ := json.Marshal(p)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m[key]
}

// changeFields is a change as JSON values, by field name.
type changeFields map[string]any

func fieldsOf(c *planner.Change) changeFields {
	b, _ := json.Marshal(c)
	var m changeFields
	_ = json.Unmarshal(b, &m)
	return m
}

// compareChanges lists, one line each, how recorded differs from
// recomputed, in the recorded order (then what only recomputed has).
func compareChanges(recorded, recomputed []*planner.Change) []string {
	var probs []string
	fresh := map[string]*planner.Change{}
	for _, c := range recomputed {
		fresh[c.Address] = c
	}
	seen := map[string]bool{}
	for _, c := range recorded {
		seen[c.Address] = true
		f := fresh[c.Address]
		if f == nil {
			probs = append(probs, fmt.Sprintf("%s: the plan has %s; %s: no change", c.Address, c.Action, recomputedFrom))
			continue
		}
		probs = append(probs, compareChange(c, f)...)
	}
	for _, f := range recomputed {
		if !seen[f.Address] {
			probs = append(probs, fmt.Sprintf("%s: the plan has no change; %s: %s", f.Address, recomputedFrom, f.Action))
		}
	}
	if len(probs) == 0 && len(recorded) == len(recomputed) {
		for i := range recorded {
			if recorded[i].Address != recomputed[i].Address {
				probs = append(probs, fmt.Sprintf("the changes are in another order than planned (%s where %s is planned)",
					recorded[i].Address, recomputed[i].Address))
				break
			}
		}
	}
	return probs
}

// compareChange compares one change field by field: action, stage and
// type first, then the property diffs path by path, then the rest.
func compareChange(rec, fresh *planner.Change) []string {
	a, b := fieldsOf(rec), fieldsOf(fresh)
	addr := rec.Address
	var probs []string
	first := []string{"action", "stage", "type"}
	for _, k := range first {
		if !reflect.DeepEqual(a[k], b[k]) {
			probs = append(probs, fmt.Sprintf("%s: the plan has %s %s; %s: %s", addr, k, show(a[k]), recomputedFrom, show(b[k])))
		}
	}
	probs = append(probs, compareDiffs(addr, rec.Diffs, fresh.Diffs)...)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var rest []string
	actionDiffers := !reflect.DeepEqual(a["action"], b["action"])
	for k := range keys {
		switch k {
		case "action", "stage", "type", "diffs":
			continue
		case "origin":
			// A label against the base's plan (plan --base): it changes
			// nothing that is sent, and the base is not here to recompute
			// it from.
			continue
		case "cause", "impact", "reason":
			if actionDiffers {
				continue // they follow from the action
			}
		}
		if !reflect.DeepEqual(a[k], b[k]) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		probs = append(probs, fmt.Sprintf("%s: the plan has %s %s; %s: %s", addr, k, show(a[k]), recomputedFrom, show(b[k])))
	}
	return probs
}

// compareDiffs compares the property diffs a reviewer saw with the
// recomputed ones, by path.
func compareDiffs(addr string, rec, fresh []planner.PropertyDiff) []string {
	index := func(ds []planner.PropertyDiff) (map[string]any, []string) {
		m := map[string]any{}
		var order []string
		for _, d := range ds {
			b, _ := json.Marshal(d)
			var v any
			_ = json.Unmarshal(b, &v)
			if _, dup := m[d.Path]; !dup {
				order = append(order, d.Path)
			}
			m[d.Path] = v
		}
		return m, order
	}
	a, aOrder := index(rec)
	b, bOrder := index(fresh)
	var probs []string
	for _, p := range aOrder {
		switch fd, ok := b[p]; {
		case !ok:
			probs = append(probs, fmt.Sprintf("%s: %s: the plan shows %s; %s: no change", addr, p, showDiff(a[p]), recomputedFrom))
		case !reflect.DeepEqual(a[p], fd):
			probs = append(probs, fmt.Sprintf("%s: %s: the plan shows %s; %s: %s", addr, p, showDiff(a[p]), recomputedFrom, showDiff(fd)))
		}
	}
	for _, p := range bOrder {
		if _, ok := a[p]; !ok {
			probs = append(probs, fmt.Sprintf("%s: %s: the plan shows no change; %s: %s", addr, p, recomputedFrom, showDiff(b[p])))
		}
	}
	if len(probs) == 0 && !reflect.DeepEqual(aOrder, bOrder) {
		probs = append(probs, fmt.Sprintf("%s: the property diffs are in another order than planned", addr))
	}
	return probs
}

// showDiff is a property diff as "before → after" (values shortened);
// when both sides are lists, as the entries it adds and removes, so that
// a rule added to a long list reads as that rule.
func showDiff(d any) string {
	m, _ := d.(map[string]any)
	var s string
	bl, bok := m["before"].([]any)
	al, aok := m["after"].([]any)
	if bok && aok {
		var parts []string
		if added := missingFrom(al, bl); len(added) > 0 {
			parts = append(parts, "adds "+strings.Join(added, ", "))
		}
		if removed := missingFrom(bl, al); len(removed) > 0 {
			parts = append(parts, "removes "+strings.Join(removed, ", "))
		}
		if len(parts) == 0 {
			parts = append(parts, "reorders "+show(bl))
		}
		s = strings.Join(parts, " and ")
	} else {
		before, after := "(none)", "(none)"
		if v, ok := m["before"]; ok {
			before = show(v)
		}
		if v, ok := m["after"]; ok {
			after = show(v)
		}
		s = before + " → " + after
	}
	if m["forceNew"] == true {
		s += " (forces replacement)"
	}
	return s
}

// missingFrom lists, shown, the entries of a that b does not hold.
func missingFrom(a, b []any) []string {
	var out []string
	for _, x := range a {
		found := false
		for _, y := range b {
			if reflect.DeepEqual(x, y) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, show(x))
		}
	}
	return out
}

// show is a JSON value on one line, at most 120 characters.
func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}

// CheckDesired compares the desired graph a saved plan records with the
// graph the configuration compiles to now (with the live listener rule
// priorities pinned, as the plan compiled it). apply runs it when the
// plan is applied from the configuration it was made from: a plan file
// whose graph and changes were edited together matches live state, but
// not the configuration. It names each resource that differs and the
// first property path that does (values only where neither is
// sensitive).
func CheckDesired(plan *planner.Plan, compiled *graph.Graph) error {
	var probs []string
	p, c := plan.Desired, compiled
	if p.Project != c.Project || p.Environment != c.Environment || p.Account != c.Account || p.Region != c.Region {
		probs = append(probs, fmt.Sprintf("the plan is for %s/%s in account %s, %s; the configuration compiles to %s/%s in account %s, %s",
			p.Project, p.Environment, p.Account, p.Region, c.Project, c.Environment, c.Account, c.Region))
	}
	have := c.Index()
	seen := map[string]bool{}
	for _, r := range p.Resources {
		seen[r.Address] = true
		cr := have[r.Address]
		if cr == nil {
			probs = append(probs, fmt.Sprintf("%s: in the plan, not in the configuration", r.Address))
			continue
		}
		if d := firstDifference(jsonValue(r), jsonValue(cr), "", false); d != "" {
			probs = append(probs, fmt.Sprintf("%s: %s", r.Address, d))
		}
	}
	for _, r := range c.Resources {
		if !seen[r.Address] {
			probs = append(probs, fmt.Sprintf("%s: in the configuration, not in the plan", r.Address))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &MismatchError{
		What: "the configuration compiles to another desired graph than the saved plan's: the plan file was edited after it was made, " +
			"or made from other files; make the plan again and review it",
		Problems: truncate(probs),
	}
}

// jsonValue is v as plain JSON values (references, joins and sensitive
// values in their $ref, $join and $sensitive forms; numbers as float64).
func jsonValue(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// firstDifference says where a (the plan's) and b (the configuration's)
// first differ: "PATH: the plan has X, the configuration Y", or "" when
// they are equal. Inside a $sensitive value, values are never shown.
func firstDifference(a, b any, path string, sensitive bool) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if reflect.DeepEqual(am[k], bm[k]) {
				continue
			}
			sub, sens := path, sensitive
			switch {
			case k == "$sensitive":
				sens = true
			case path == "" && k == "properties":
			case path == "":
				sub = k
			default:
				sub = path + "." + k
			}
			_, inA := am[k]
			_, inB := bm[k]
			_, as := am["$sensitive"]
			_, bs := bm["$sensitive"]
			if as || bs {
				sens = true
			}
			switch {
			case !inA:
				return fmt.Sprintf("%s: only in the configuration", orWhole(sub))
			case !inB:
				return fmt.Sprintf("%s: only in the plan", orWhole(sub))
			}
			return firstDifference(am[k], bm[k], sub, sens)
		}
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if !reflect.DeepEqual(al[i], bl[i]) {
				return firstDifference(al[i], bl[i], fmt.Sprintf("%s[%d]", path, i), sensitive)
			}
		}
	}
	if sensitive || hasSensitive(a) || hasSensitive(b) {
		return fmt.Sprintf("%s differs (sensitive)", orWhole(path))
	}
	return fmt.Sprintf("%s: the plan has %s, the configuration %s", orWhole(path), show(a), show(b))
}

func orWhole(path string) string {
	if path == "" {
		return "the resource"
	}
	return path
}

// hasSensitive reports whether a plain JSON value holds a $sensitive form.
func hasSensitive(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["$sensitive"]; ok {
			return true
		}
		for _, e := range x {
			if hasSensitive(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasSensitive(e) {
				return true
			}
		}
	}
	return false
}
