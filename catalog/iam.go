package catalog

import (
	"encoding/json"
	"net/url"
	"strings"
)

func init() {
	Register(&Type{
		Name:           IAMRole,
		Ownership:      Ownership{Discovery: DiscoverByListing},
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"RoleName"}, Tags: TagsList},
		Short:          "IAM role",
		Stage:          StageIdentity,
		Attributes:     []string{"Arn", "RoleId"},
		ForceNew:       []string{"RoleName", "Path"},
		NameProperty:   "RoleName",
		Tagged:         true,
		Ignore:         []string{"Arn", "RoleId"},
		Normalise:      normaliseRole,
	})
	Register(&Type{
		Name:           IAMInstanceProfile,
		Ownership:      Ownership{Discovery: DiscoverByListing},
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"InstanceProfileName"}},
		References: []Reference{
			{Path: "Roles", Type: IAMRole},
		},
		Short:        "instance profile",
		Stage:        StageIdentity,
		Attributes:   []string{"Arn"},
		ForceNew:     []string{"InstanceProfileName", "Path"},
		NameProperty: "InstanceProfileName",
		Tagged:       true,
		Ignore:       []string{"Arn"},
		Normalise: func(p map[string]any) {
			Default(p, "Path", "/")
			roles := List(p, "Roles")
			for i, r := range roles {
				// Roles are given by name; an ARN read back means the same role.
				if s, ok := r.(string); ok && strings.HasPrefix(s, "arn:") {
					if j := strings.LastIndex(s, "/"); j >= 0 {
						roles[i] = s[j+1:]
					}
				}
			}
			Set(p, "Roles")
		},
	})
}

// normaliseRole: IAM stores documents as given (URL-encoded on read), fills
// Path "/" and MaxSessionDuration 3600; inline policies are a set by name,
// managed policy ARNs a set.
func normaliseRole(p map[string]any) {
	Default(p, "Path", "/")
	Default(p, "MaxSessionDuration", 3600.0)
	Number(p, "MaxSessionDuration")
	if d, ok := p["AssumeRolePolicyDocument"]; ok {
		p["AssumeRolePolicyDocument"] = PolicyDocument(d)
	}
	Objs(p, "Policies", func(o map[string]any) {
		if d, ok := o["PolicyDocument"]; ok {
			o["PolicyDocument"] = PolicyDocument(d)
		}
	})
	SetBy(p, "Policies", "PolicyName")
	Set(p, "ManagedPolicyArns")
}

// PolicyDocument canonicalises an IAM policy document given as a JSON
// string (possibly URL-encoded, as GetRole returns it) or as a parsed
// object: Statement always a list, sorted; Action, NotAction, Resource,
// NotResource and each Principal and Condition value always sorted lists
// without duplicates. IAM treats all of these as sets, so order and the
// single-value-vs-list spelling never make a difference.
func PolicyDocument(v any) any {
	doc := parseJSONValue(v)
	m, ok := doc.(map[string]any)
	if !ok {
		return v
	}
	m = Copy(m).(map[string]any)
	switch s := m["Statement"].(type) {
	case map[string]any:
		m["Statement"] = []any{s}
	}
	for _, st := range List(m, "Statement") {
		o, ok := st.(map[string]any)
		if !ok {
			continue
		}
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			StringList(o, k)
			Set(o, k)
		}
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if pr, ok := o[k].(map[string]any); ok {
				for pk := range pr {
					StringList(pr, pk)
					Set(pr, pk)
				}
			}
		}
		if c, ok := o["Condition"].(map[string]any); ok {
			for _, ops := range c {
				if om, ok := ops.(map[string]any); ok {
					for ck, cv := range om {
						switch cv.(type) {
						case string, float64, bool:
							om[ck] = []any{cv}
						}
						Set(om, ck)
					}
				}
			}
		}
	}
	Set(m, "Statement")
	return Document{Value: m}
}

// JSONDocument parses a JSON document given as a string or a value and
// wraps it so it compares by meaning (object key order and whitespace do
// not matter; list order does).
func JSONDocument(v any) any {
	doc := parseJSONValue(v)
	switch doc.(type) {
	case map[string]any, []any:
		return Document{Value: Copy(doc)}
	}
	return v
}

// parseJSONValue returns v parsed when it is a JSON string (URL-decoding
// it first when it is URL-encoded), else v.
func parseJSONValue(v any) any {
	if d, ok := v.(Document); ok {
		return d.Value
	}
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%7b") {
		if u, err := url.QueryUnescape(t); err == nil {
			t = u
		}
	}
	var out any
	if err := json.Unmarshal([]byte(t), &out); err != nil {
		return v
	}
	return out
}
