package cloudformation

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// Template renders the graph as a CloudFormation template, an escape
// hatch for users who deploy with CloudFormation instead of gantry apply:
//   - each resource becomes a logical ID made of its address's words
//     ("service/api/rule-https" → "ServiceApiRuleHttps");
//   - Ref values become {"Ref": id} or {"Fn::GetAtt": [id, attribute]},
//     whichever CloudFormation offers for that attribute; Join values
//     become {"Fn::Join": ["", [...]]};
//   - tags go into each type's own tag property, in the shape its catalog
//     entry gives (catalog.CloudFormation.Tags: a list of Key/Value, the
//     Auto Scaling group's PropagateAtLaunch list, a launch template's
//     TagSpecifications); types without a Tags property in CloudFormation
//     carry none in the template;
//   - sensitive values are never written into the template: each becomes a
//     NoEcho parameter that the deployer supplies;
//   - an AMI read from an SSM parameter ("resolve:ssm:...") becomes a
//     template parameter of the SSM parameter type (ssmImageParam), and an
//     Auto Scaling group's Refresh an UpdatePolicy (updatePolicy);
//   - DependsOn lists the ordering-only dependencies (those not already
//     implied by a reference);
//   - resources of a service, load balancer, cluster or repository marked
//     retainOnDelete (graph.TagRetain) get DeletionPolicy and
//     UpdateReplacePolicy Retain.
//
// The result marshals (encoding/json) to a template that
// `aws cloudformation validate-template` accepts.
func Template(g *graph.Graph) (map[string]any, error) {
	ids := logicalIDs(g)
	types := make(map[string]string, len(g.Resources))
	for _, r := range g.Resources {
		types[r.Address] = r.Type
	}
	resources := map[string]any{}
	params := map[string]any{}
	for _, r := range g.Resources {
		id := ids[r.Address]
		conv := &cfnConverter{ids: ids, types: types, params: params, owner: r.Address, ownerID: id}
		props, err := conv.value(map[string]any(r.Properties))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Address, err)
		}
		pm, _ := props.(map[string]any)
		if pm == nil {
			pm = map[string]any{}
		}
		addCFNTags(r, pm)
		res := map[string]any{"Type": r.Type, "Properties": pm}
		refd := map[string]bool{}
		for _, ref := range graph.Refs(map[string]any(r.Properties)) {
			refd[ref.Address] = true
		}
		var deps []any
		for _, d := range r.DependsOn {
			if refd[d] {
				continue
			}
			did, ok := ids[d]
			if !ok {
				return nil, fmt.Errorf("%s depends on %s, which is not in the graph", r.Address, d)
			}
			deps = append(deps, did)
		}
		if len(deps) > 0 {
			res["DependsOn"] = deps
		}
		if up := updatePolicy(r); up != nil {
			res["UpdatePolicy"] = up
		}
		if retained(r, g) {
			// retainOnDelete: a stack deletion, or a replacement,
			// leaves the resource in place, as gantry does.
			res["DeletionPolicy"] = "Retain"
			res["UpdateReplacePolicy"] = "Retain"
		}
		resources[id] = res
	}
	tmpl := map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description": fmt.Sprintf("gantry: project %s, environment %s (account %s, %s)",
			g.Project, g.Environment, g.Account, g.Region),
		"Resources": resources,
	}
	if len(params) > 0 {
		tmpl["Parameters"] = params
	}
	return tmpl, nil
}

// retained reports whether r is kept when removed (retainOnDelete): it
// carries graph.TagRetain, or, for a type that takes no tags, the
// resource that owns it (catalog Ownership.Parent, which it depends on)
// does.
func retained(r *graph.Resource, g *graph.Graph) bool {
	if r.Tags[graph.TagRetain] == "true" {
		return true
	}
	t, ok := catalog.Lookup(r.Type)
	if !ok || t.Tagged || t.Ownership.Parent == "" {
		return false
	}
	for _, d := range r.DependsOn {
		if p := g.Get(d); p != nil && p.Type == t.Ownership.Parent && p.Tags[graph.TagRetain] == "true" {
			return true
		}
	}
	return false
}

// logicalIDs maps every address to a unique alphanumeric logical ID.
func logicalIDs(g *graph.Graph) map[string]string {
	ids := make(map[string]string, len(g.Resources))
	count := map[string]int{}
	for _, r := range g.Resources {
		id := logicalID(r.Address)
		ids[r.Address] = id
		count[id]++
	}
	// Two addresses that differ only in punctuation ("a-1" and "a1") would
	// share an ID: both get a hash of their address appended.
	for addr, id := range ids {
		if count[id] > 1 {
			sum := sha256.Sum256([]byte(addr))
			ids[addr] = id + strings.ToUpper(hex.EncodeToString(sum[:])[:6])
		}
	}
	return ids
}

// logicalID turns an address into CamelCase words, alphanumerics only.
func logicalID(addr string) string {
	var b strings.Builder
	upper := true
	for _, c := range addr {
		if c > unicode.MaxASCII || !(unicode.IsLetter(c) || unicode.IsDigit(c)) {
			upper = true
			continue
		}
		if upper {
			c = unicode.ToUpper(c)
			upper = false
		}
		b.WriteRune(c)
	}
	if b.Len() == 0 || !unicode.IsLetter(rune(b.String()[0])) {
		return "R" + b.String()
	}
	return b.String()
}

type cfnConverter struct {
	ids     map[string]string
	types   map[string]string
	params  map[string]any
	owner   string
	ownerID string
	nParams int
}

func (c *cfnConverter) refValue(r graph.Ref) (any, error) {
	id, ok := c.ids[r.Address]
	if !ok {
		return nil, fmt.Errorf("reference to %s, which is not in the graph", r)
	}
	if t, ok := catalog.Lookup(c.types[r.Address]); ok && slices.Contains(t.CloudFormation.Ref, r.Attribute) {
		return map[string]any{"Ref": id}, nil
	}
	return map[string]any{"Fn::GetAtt": []any{id, r.Attribute}}, nil
}

// value converts a property tree: Ref, Join and Sensitive become their
// CloudFormation forms; the first unresolvable reference is the error.
func (c *cfnConverter) value(v any) (any, error) {
	var err error
	ref := func(r graph.Ref) any {
		x, e := c.refValue(r)
		if e != nil && err == nil {
			err = e
		}
		return x
	}
	out := graph.Rewrite(v, func(x any) (any, bool) {
		switch x := x.(type) {
		case graph.Ref:
			return ref(x), true
		case graph.Join:
			parts := make([]any, len(x.Parts))
			for i, p := range x.Parts {
				if r, ok := p.(graph.Ref); ok {
					parts[i] = ref(r)
				} else {
					parts[i] = p
				}
			}
			return map[string]any{"Fn::Join": []any{"", parts}}, true
		case graph.Sensitive:
			return c.param(), true
		case string:
			if strings.HasPrefix(x, ssmPrefix) {
				return c.ssmImageParam(x), true
			}
		}
		return nil, false
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// param declares the next NoEcho parameter of the owner and returns a
// reference to it.
func (c *cfnConverter) param() any {
	c.nParams++
	name := fmt.Sprintf("%sSensitive%d", c.ownerID, c.nParams)
	c.params[name] = map[string]any{
		"Type":        "String",
		"NoEcho":      true,
		"Description": fmt.Sprintf("sensitive value %d of %s", c.nParams, c.owner),
	}
	return map[string]any{"Ref": name}
}

// addCFNTags writes r's tags into props in the shape r's type takes.
func addCFNTags(r *graph.Resource, props map[string]any) {
	if len(r.Tags) == 0 {
		return
	}
	keys := slices.Sorted(maps.Keys(r.Tags))
	list := func(propagate bool) []any {
		out := make([]any, len(keys))
		for i, k := range keys {
			t := map[string]any{"Key": k, "Value": r.Tags[k]}
			if propagate {
				t["PropagateAtLaunch"] = true
			}
			out[i] = t
		}
		return out
	}
	t, ok := catalog.Lookup(r.Type)
	if !ok {
		return
	}
	switch t.CloudFormation.Tags {
	case catalog.TagsList:
		props["Tags"] = list(false)
	case catalog.TagsPropagate:
		props["Tags"] = list(true)
	case catalog.TagsSpecifications:
		props["TagSpecifications"] = []any{map[string]any{"ResourceType": t.CloudFormation.TagResourceType, "Tags": list(false)}}
	}
}
