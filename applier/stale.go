package applier

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// StaleError refuses a saved plan: live state is no longer what the plan
// saw, or the plan does not belong to this configuration.
type StaleError struct {
	// Problems are one line each, naming the resource or the mismatch.
	Problems []string
}

func (e *StaleError) Error() string {
	var b strings.Builder
	b.WriteString("the saved plan is stale; plan again and review the new plan:")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p)
	}
	return b.String()
}

// CheckCommit refuses a plan made from another commit of the
// configuration than the one being applied. A plan made outside git (no
// commit) only matches a configuration outside git.
func CheckCommit(plan *planner.Plan, commit string) error {
	if plan.Commit == commit {
		return nil
	}
	have, want := short(commit), short(plan.Commit)
	if want == "" {
		want = "no commit (not in git)"
	}
	if have == "" {
		have = "no commit (not in git)"
	}
	return &StaleError{Problems: []string{fmt.Sprintf("the plan was made from commit %s, the configuration is at %s", want, have)}}
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// CheckPlan compares live state, read just now, with the state a saved
// plan saw: every resource the plan saw must still hash to its
// fingerprint, nothing the plan creates may exist already, and nothing
// may have appeared that the plan does not know. fingerprint is the
// planner's hash of a live resource.
func CheckPlan(plan *planner.Plan, live []*provider.Observed, fingerprint func(*provider.Observed) string) error {
	byID := map[string]*provider.Observed{}
	byAddr := map[string][]*provider.Observed{}
	for _, o := range live {
		byID[liveKey(o.Type, o.ID)] = o
		byAddr[o.Address] = append(byAddr[o.Address], o)
	}
	known := map[string]bool{}
	seenIDs := map[string]bool{}
	var problems []string
	for _, c := range plan.Changes {
		known[c.Address] = true
		if c.LiveID != "" {
			seenIDs[liveKey(c.Type, c.LiveID)] = true
		}
		switch {
		case c.Action == planner.Create:
			if found := byAddr[c.Address]; len(found) > 0 {
				problems = append(problems, fmt.Sprintf("%s: exists now (%s); the plan would create it", c.Address, found[0].ID))
			}
		case c.Fingerprint != "" || c.LiveID != "":
			o := byID[liveKey(c.Type, c.LiveID)]
			if o == nil && c.LiveID == "" && len(byAddr[c.Address]) == 1 {
				o = byAddr[c.Address][0]
			}
			if o == nil {
				problems = append(problems, fmt.Sprintf("%s: %s no longer exists", c.Address, orUnknown(c.LiveID)))
				continue
			}
			if c.Fingerprint != "" && fingerprint(o) != c.Fingerprint {
				problems = append(problems, fmt.Sprintf("%s: changed since the plan was made (%s)", c.Address, o.ID))
			}
		}
	}
	for _, p := range plan.Live {
		seenIDs[liveKey(p.Type, p.ID)] = true
	}
	for _, o := range live {
		if !known[o.Address] && !seenIDs[liveKey(o.Type, o.ID)] {
			problems = append(problems, fmt.Sprintf("%s: appeared since the plan was made (%s)", o.Address, o.ID))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return &StaleError{Problems: problems}
}

func orUnknown(id string) string {
	if id == "" {
		return "the resource"
	}
	return id
}

// liveKey identifies a live resource: ids are unique only within a type
// (an instance profile and its role may share a name).
func liveKey(typ, id string) string { return typ + "|" + id }
