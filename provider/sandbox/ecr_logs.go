package sandbox

import (
	"regexp"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// ecrNamePattern is CreateRepository's repositoryName pattern: lower-case
// components separated by ".", "_", "__" or hyphens, joined by "/" (ECR
// API Reference: CreateRepository, repositoryName), 2 to 256 characters.
var ecrNamePattern = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)

// logRetentionDays are the values PutRetentionPolicy accepts (CloudWatch
// Logs API Reference: PutRetentionPolicy, retentionInDays).
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func init() {
	register(&handler{
		Type:     catalog.ECRRepository,
		Taggable: true,
		NameProp: "RepositoryName",
		NameMax:  256,
		// Repository names take no upper case (ECR API Reference:
		// CreateRepository, repositoryName).
		LowerCaseName: true,
		CreateOp:      "ecr:CreateRepository",
		UpdateOp:      "ecr:PutImageTagMutability",
		DeleteOp:      "ecr:DeleteRepository",
		// DescribeRepositories: up to 1000 a page; the lifecycle policy
		// and tags one repository a call (ECR API Reference).
		Reads:      []readCall{{Op: "ecr:DescribeRepositories", Page: 1000}, {Op: "ecr:GetLifecyclePolicy", PerItem: true}, {Op: "ecr:ListTagsForResource", PerItem: true}},
		CreateOnly: []string{"RepositoryName", "EncryptionConfiguration"},
		// ECR API Reference: RepositoryAlreadyExistsException,
		// RepositoryNotFoundException.
		Key: nameKey("RepositoryName"),
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
			// CreateRepository, imageTagMutability: MUTABLE, IMMUTABLE
			// or either WITH_EXCLUSION.
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
			// ECR API Reference: CreateRepository, imageTagMutability:
			// MUTABLE when omitted; ImageScanningConfiguration, scanOnPush:
			// false when not given; EncryptionConfiguration: AES256 when
			// none is set.
			setDefault(p, "ImageTagMutability", "MUTABLE")
			setDefault(objDefault(p, "ImageScanningConfiguration"), "ScanOnPush", false)
			setDefault(objDefault(p, "EncryptionConfiguration"), "EncryptionType", "AES256")
			// GetLifecyclePolicy returns the registry id with the policy
			// text.
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
		// A repository with images is deleted only with force
		// (CloudFormation's EmptyOnDelete): RepositoryNotEmptyException
		// (ECR API Reference: DeleteRepository).
		CheckDelete: func(c *txc, r *record) error {
			if empty, _ := boolean(r.Props, "EmptyOnDelete"); len(r.Images) > 0 && !empty {
				return c.errorf("RepositoryNotEmptyException", "The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", r.ID, c.account)
			}
			return nil
		},
	})

	register(&handler{
		Type:     catalog.LogGroup,
		Taggable: true,
		NameProp: "LogGroupName",
		// 1 to 512 characters (CloudWatch Logs API Reference:
		// CreateLogGroup).
		NameMax:  512,
		CreateOp: "logs:CreateLogGroup",
		UpdateOp: "logs:PutRetentionPolicy",
		DeleteOp: "logs:DeleteLogGroup",
		// DescribeLogGroups: up to 50 a call (limit); tags through the
		// tagging API (GetResources, ResourcesPerPage 100).
		Reads:      []readCall{{Op: "logs:DescribeLogGroups", Page: 50}, {Op: "tag:GetResources", Page: 100}},
		CreateOnly: []string{"LogGroupName", "LogGroupClass"},
		Prepare:    func(p map[string]any) { asNumber(p, "RetentionInDays") },
		// Names are unique in the region: ResourceAlreadyExistsException;
		// ResourceNotFoundException (CloudWatch Logs API Reference:
		// CreateLogGroup, DeleteLogGroup).
		Key: nameKey("LogGroupName"),
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
			// CreateLogGroup: logGroupClass STANDARD when omitted;
			// created without deletion protection; events never expire
			// until a retention policy is set (no RetentionInDays).
			setDefault(p, "LogGroupClass", "STANDARD")
			setDefault(p, "DeletionProtectionEnabled", false)
		},
		// Deletion protection blocks every deletion until turned off
		// (CloudWatch Logs API Reference: PutLogGroupDeletionProtection).
		// The reference gives no code for the refusal; ValidationException
		// is the one DeleteLogGroup lists for a request it will not do.
		CheckDelete: func(c *txc, r *record) error {
			if on, _ := boolean(r.Props, "DeletionProtectionEnabled"); on {
				return c.errorf("ValidationException", "The log group %s cannot be deleted because deletion protection is enabled.", r.ID)
			}
			return nil
		},
	})
}
