package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// ImpactRefresh: an update of an Auto Scaling group's launch template or
// instance mix (catalog.Type.Refresh) that apply rolls out to its running
// instances with an instance refresh (graph.Resource.Refresh).
const ImpactRefresh Impact = "instances replaced by an instance refresh, rolling"

// Refreshes reports whether apply follows the change with an instance
// refresh of the group, and health-gates it: an update with that impact
// of a type whose instances follow a template (catalog.Type.Refresh), not
// of the template itself.
func (c *Change) Refreshes() bool {
	if c.Action != Update || c.Impact != ImpactRefresh {
		return false
	}
	t, ok := catalog.Lookup(c.Type)
	return ok && t.Refresh != nil
}

// markRefreshedTemplates gives the in-place updates of what a refreshed
// group launches from (its launch template: a new AMI) the group's
// impact: that is what the template's change does to running instances,
// and where a reviewer reads the new image.
func (d *planBuilder) markRefreshedTemplates(changes []*Change) {
	for _, c := range changes {
		if !c.Refreshes() {
			continue
		}
		for _, ref := range graph.Refs(d.desired[c.Address].Properties) {
			if u := d.changes[ref.Address]; u != nil && u.Action == Update && u.Impact == ImpactInPlace {
				u.Impact = ImpactRefresh
			}
		}
	}
}

// Parameters lists the SSM parameters g's resources name at their types'
// Resolves paths (a launch template's "resolve:ssm:" image), sorted, once
// each.
func Parameters(g *graph.Graph) []string {
	seen := map[string]bool{}
	for _, r := range g.Resources {
		t, ok := catalog.Lookup(r.Type)
		if !ok {
			continue
		}
		for _, n := range t.Parameters(r.Properties) {
			seen[n] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResolveParameters reads the current values of the SSM parameters
// desired names, through the provider: nil when it names none. Make
// calls it; callers of Diff pass its result as Options.Parameters.
func ResolveParameters(ctx context.Context, prov provider.Provider, scope provider.Scope, desired *graph.Graph) (map[string]string, error) {
	names := Parameters(desired)
	if len(names) == 0 {
		return nil, nil
	}
	vals, err := prov.Resolve(ctx, scope, names)
	if err != nil {
		return nil, fmt.Errorf("resolve the SSM parameters the configuration names (%s): %w", strings.Join(names, ", "), err)
	}
	return vals, nil
}

// withParameters returns r's properties with the SSM parameter references
// at its type's Resolves paths replaced by their values: what a plan
// compares and apply sends. References without a value stay (a plan made
// without a provider, Diff's callers that resolve nothing).
func withParameters(t *catalog.Type, r *graph.Resource, values map[string]string) map[string]any {
	if len(t.Resolves) == 0 || len(values) == 0 {
		return r.Properties
	}
	props, _ := t.ResolveParameters(r.Properties, values)
	return props
}

// ResolvedProperties returns r's properties with the SSM parameter
// references the plan resolved replaced by their values, and the names
// of those it did not resolve (a plan file made before the reference was
// added to the configuration, or edited): apply sends the values the plan
// showed, never a reference.
func (p *Plan) ResolvedProperties(r *graph.Resource) (map[string]any, []string) {
	t, ok := catalog.Lookup(r.Type)
	if !ok || len(t.Resolves) == 0 {
		return r.Properties, nil
	}
	return t.ResolveParameters(r.Properties, p.Parameters)
}

// StaleParameters compares the values the plan resolved with now (the
// provider's values read just now) and returns one line for each that
// moved since the plan was made: AWS published another AMI, and the plan
// no longer shows what apply would do.
func (p *Plan) StaleParameters(now map[string]string) []string {
	var out []string
	for _, n := range sortedNames(p.Parameters) {
		if v := now[n]; v != p.Parameters[n] {
			out = append(out, fmt.Sprintf("SSM parameter %s: the plan resolved it to %s, it is now %s", n, p.Parameters[n], orNone(v)))
		}
	}
	return out
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}

// refreshes reports whether an in-place update with these diffs leaves
// r's running instances behind (catalog.Type.Refresh) and r asks for an
// instance refresh to replace them.
func refreshes(t *catalog.Type, r *graph.Resource, diffs []PropertyDiff) bool {
	if t.Refresh == nil || r.Refresh == nil {
		return false
	}
	for _, df := range diffs {
		if t.Refresh.Triggered(df.Path) {
			return true
		}
	}
	return false
}

// refreshWarnings warns about the Auto Scaling groups the plan keeps
// whose instances are not where the configuration wants them
// (provider.Observed.Fleet): an instance refresh still under way or one
// that ended without success (apply waits for the first, and starts a new
// one for the second), or instances left on an older launch template
// version by a refresh that never started or failed (apply starts one).
// A group the plan refreshes anyway needs no warning of the second kind.
func refreshWarnings(p *Plan) []Warning {
	var out []Warning
	for _, o := range p.Live {
		t, ok := catalog.Lookup(o.Type)
		c := p.Change(o.Address)
		if !ok || t.Refresh == nil || o.Fleet == nil || c == nil || c.Action == Delete || strings.Contains(o.Address, "#") {
			continue
		}
		f := o.Fleet
		wants := p.Desired.Get(o.Address) != nil && p.Desired.Get(o.Address).Refresh != nil
		switch {
		case f.Refresh != nil && f.Refresh.Active():
			out = append(out, Warning{Kind: WarnDeployment, Address: o.Address, Message: fmt.Sprintf(
				"instance refresh %s is still in progress (%s, %d%% done): apply waits for it", f.Refresh.ID, f.Refresh.Status, f.Refresh.PercentageComplete)})
		case f.Outdated > 0 && wants && !c.Refreshes():
			msg := fmt.Sprintf("%d of its %d instances do not run its launch template version", f.Outdated, f.Instances)
			if f.Refresh != nil && !f.Refresh.Succeeded() {
				msg += fmt.Sprintf(" (instance refresh %s ended %s", f.Refresh.ID, f.Refresh.Status)
				if f.Refresh.StatusReason != "" {
					msg += ": " + f.Refresh.StatusReason
				}
				msg += ")"
			}
			out = append(out, Warning{Kind: WarnDeployment, Address: o.Address, Message: msg + "; apply starts an instance refresh"})
		}
	}
	return out
}

// onlyPublished reports whether r differs from its live self only by the
// values of the SSM parameters it names: resolved with the values live
// holds where r names a parameter, r hashes to what the last apply sent
// (the gantry:applied tag). Then the configuration did not change; AWS
// published a new value.
func (d *planBuilder) onlyPublished(t *catalog.Type, r *graph.Resource, o *provider.Observed, owned []string, wantTags map[string]string) bool {
	applied := o.Tags[TagApplied]
	if applied == "" || len(t.Resolves) == 0 || len(d.params) == 0 {
		return false
	}
	live := map[string]string{}
	have := t.Canonical(o.Properties)
	for _, p := range t.Resolves {
		ref, _ := lookup(r.Properties, p).(string)
		name, ok := strings.CutPrefix(ref, catalog.ParameterPrefix)
		if !ok {
			continue
		}
		v, ok := lookup(have, p).(string)
		if !ok {
			return false // not a plain value live: nothing to compare
		}
		live[name] = v
	}
	if len(live) == 0 {
		return false
	}
	asBefore, known := d.resolve(withParameters(t, r, live))
	if !known {
		return false
	}
	want := t.Canonical(asBefore)
	have = t.Canonical(o.Properties) // Reconcile may change its arguments
	for _, prop := range owned {
		delete(want, prop)
		delete(have, prop)
	}
	if t.Reconcile != nil {
		t.Reconcile(want, have)
	}
	return hashString(hashForm(want, wantTags)) == applied
}

// markFollowingPublished gives a configuration change that only follows
// published values the cause published too: every difference is a
// reference known after apply, and every resource it refers to that
// changes changes because of a published value (an Auto Scaling group
// following its launch template's new version with a new AMI).
func (d *planBuilder) markFollowingPublished(changes []*Change) {
	for _, c := range changes {
		if c.Action != Update || c.Cause != CauseConfig || len(c.Diffs) == 0 {
			continue
		}
		if !d.followsPublished(c) {
			continue
		}
		c.Cause = CausePublished
	}
}

func (d *planBuilder) followsPublished(c *Change) bool {
	for _, df := range c.Diffs {
		if df.After != KnownAfterApply {
			return false
		}
	}
	r := d.desired[c.Address]
	if r == nil {
		return false
	}
	published := false
	for _, ref := range graph.Refs(r.Properties) {
		u := d.changes[ref.Address]
		if u == nil || u.Action == NoOp {
			continue
		}
		if u.Cause != CausePublished {
			return false
		}
		published = true
	}
	return published
}
