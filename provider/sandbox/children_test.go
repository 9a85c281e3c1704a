package sandbox

import (
	"errors"
	"slices"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// The sandbox's own model of what AWS deletes with a resource or refuses
// to delete it for agrees with the catalog's Children, and every child
// type names its parent type in its References (how children are found).
func TestChildrenAgreeWithTheCatalog(t *testing.T) {
	for _, typ := range Types() {
		h, ct := handlers[typ], catalog.MustLookup(typ)
		if !slices.Equal(slices.Sorted(slices.Values(h.Children)), slices.Sorted(slices.Values(ct.Children))) {
			t.Errorf("%s: sandbox children %v, catalog children %v", typ, h.Children, ct.Children)
		}
		for _, child := range ct.Children {
			if !slices.ContainsFunc(catalog.MustLookup(child).References, func(r catalog.Reference) bool { return r.Type == typ }) {
				t.Errorf("%s: child type %s has no reference to it", typ, child)
			}
		}
	}
}

// A delete never takes a resource gantry does not own with it: a listener
// rule someone else made on gantry's listener, forwarding to gantry's
// target group, blocks the deletion of the load balancer (which would
// delete the rule through its listener), of the listener, and of the
// target group (which AWS refuses, named instead as the rule); nothing
// is deleted. A rule of another environment or one gantry keeps
// (gantry:retain) blocks the same way.
func TestDeleteRefusesUnownedChildren(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	lb, listener, tg := a.live["load-balancer/public"], a.live["load-balancer/public/listener-https"], a.live["service/svc0/target-group"]
	rule := func(prio int, tags map[string]string) *provider.Observed {
		o, err := s.CreateUnowned(ctx, testScope.Account, testScope.Region, provider.Request{
			Type: catalog.ListenerRule, Tags: tags,
			Properties: m{
				"ListenerArn": listener.ID, "Priority": prio,
				"Conditions": l{m{"Field": "path-pattern", "PathPatternConfig": m{"Values": l{"/legacy/*"}}}},
				"Actions":    l{m{"Type": "forward", "TargetGroupArn": tg.ID}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	check := func(live *provider.Observed, child *provider.Observed, want provider.ChildError) {
		t.Helper()
		err := s.Delete(ctx, testScope, live)
		var ce *provider.ChildError
		if !errors.As(err, &ce) {
			t.Fatalf("delete %s: %v, want a ChildError", live.Address, err)
		}
		want.Address, want.Type, want.ID, want.ChildType, want.ChildID = live.Address, live.Type, live.ID, catalog.ListenerRule, child.ID
		if *ce != want {
			t.Errorf("delete %s:\n got %+v\nwant %+v", live.Address, *ce, want)
		}
		if still := liveByAddress(t, s, testScope)[live.Address]; still == nil {
			t.Errorf("%s was deleted", live.Address)
		}
	}

	unowned := rule(7, map[string]string{"team": "legacy"})
	check(lb, unowned, provider.ChildError{Cascades: true})
	check(listener, unowned, provider.ChildError{Cascades: true})
	check(tg, unowned, provider.ChildError{})
	if err := s.Remove(ctx, Filter{}, unowned.ID); err != nil {
		t.Fatal(err)
	}

	other := rule(8, map[string]string{graph.TagProject: "shop", graph.TagEnvironment: "prod", graph.TagAddress: "service/x/rule-https"})
	check(listener, other, provider.ChildError{Cascades: true, ChildOwner: "project shop, environment prod", ChildAddress: "service/x/rule-https"})
	if err := s.Remove(ctx, Filter{}, other.ID); err != nil {
		t.Fatal(err)
	}

	kept := rule(9, map[string]string{graph.TagProject: "shop", graph.TagEnvironment: "staging", graph.TagAddress: "service/old/rule-https", graph.TagRetain: "true"})
	check(listener, kept, provider.ChildError{Cascades: true, ChildAddress: "service/old/rule-https", Retained: true})
	if got := (&provider.ChildError{Address: "load-balancer/public/listener-https", Type: catalog.Listener, ChildType: catalog.ListenerRule, ChildID: "arn:r", ChildAddress: "service/old/rule-https", Retained: true, Cascades: true}).Error(); got != "load-balancer/public/listener-https: not deleted: its listener rule arn:r is service/old/rule-https, kept by gantry (retainOnDelete), and deleting it would delete that too; gantry never deletes what it does not own: delete or move that listener rule yourself first" {
		t.Errorf("message: %s", got)
	}
	if err := s.Remove(ctx, Filter{}, kept.ID); err != nil {
		t.Fatal(err)
	}

	// A person's delete (no project: the console) is not gantry's and is
	// not checked.
	if err := s.Delete(ctx, provider.Scope{Account: testScope.Account, Region: testScope.Region}, lb); err != nil {
		t.Fatalf("a delete outside gantry (no project) is not checked: %v", err)
	}
}
