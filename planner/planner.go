package planner

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// Options are the facts a plan records about where it came from, and how
// Make reads live state.
type Options struct {
	Provider      string // provider name, "sandbox" or "aws"
	GantryVersion string
	Commit        string // git commit of the configuration, "" outside git
	Dirty         bool   // the work tree had uncommitted changes
	// Now returns the plan's creation time (time.Now when nil).
	Now func() time.Time
	// ReadRetry bounds Make's retries of the live listing; the zero
	// value is Read's.
	ReadRetry ReadRetry
	// Parameters are the values of the SSM parameters the desired graph
	// names (catalog.Type.Resolves), by name: Make reads them through the
	// provider; a saved plan's recomputation passes the plan's own.
	Parameters map[string]string
}

// CompileFunc compiles the environment's desired graph, keeping the given
// listener rule priorities (address → priority) of rules that are live.
// The CLI passes a closure over compiler.Compile, so the planner never
// depends on the configuration, only on the graph.
type CompileFunc func(pinned map[string]int) (*graph.Graph, error)

// Make is the whole plan flow for one environment: read live state, compile
// with the live rules' priorities pinned, diff.
func Make(ctx context.Context, prov provider.Provider, scope provider.Scope, compile CompileFunc, opts Options) (*Plan, error) {
	live, err := read(ctx, prov, scope, opts.ReadRetry)
	if err != nil {
		return nil, err
	}
	desired, err := compile(Pinned(live))
	if err != nil {
		return nil, err
	}
	if opts.Parameters, err = ResolveParameters(ctx, prov, scope, desired); err != nil {
		return nil, err
	}
	if opts.Provider == "" {
		opts.Provider = prov.Name()
	}
	p, err := Diff(desired, live, scope, opts)
	if err != nil {
		return nil, err
	}
	p.Warnings = append(p.Warnings, deploymentWarnings(ctx, prov, scope, p)...)
	p.Warnings = append(p.Warnings, refreshWarnings(p)...)
	return p, nil
}

// Read returns what scope owns, as the provider lists it, sorted by
// address. It drops (and logs) anything whose ownership tags do not name
// scope: the provider is supposed to filter, and a resource without
// gantry's tags must never reach a plan, where it could be deleted.
// A listing that fails retryably is tried again (ReadRetry's defaults).
func Read(ctx context.Context, prov provider.Provider, scope provider.Scope) ([]*provider.Observed, error) {
	return read(ctx, prov, scope, ReadRetry{})
}

// read is Read with the given retries of the listing.
func read(ctx context.Context, prov provider.Provider, scope provider.Scope, retry ReadRetry) ([]*provider.Observed, error) {
	all, err := listOwned(ctx, prov, scope, retry.withDefaults())
	if err != nil {
		return nil, fmt.Errorf("read live state of %s/%s: %w", scope.Project, scope.Environment, err)
	}
	out := make([]*provider.Observed, 0, len(all))
	seen := map[string]bool{}
	for _, o := range all {
		if !owned(o, scope) {
			slog.Warn("provider listed a resource this project does not own; ignoring it",
				"address", o.Address, "type", o.Type, "id", o.ID)
			continue
		}
		if seen[o.Address] {
			return nil, fmt.Errorf("read live state: two live resources claim address %s (the second is %s %s); "+
				"remove the gantry tags from the one that is not gantry's", o.Address, o.Type, o.ID)
		}
		seen[o.Address] = true
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// owned reports whether o carries scope's ownership tags. Types that hold
// no tags are trusted to the provider's listing.
func owned(o *provider.Observed, scope provider.Scope) bool {
	if o.Address == "" {
		return false
	}
	t, ok := catalog.Lookup(o.Type)
	if !ok || !t.Tagged {
		return ok
	}
	return o.Tags[graph.TagProject] == scope.Project && o.Tags[graph.TagEnvironment] == scope.Environment &&
		o.Tags[graph.TagAddress] == o.Address
}

// Pinned returns the pinned values (catalog.Type.Pin: listener rule
// priorities) of live resources, by address, for CompileOptions.
func Pinned(live []*provider.Observed) map[string]int {
	out := map[string]int{}
	for _, o := range live {
		t, ok := catalog.Lookup(o.Type)
		if !ok || t.Pin == "" {
			continue
		}
		switch v := catalog.Copy(o.Properties[t.Pin]).(type) {
		case float64:
			out[o.Address] = int(v)
		case string:
			var n int
			if _, err := fmt.Sscan(v, &n); err == nil {
				out[o.Address] = n
			}
		}
	}
	return out
}

// Diff plans desired against live (as Read returns it).
func Diff(desired *graph.Graph, live []*provider.Observed, scope provider.Scope, opts Options) (*Plan, error) {
	if err := desired.Check(); err != nil {
		return nil, err
	}
	order, err := desired.TopoOrder()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	liveSorted := append([]*provider.Observed(nil), live...)
	sort.Slice(liveSorted, func(i, j int) bool { return liveSorted[i].Address < liveSorted[j].Address })
	p := &Plan{
		FormatVersion: FormatVersion,
		GantryVersion: opts.GantryVersion,
		CreatedAt:     now().UTC().Truncate(time.Second),
		Commit:        opts.Commit,
		Dirty:         opts.Dirty,
		Provider:      opts.Provider,
		Scope:         scope,
		Desired:       desired,
		Live:          liveSorted,
		Parameters:    opts.Parameters,
	}
	d := &planBuilder{
		params:  opts.Parameters,
		desired: desired.Index(),
		live:    map[string]*provider.Observed{},
		changes: map[string]*Change{},
		owners:  ownersOf(desired),
		revokes: map[string][]PropertyDiff{},
	}
	for _, o := range liveSorted {
		d.live[o.Address] = o
	}
	for _, addr := range order {
		c, err := d.changeFor(d.desired[addr])
		if err != nil {
			return nil, err
		}
		d.changes[addr] = c
		p.Changes = append(p.Changes, c)
	}
	for _, o := range liveSorted {
		if d.desired[o.Address] != nil {
			continue
		}
		t, ok := catalog.Lookup(o.Type)
		if !ok {
			return nil, fmt.Errorf("%s: live resource of unknown type %s", o.Address, o.Type)
		}
		if IsRetained(o, liveSorted) {
			// retainOnDelete: no longer managed, kept.
			p.Retained = append(p.Retained, Retained{Address: o.Address, Type: o.Type, ID: o.ID})
			continue
		}
		reason := "no longer in the configuration"
		if t.Revisioned && strings.Contains(o.Address, "#") {
			reason = "older revision no service runs, left registered by an earlier apply"
		}
		if d.usedByStaying(o) {
			// A revision a service that stays still runs: it is retired
			// once the service moved off it, never before. When this
			// plan moves every such service off it, apply deregisters
			// it after their deployments, so the plan shows it.
			if !t.Revisioned || !d.movedOff(o) {
				continue
			}
			reason = "older revision the services move off in this apply, deregistered after their deployments"
		}
		c := &Change{
			Address: o.Address, Type: o.Type, Action: Delete, Stage: t.Stage,
			Cause: CauseRemoved, Reason: reason, Impact: ImpactDelete,
			LiveID: o.ID, Fingerprint: Fingerprint(o),
		}
		if t.Data != nil {
			// Removing a service from the configuration removes its
			// logs too: never silently.
			if what := t.Data.Describe(o.Properties, o.Attributes); what != "" {
				c.Impact, c.Data = ImpactDeleteData, what
				c.Reason += "; deletes " + what
			}
		}
		if c.Data == "" && !strings.Contains(o.Address, "#") {
			// What else a deletion of the type takes away (a service's
			// tasks): never silently either.
			c.Loses = t.Loses
		}
		p.Changes = append(p.Changes, c)
	}
	d.markRefreshedTemplates(p.Changes)
	d.markFollowingPublished(p.Changes)
	p.Changes = append(p.Changes, d.supersededRevisions(p.Changes)...)
	d.handovers(p.Changes)
	d.deferFallbacks(p.Changes)
	d.deferRevokes(p.Changes)
	sortChanges(p.Changes)
	return p, nil
}

// sortChanges puts changes in apply order: stage, then address; deletions
// last in reverse stage order, dependents (higher catalog rank) first.
func sortChanges(cs []*Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		ad, bd := a.Action == Delete, b.Action == Delete
		if ad != bd {
			return bd
		}
		if ad {
			if a.Stage != b.Stage {
				return a.Stage > b.Stage
			}
			if ra, rb := catalog.Rank(a.Type), catalog.Rank(b.Type); ra != rb {
				return ra > rb
			}
			return a.Address < b.Address
		}
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.Address < b.Address
	})
}

// ownersOf maps each address to the types of the resources that depend on
// it (by reference or dependsOn), for catalog.Type.OwnedBy.
func ownersOf(g *graph.Graph) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	add := func(target, typ string) {
		if out[target] == nil {
			out[target] = map[string]bool{}
		}
		out[target][typ] = true
	}
	for _, r := range g.Resources {
		for _, dep := range r.DependsOn {
			add(dep, r.Type)
		}
		for _, ref := range graph.Refs(r.Properties) {
			add(ref.Address, r.Type)
		}
	}
	return out
}

// planBuilder builds one Diff's plan: it decides each resource's change
// (changeFor), then orders the changes against each other (handovers,
// deferred fallbacks and revokes). It carries the decisions taken so far,
// which decide whether a reference resolves (an unchanged or updated
// resource keeps its ARN) or is known only after apply.
type planBuilder struct {
	desired map[string]*graph.Resource
	live    map[string]*provider.Observed
	changes map[string]*Change
	owners  map[string]map[string]bool
	// revokes holds, by address, the entries of permission lists
	// (catalog.Type.Grants) that an update removes.
	revokes map[string][]PropertyDiff
	// byID indexes live by id, built on first use (liveByID).
	byID map[string]*provider.Observed
	// params are the SSM parameters' values (Options.Parameters).
	params map[string]string
}

// changeFor decides the change that brings r's live counterpart to r:
// create, update, replace or nothing, with the property differences and
// the reason.
func (d *planBuilder) changeFor(r *graph.Resource) (*Change, error) {
	t, ok := catalog.Lookup(r.Type)
	if !ok {
		return nil, fmt.Errorf("%s: unknown resource type %s", r.Address, r.Type)
	}
	c := &Change{Address: r.Address, Type: r.Type, Stage: t.Stage}
	for _, ow := range t.OwnedBy {
		if d.owners[r.Address][ow.By] {
			c.Owned = append(c.Owned, ow.Property)
		}
	}
	o := d.live[r.Address]
	if o == nil {
		c.Action, c.Cause, c.Reason, c.Impact = Create, CauseNew, "not in AWS yet", ImpactCreate
		return c, nil
	}
	c.LiveID = o.ID
	c.Fingerprint = Fingerprint(o)
	if o.Type != r.Type {
		c.Action, c.Cause, c.Impact = Replace, CauseConfig, ImpactReplace
		c.Reason = fmt.Sprintf("type changes from %s to %s", o.Type, r.Type)
		return c, nil
	}

	resolved, known := d.resolve(withParameters(t, r, d.params))
	want := t.Canonical(resolved)
	have := t.Canonical(o.Properties)
	for _, prop := range c.Owned {
		delete(want, prop)
		delete(have, prop)
	}
	if t.Reconcile != nil {
		t.Reconcile(want, have)
	}
	c.Diffs = diffProps(t, have, want)
	wantTags, haveTags := map[string]string(nil), map[string]string(nil)
	if t.Tagged || r.Tags != nil {
		wantTags, haveTags = filterTags(t, r.Tags), filterTags(t, o.Tags)
		c.Diffs = append(c.Diffs, diffTags(haveTags, wantTags)...)
	}
	if len(c.Diffs) == 0 {
		c.Action, c.Reason, c.Impact = NoOp, "up to date", ImpactNone
		return c, nil
	}
	c.Cause = causeOf(t, o, c.Owned, known, hashForm(want, wantTags), have, haveTags)
	if c.Cause == CauseConfig && d.onlyPublished(t, r, o, c.Owned, wantTags) {
		c.Cause = CausePublished
	}

	for _, f := range t.ForceNew {
		if catalog.Equal(lookup(want, f), lookup(have, f)) {
			continue
		}
		c.ForceNew = append(c.ForceNew, f)
		for i := range c.Diffs {
			if under(c.Diffs[i].Path, f) || strings.HasPrefix(f, c.Diffs[i].Path+".") {
				c.Diffs[i].ForceNew = true
			}
		}
	}
	switch {
	case t.Revisioned && !tagsOnly(c.Diffs):
		c.Action, c.Impact = Update, ImpactRevision
		c.Reason = "changed: " + changedNames(c.Diffs) + "; registers a new revision"
		c.ForceNew = nil
		for i := range c.Diffs {
			c.Diffs[i].ForceNew = false
		}
	case len(c.ForceNew) > 0:
		c.Action = Replace
		c.Impact = ImpactReplace
		c.Reason = strings.Join(c.ForceNew, ", ") + map[bool]string{true: " forces", false: " force"}[len(c.ForceNew) == 1] + " replacement"
		if collides(t, want, have) {
			c.Impact = ImpactReplaceDeleteFirst
		} else if parent := d.deletedFirstParent(r); parent != "" {
			c.Impact = ImpactReplaceDeleteFirst
			c.Reason += "; the old one goes with " + parent + ", replaced delete before create"
		}
	default:
		c.Action, c.Impact = Update, ImpactInPlace
		c.Reason = "changed: " + changedNames(c.Diffs)
		d.noteRevokes(t, c.Address, want, have)
		if refreshes(t, r, c.Diffs) {
			c.Impact = ImpactRefresh
		}
		for _, df := range c.Diffs {
			for _, rp := range t.Redeploys {
				if !under(df.Path, rp) {
					continue
				}
				if c.Impact != ImpactNewRevision {
					c.Impact = ImpactRolling
				}
				if df.After == NewRevision {
					c.Impact = ImpactNewRevision
				}
			}
		}
	}
	return c, nil
}

// collides reports whether a replacement would collide with the resource
// it replaces, so the old one must be deleted first: the type's unique
// name stays the same within the same scope (catalog.Type.NameScope: a
// service moving to another cluster does not collide).
func collides(t *catalog.Type, want, have map[string]any) bool {
	if t.NameProperty == "" || !catalog.Equal(want[t.NameProperty], have[t.NameProperty]) {
		return false
	}
	for _, p := range t.NameScope {
		if !catalog.Equal(want[p], have[p]) {
			return false
		}
	}
	return true
}

// deletedFirstParent returns the address of a resource r references that
// is replaced delete-first, "" when there is none: r's old self cannot
// outlive it (a load balancer's listeners go with it; a scalable target
// names a service that is gone), so r is not created before its old self
// is deleted either. Changes are planned in dependency order, so the
// parent's change is known.
func (d *planBuilder) deletedFirstParent(r *graph.Resource) string {
	var out []string
	for _, ref := range graph.Refs(r.Properties) {
		if c := d.changes[ref.Address]; c != nil && c.Action == Replace && c.Impact == ImpactReplaceDeleteFirst {
			out = append(out, ref.Address)
		}
	}
	if len(out) == 0 {
		return ""
	}
	sort.Strings(out)
	return out[0]
}

// cause tells config changes from drift with the gantry:applied tag, the
// hash of what the last apply sent (see AppliedHash).
func cause(applied string, desiredKnown bool, want, have string) Cause {
	if applied == "" {
		return CauseUnknown
	}
	drift := hashString(have) != applied
	config := !desiredKnown || hashString(want) != applied
	switch {
	case drift && config:
		return CauseBoth
	case drift:
		return CauseDrift
	case config:
		return CauseConfig
	}
	// Both match the applied hash yet differ from each other: only
	// possible when the hash does not cover the difference.
	return CauseUnknown
}

// changedNames lists the changed top-level properties, for a reason line.
func changedNames(diffs []PropertyDiff) string {
	var names []string
	seen := map[string]bool{}
	for _, df := range diffs {
		n := topLevel(df.Path)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) > 4 {
		return strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more", len(names)-3)
	}
	return strings.Join(names, ", ")
}

// resolve replaces references with the live attributes of the resources
// they point at, or with placeholders when only apply will know them. It
// reports whether every reference was known.
func (d *planBuilder) resolve(v map[string]any) (map[string]any, bool) {
	known := true
	var replace func(v any) (any, bool)
	replace = func(v any) (any, bool) {
		switch x := v.(type) {
		case graph.Ref:
			s, ok := d.attr(x)
			if !ok {
				known = false
				return unknown{d.placeholder(x)}, true
			}
			return s, true
		case graph.Join:
			var b strings.Builder
			for _, part := range x.Parts {
				switch p := part.(type) {
				case string:
					b.WriteString(p)
				case graph.Ref:
					s, ok := d.attr(p)
					if !ok {
						known = false
						return unknown{KnownAfterApply}, true
					}
					b.WriteString(s)
				}
			}
			return b.String(), true
		case graph.Sensitive:
			return graph.Sensitive{Value: graph.Rewrite(x.Value, replace)}, true
		}
		return nil, false
	}
	out, _ := graph.Rewrite(v, replace).(map[string]any)
	return out, known
}

// attr returns the live value of a referenced attribute when the planned
// change keeps it.
func (d *planBuilder) attr(ref graph.Ref) (string, bool) {
	c := d.changes[ref.Address]
	o := d.live[ref.Address]
	if c == nil || o == nil {
		return "", false
	}
	switch c.Action {
	case NoOp:
	case Update:
		t := catalog.MustLookup(c.Type)
		if c.RegistersRevision() {
			return "", false
		}
		for _, a := range t.UpdatedAttributes {
			if a == ref.Attribute && !tagsOnly(c.Diffs) {
				return "", false
			}
		}
	default:
		return "", false
	}
	s, ok := o.Attributes[ref.Attribute]
	if !ok {
		slog.Warn("live resource lacks a referenced attribute", "address", ref.Address, "attribute", ref.Attribute)
	}
	return s, ok
}

// placeholder is the value of a reference only apply will know: the new
// revision of a task definition, or an attribute known after apply.
func (d *planBuilder) placeholder(ref graph.Ref) string {
	if c := d.changes[ref.Address]; c != nil && c.RegistersRevision() {
		return NewRevision
	}
	return KnownAfterApply
}

// filterTags drops the tags that are never diffed: gantry:applied, the
// provenance tags (provenance), AWS's own (aws:*) and the type's
// IgnoreTags.
func filterTags(t *catalog.Type, tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		if k == TagApplied || provenance(k) || strings.HasPrefix(k, "aws:") {
			continue
		}
		if !slices.Contains(t.IgnoreTags, k) {
			out[k] = v
		}
	}
	return out
}

func diffTags(have, want map[string]string) []PropertyDiff {
	var out []PropertyDiff
	for _, k := range unionKeys(have, want) {
		h, hok := have[k]
		w, wok := want[k]
		if hok && wok && h == w {
			continue
		}
		pd := PropertyDiff{Path: "Tags[" + k + "]"}
		if hok {
			pd.Before = h
		}
		if wok {
			pd.After = w
		}
		out = append(out, pd)
	}
	return out
}

// usedByStaying reports whether something that is not deleted with o
// still runs it (provider.Observed.UsedBy): a user that is not one of
// scope's live resources, or one the configuration keeps.
func (d *planBuilder) usedByStaying(o *provider.Observed) bool {
	for _, id := range o.UsedBy {
		user := d.liveByID(id)
		if user == nil || d.desired[user.Address] != nil {
			return true
		}
	}
	return false
}

// movedOff reports whether every user of o (provider.Observed.UsedBy) is
// one of scope's live resources that this plan updates to no longer name
// o (a service moving to the new revision of its task definition): apply
// deregisters o once their deployments completed.
func (d *planBuilder) movedOff(o *provider.Observed) bool {
	if len(o.UsedBy) == 0 {
		return false
	}
	for _, id := range o.UsedBy {
		user := d.liveByID(id)
		if user == nil || d.desired[user.Address] == nil {
			return false
		}
		if c := d.changes[user.Address]; c == nil || c.Action != Update {
			return false
		}
		props, _ := d.resolve(d.desired[user.Address].Properties)
		named := false
		graph.WalkStrings(props, func(s string) { named = named || s == o.ID })
		if named {
			return false
		}
	}
	return true
}

// liveByID finds a live resource by id (of any type: the users of a
// resource are named by id alone, and ARNs name their type).
// The index is built once: Diff asks for every user of every live
// resource, and a scan per question is quadratic in the environment.
func (d *planBuilder) liveByID(id string) *provider.Observed {
	if d.byID == nil {
		d.byID = make(map[string]*provider.Observed, len(d.live))
		for _, o := range d.live {
			d.byID[o.ID] = o
		}
	}
	return d.byID[id]
}

// ReadRetry bounds the planner's own retries of a whole listing whose
// throttling or transient error outlasted the provider's per-call retries
// (the SDK's retryer, up to 10 attempts per read call): Attempts listings
// at most, waiting a random duration in [d/2, d) between them, d doubling
// from Base up to Max. A zero field takes its default: 3 listings, waits
// from 200ms up to 2s.
type ReadRetry struct {
	Attempts  int
	Base, Max time.Duration
}

func (r ReadRetry) withDefaults() ReadRetry {
	if r.Attempts <= 0 {
		r.Attempts = 3
	}
	if r.Base <= 0 {
		r.Base = 200 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 2 * time.Second
	}
	return r
}

// listOwned is ListOwned, tried again on a retryable error.
func listOwned(ctx context.Context, prov provider.Provider, scope provider.Scope, retry ReadRetry) ([]*provider.Observed, error) {
	d := retry.Base
	for n := 1; ; n++ {
		all, err := prov.ListOwned(ctx, scope)
		if err == nil || !provider.IsRetryable(err) || n >= retry.Attempts {
			if err != nil && n > 1 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, n)
			}
			return all, err
		}
		wait := d/2 + rand.N(d/2+1)
		slog.Debug("listing live state failed; trying again", "error", err, "attempt", n, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
		d = min(2*d, retry.Max)
	}
}
