package sandbox

import (
	"encoding/json"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// IAM is global: roles and instance profiles live in the account, and
// their names are unique regardless of case (IAM API Reference:
// CreateRole, RoleName: "Names are not distinguished by case").

func init() {
	register(&handler{
		Type:     catalog.IAMRole,
		Taggable: true,
		Global:   true,
		NameProp: "RoleName",
		// 1 to 64 characters (IAM API Reference: CreateRole, RoleName).
		NameMax:  64,
		CreateOp: "iam:CreateRole",
		UpdateOp: "iam:UpdateRole",
		DeleteOp: "iam:DeleteRole",
		// Roles with their policies and tags, up to 1000 a page (IAM API
		// Reference: GetAccountAuthorizationDetails, MaxItems).
		Reads:      []readCall{{Op: "iam:GetAccountAuthorizationDetails", Page: 1000}},
		CreateOnly: []string{"RoleName", "Path"},
		Prepare: func(p map[string]any) {
			asNumber(p, "MaxSessionDuration")
		},
		// IAM API Reference: CreateRole errors EntityAlreadyExists; a
		// missing role is NoSuchEntity.
		Key: lowerNameKey("RoleName"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("EntityAlreadyExists", "Role with name %s already exists.", str(ex.Props, "RoleName"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("NoSuchEntity", "The role with name %s cannot be found.", id)
		},
		Validate: validateRole,
		Create: func(c *txc, r *record) error {
			b, err := c.newIDs("iam-role", r.Key)
			if err != nil {
				return err
			}
			name := str(r.Props, "RoleName")
			r.ID = name
			// Role ids start AROA (IAM User Guide: IAM identifiers,
			// unique ID prefixes).
			r.Attrs = map[string]string{
				"Arn":    "arn:aws:iam::" + c.account + ":role" + iamPath(r.Props) + name,
				"RoleId": "AROA" + b.upper(17),
			}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			// IAM API Reference: CreateRole, Path: defaults to /;
			// MaxSessionDuration: one hour when not given.
			setDefault(p, "Path", "/")
			setDefault(p, "MaxSessionDuration", 3600.0)
			// Policies come back URL-encoded JSON text (IAM API
			// Reference: GetRole, GetRolePolicy: RFC 3986); decoded, the
			// same document in another layout.
			if d, ok := p["AssumeRolePolicyDocument"]; ok {
				p["AssumeRolePolicyDocument"] = policyText(d)
			}
			objs(p, "Policies", func(o map[string]any) {
				if d, ok := o["PolicyDocument"]; ok {
					o["PolicyDocument"] = policyText(d)
				}
			})
			c.shuffleKey(r, "", p, "Policies")
			c.shuffleKey(r, "", p, "ManagedPolicyArns")
		},
		RefName: func(r *record) string { return "iam-role:" + r.Key },
		// A role still in an instance profile cannot be deleted:
		// DeleteConflict (IAM API Reference: DeleteRole). Its policies
		// are detached by the provider first, as CloudFormation does.
		CheckDelete: func(c *txc, r *record) error {
			users, err := c.referrers(r, catalog.IAMInstanceProfile)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				return c.errorf("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
			}
			return nil
		},
	})

	register(&handler{
		Type:     catalog.IAMInstanceProfile,
		Taggable: true,
		Global:   true,
		NameProp: "InstanceProfileName",
		// 1 to 128 characters (IAM API Reference: CreateInstanceProfile).
		NameMax:  128,
		CreateOp: "iam:CreateInstanceProfile",
		UpdateOp: "iam:AddRoleToInstanceProfile",
		DeleteOp: "iam:DeleteInstanceProfile",
		// Up to 1000 a page (ListInstanceProfiles, MaxItems); tags one
		// profile a call (ListInstanceProfileTags).
		Reads:      []readCall{{Op: "iam:ListInstanceProfiles", Page: 1000}, {Op: "iam:ListInstanceProfileTags", PerItem: true}},
		CreateOnly: []string{"InstanceProfileName", "Path"},
		Key:        lowerNameKey("InstanceProfileName"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("EntityAlreadyExists", "Instance Profile %s already exists.", str(ex.Props, "InstanceProfileName"))
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("NoSuchEntity", "Instance Profile %s cannot be found.", id)
		},
		// An instance profile holds one role at most, LimitExceeded
		// (IAM API Reference: AddRoleToInstanceProfile); the role must
		// exist (NoSuchEntity).
		Validate: func(c *txc, r, old *record) error {
			roles := strList(r.Props, "Roles")
			if len(roles) > 1 {
				return c.errorf("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
			}
			for _, role := range roles {
				if x, err := c.liveByAlias(catalog.IAMRole, strings.ToLower(lastSegment(role, "/"))); err != nil {
					return err
				} else if x == nil {
					return c.notFound("NoSuchEntity", "The role with name %s cannot be found.", lastSegment(role, "/"))
				}
			}
			return nil
		},
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "InstanceProfileName")
			r.ID = name
			r.Attrs = map[string]string{"Arn": "arn:aws:iam::" + c.account + ":instance-profile" + iamPath(r.Props) + name}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			// CreateInstanceProfile, Path: defaults to /.
			setDefault(p, "Path", "/")
			// Roles are given by name or ARN; CloudFormation's Roles are
			// names (CloudFormation User Guide:
			// AWS::IAM::InstanceProfile, Roles).
			if roles := list(p, "Roles"); roles != nil {
				for i, role := range roles {
					if s, ok := role.(string); ok {
						roles[i] = lastSegment(s, "/")
					}
				}
			}
			c.shuffleKey(r, "", p, "Roles")
		},
		NameRefs: func(p map[string]any) []string {
			var out []string
			for _, role := range strList(p, "Roles") {
				out = append(out, "iam-role:"+strings.ToLower(lastSegment(role, "/")))
			}
			return out
		},
		RefName: func(r *record) string { return "iam-instance-profile:" + r.Key },
	})
}

func iamPath(p map[string]any) string {
	path := str(p, "Path")
	if path == "" {
		return "/"
	}
	return path
}

// validateRole checks what CreateRole checks (IAM API Reference:
// CreateRole, PutRolePolicy, AttachRolePolicy): a trust policy that is a
// JSON object (MalformedPolicyDocument), inline policies with names and
// documents, managed policy ARNs (InvalidInput).
func validateRole(c *txc, r, old *record) error {
	doc, ok := r.Props["AssumeRolePolicyDocument"]
	if !ok || doc == nil {
		return c.errorf("ValidationError", "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null")
	}
	if !isJSONObject(doc) {
		return c.errorf("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	var err error
	seen := map[string]bool{}
	objs(r.Props, "Policies", func(o map[string]any) {
		name := str(o, "PolicyName")
		switch {
		case err != nil:
		case name == "":
			err = c.errorf("ValidationError", "1 validation error detected: Value null at 'policyName' failed to satisfy constraint: Member must not be null")
		case seen[name]:
			err = c.errorf("ValidationError", "Duplicate inline policy name %s", name)
		case !isJSONObject(o["PolicyDocument"]):
			err = c.errorf("MalformedPolicyDocument", "Syntax errors in policy %s.", name)
		}
		seen[name] = true
	})
	if err != nil {
		return err
	}
	for _, arn := range strList(r.Props, "ManagedPolicyArns") {
		if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":policy/") {
			return c.errorf("InvalidInput", "ARN %s is not valid.", arn)
		}
	}
	return nil
}

// isJSONObject reports whether v is a JSON object or a string holding one.
func isJSONObject(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case string:
		var m map[string]any
		return json.Unmarshal([]byte(x), &m) == nil
	}
	return false
}
