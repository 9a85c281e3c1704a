package compiler

import (
	"encoding/json"
	"fmt"

	"github.com/gantry-gitops/gantry/catalog"
)

// repositories compiles each ECR repository: scan on push, tag
// mutability, AES-256 encryption (the AWS default, written out so the
// graph holds what AWS holds) and a lifecycle policy that keeps the newest
// keepImages images.
func (b *builder) repositories() error {
	for _, r := range b.env.Repositories {
		mutability := "MUTABLE"
		if r.ImmutableTags {
			mutability = "IMMUTABLE"
		}
		policy, err := lifecyclePolicy(r.KeepImages)
		if err != nil {
			return fmt.Errorf("repository %s: %w", r.Name, err)
		}
		name := b.n.repository(r.Name)
		_, err = b.add(repositoryAddr(r.Name), catalog.ECRRepository, name, m{
			"RepositoryName":             name,
			"ImageScanningConfiguration": m{"ScanOnPush": r.ScanOnPush},
			"ImageTagMutability":         mutability,
			"EncryptionConfiguration":    m{"EncryptionType": "AES256"},
			"LifecyclePolicy":            m{"LifecyclePolicyText": policy},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// lifecyclePolicy is the ECR lifecycle policy document (a JSON string, as
// CloudFormation's LifecyclePolicyText and ECR's PutLifecyclePolicy take
// it) that expires every image beyond the newest keep.
func lifecyclePolicy(keep int) (string, error) {
	if keep < 1 {
		return "", fmt.Errorf("keepImages must be at least 1, got %d", keep)
	}
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountNumber int    `json:"countNumber"`
	}
	type action struct {
		Type string `json:"type"`
	}
	type rule struct {
		RulePriority int       `json:"rulePriority"`
		Description  string    `json:"description"`
		Selection    selection `json:"selection"`
		Action       action    `json:"action"`
	}
	doc := struct {
		Rules []rule `json:"rules"`
	}{Rules: []rule{{
		RulePriority: 1,
		Description:  fmt.Sprintf("keep the newest %d images", keep),
		Selection:    selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep},
		Action:       action{Type: "expire"},
	}}}
	out, err := json.Marshal(doc)
	return string(out), err
}
