package sandbox

import (
	"regexp"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

var ecrNamePattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// logRetentionDays are the values PutRetentionPolicy accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func init() {
	register(&handler{
		Type:       catalog.ECRRepository,
		Taggable:   true,
		NameProp:   "RepositoryName",
		NameMax:    256,
		CreateOp:   "ecr:CreateRepository",
		UpdateOp:   "ecr:PutImageTagMutability",
		DeleteOp:   "ecr:DeleteRepository",
		Reads:      []readCall{{Op: "ecr:DescribeRepositories", Page: 1000}, {Op: "ecr:GetLifecyclePolicy", PerItem: true}, {Op: "ecr:ListTagsForResource", PerItem: true}},
		CreateOnly: []string{"RepositoryName", "EncryptionConfiguration"},
		Key:        nameKey("RepositoryName"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("RepositoryAlreadyExistsException", "The repository with name '%s' already exists in the registry with id '%s'", ex.ID, c.account)
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("RepositoryNotFoundException", "The repository with name '%s' does not exist in the registry with id '%s'", id, c.account)
		},
		Validate: func(c *txc, r, old *record) error {
			name := str(r.Props, "RepositoryName")
			if len(name) < 2 || len(name) > 256 || !ecrNamePattern.MatchString(name) {
				return c.errorf("InvalidParameterException", "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '%s''", ecrNamePattern.String())
			}
			if m := str(r.Props, "ImageTagMutability"); m != "" && m != "MUTABLE" && m != "IMMUTABLE" && !strings.HasSuffix(m, "_WITH_EXCLUSION") {
				return c.errorf("InvalidParameterException", "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'")
			}
			if lp := obj(r.Props, "LifecyclePolicy"); lp != nil {
				if t, ok := lp["LifecyclePolicyText"]; ok && !isJSONObject(t) {
					return c.errorf("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: could not parse JSON'")
				}
			}
			return nil
		},
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "RepositoryName")
			r.ID = name
			r.Attrs = map[string]string{
				"Arn":           "arn:aws:ecr:" + c.region + ":" + c.account + ":repository/" + name,
				"RepositoryUri": c.account + ".dkr.ecr." + c.region + ".amazonaws.com/" + name,
			}
			return nil
		},
		Update: func(c *txc, old, r *record) error {
			r.Images = old.Images
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			setDefault(p, "ImageTagMutability", "MUTABLE")
			setDefault(objDefault(p, "ImageScanningConfiguration"), "ScanOnPush", false)
			setDefault(objDefault(p, "EncryptionConfiguration"), "EncryptionType", "AES256")
			if lp := obj(p, "LifecyclePolicy"); lp != nil {
				if t, ok := lp["LifecyclePolicyText"]; ok {
					lp["LifecyclePolicyText"] = policyText(t)
				}
				lp["RegistryId"] = c.account
			}
			if t, ok := p["RepositoryPolicyText"]; ok {
				p["RepositoryPolicyText"] = policyText(t)
			}
			// EmptyOnDelete is how CloudFormation deletes, not state ECR
			// holds: DescribeRepositories never returns it.
			delete(p, "EmptyOnDelete")
		},
		CheckDelete: func(c *txc, r *record) error {
			if empty, _ := boolean(r.Props, "EmptyOnDelete"); len(r.Images) > 0 && !empty {
				return c.errorf("RepositoryNotEmptyException", "The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", r.ID, c.account)
			}
			return nil
		},
	})

	register(&handler{
		Type:       catalog.LogGroup,
		Taggable:   true,
		NameProp:   "LogGroupName",
		NameMax:    512,
		CreateOp:   "logs:CreateLogGroup",
		UpdateOp:   "logs:PutRetentionPolicy",
		DeleteOp:   "logs:DeleteLogGroup",
		Reads:      []readCall{{Op: "logs:DescribeLogGroups", Page: 50}, {Op: "tag:GetResources", Page: 100}},
		CreateOnly: []string{"LogGroupName", "LogGroupClass"},
		Prepare:    func(p map[string]any) { asNumber(p, "RetentionInDays") },
		Key:        nameKey("LogGroupName"),
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("ResourceAlreadyExistsException", "The specified log group already exists")
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ResourceNotFoundException", "The specified log group does not exist.")
		},
		Validate: func(c *txc, r, old *record) error {
			if d, ok := num(r.Props, "RetentionInDays"); ok {
				valid := false
				for _, v := range logRetentionDays {
					if float64(v) == d {
						valid = true
					}
				}
				if !valid {
					return c.errorf("InvalidParameterException", "1 validation error detected: Value '%s' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", formatNumber(d))
				}
			}
			return nil
		},
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "LogGroupName")
			r.ID = name
			r.Attrs = map[string]string{"Arn": "arn:aws:logs:" + c.region + ":" + c.account + ":log-group:" + name + ":*"}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			setDefault(p, "LogGroupClass", "STANDARD")
			setDefault(p, "DeletionProtectionEnabled", false)
		},
	})
}
