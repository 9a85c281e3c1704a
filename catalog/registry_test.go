package catalog

import (
	"fmt"
	"slices"
	"testing"
)

// TestEntriesAreConsistent checks every entry's facts against each other:
// what it names exists, what it declares fits together.
func TestEntriesAreConsistent(t *testing.T) {
	for _, ty := range All() {
		for _, problem := range entryProblems(ty) {
			t.Errorf("%s: %s", ty.Name, problem)
		}
	}
}

func entryProblems(ty *Type) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if ty.Stage == 0 || ty.Short == "" || ty.Normalise == nil {
		bad("needs a Stage, a Short noun and a Normalise")
	}
	known := func(what, typ string) {
		if _, ok := Lookup(typ); !ok {
			bad("%s names %q, which is not registered", what, typ)
		}
	}
	for _, r := range ty.References {
		known("reference "+r.Path, r.Type)
	}
	for _, o := range ty.OwnedBy {
		known("owner of "+o.Property, o.By)
	}
	if h := ty.Handover; h != nil {
		known("handover registrar", h.Registrar)
		for _, r := range h.Routers {
			known("handover router", r)
		}
	}
	if ty.Fallback != nil {
		known("fallback rules", ty.Fallback.Rules)
	}
	out = append(out, ownershipProblems(ty)...)
	for _, a := range ty.CloudFormation.Ref {
		if !slices.Contains(ty.Attributes, a) && a != ty.NameProperty {
			bad("CloudFormation Ref %s is neither an attribute nor the name", a)
		}
	}
	if (ty.CloudFormation.Tags == TagsSpecifications) != (ty.CloudFormation.TagResourceType != "") {
		bad("TagResourceType goes with TagsSpecifications, and only with it")
	}
	if d := ty.Data; d != nil && (d.Describe == nil || d.Keep == nil) {
		bad("Data needs Describe and Keep")
	}
	if ty.Deploys != "" && !ty.HealthGated {
		bad("Deploys is for health-gated types")
	}
	return out
}

// ownershipProblems: a type either takes gantry's ownership tags (and
// then has an API tag shape) or is owned through a parent that does.
func ownershipProblems(ty *Type) []string {
	o := ty.Ownership
	switch {
	case ty.Tagged && o.Discovery == DiscoverThroughParent:
		return []string{"a tagged type is discovered by its tags, not through a parent"}
	case ty.Tagged && ty.TagAPI == TagAPINone:
		return []string{"a tagged type needs its API's tag shape (TagAPI)"}
	case !ty.Tagged && (ty.TagAPI != TagAPINone || ty.CloudFormation.Tags != TagsNone):
		return []string{"an untagged type has no tag shape"}
	case !ty.Tagged && o.Discovery != DiscoverThroughParent:
		return []string{"an untagged type must be discovered through its parent"}
	case o.Discovery == DiscoverThroughParent:
		p, ok := Lookup(o.Parent)
		if !ok || !p.Tagged {
			return []string{fmt.Sprintf("parent %q must be a registered, tagged type", o.Parent)}
		}
	case o.Parent != "":
		return []string{"Parent goes with DiscoverThroughParent"}
	}
	return nil
}

// TestRankFollowsStagesAndReferences: listing order is derived from the
// entries, a type after what it references within its stage.
func TestRankFollowsStagesAndReferences(t *testing.T) {
	all := All()
	seen := map[int]string{}
	for _, ty := range all {
		r := Rank(ty.Name)
		if other, dup := seen[r]; dup || r >= len(all) {
			t.Fatalf("%s ranks %d (taken by %q, or out of range)", ty.Name, r, other)
		}
		seen[r] = ty.Name
		for _, ref := range ty.References {
			u := MustLookup(ref.Type)
			if u.Stage == ty.Stage && u != ty && Rank(u.Name) > r {
				t.Errorf("%s (rank %d) before %s (rank %d), which it references", ty.Name, r, u.Name, Rank(u.Name))
			}
		}
		for _, u := range all {
			if u.Stage < ty.Stage && Rank(u.Name) > r {
				t.Errorf("%s of stage %d ranks after %s of stage %d", u.Name, u.Stage, ty.Name, ty.Stage)
			}
		}
	}
	if Rank("AWS::Nothing::Here") != len(all) {
		t.Error("an unknown type must rank last")
	}
}
