package catalog

import (
	"fmt"
	"sort"
	"strconv"
)

func init() {
	Register(&Type{
		Name:           ECRRepository,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"RepositoryName"}, Tags: TagsList},
		Short:          "ECR repository",
		Stage:          StageFoundation,
		Attributes:     []string{"Arn", "RepositoryUri"},
		ForceNew:       []string{"RepositoryName", "EncryptionConfiguration"},
		NameProperty:   "RepositoryName",
		Tagged:         true,
		// EmptyOnDelete is a CloudFormation deletion behaviour, not state
		// AWS holds or returns.
		Ignore:    []string{"Arn", "RepositoryUri", "EmptyOnDelete"},
		Normalise: normaliseRepository,
		Data: &Data{
			Describe: repositoryData,
			Keep:     repositoryKeep,
			// DeleteRepository refuses a repository that holds images
			// unless forced (Amazon ECR API Reference: DeleteRepository).
			RefusedCode:   "RepositoryNotEmptyException",
			RefusedWhy:    "repository holds images",
			EmptyOnDelete: "EmptyOnDelete",
		},
	})
}

// ImageCountAttribute is the Observed attribute in which a provider may
// report how many images an ECR repository holds.
const ImageCountAttribute = "ImageCount"

// repositoryData: the repository's images, counted when the provider
// reports them. AWS refuses to delete a repository that holds images
// unless forced (destroy --include-data).
func repositoryData(_ map[string]any, attrs map[string]string) string {
	switch n, ok := attrs[ImageCountAttribute]; {
	case !ok:
		return "the images it holds, if any"
	case n == "0":
		return ""
	default:
		return n + " images"
	}
}

// repositoryKeep: destroy keeps a repository that holds images; without
// a count from the provider only the delete can tell.
func repositoryKeep(_ map[string]any, attrs map[string]string) (keep, known bool, why string) {
	s, ok := attrs[ImageCountAttribute]
	if !ok {
		return false, false, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 0 {
		return true, true, fmt.Sprintf("repository holds %s images", s)
	}
	return false, true, ""
}

// normaliseRepository fills what CreateRepository defaults to (mutable
// tags, no scan on push, AES256 encryption) and compares the lifecycle
// policy as a document with its rules in priority order.
func normaliseRepository(p map[string]any) {
	Default(p, "ImageTagMutability", "MUTABLE")
	Upper(p, "ImageTagMutability")
	Default(DefaultObj(p, "ImageScanningConfiguration"), "ScanOnPush", false)
	Bool(Obj(p, "ImageScanningConfiguration"), "ScanOnPush")
	Default(DefaultObj(p, "EncryptionConfiguration"), "EncryptionType", "AES256")
	if lp := Obj(p, "LifecyclePolicy"); lp != nil {
		// RegistryId is the account, which AWS fills in.
		delete(lp, "RegistryId")
		if t, ok := lp["LifecyclePolicyText"]; ok {
			doc := JSONDocument(t)
			if d, ok := doc.(Document); ok {
				if m, ok := d.Value.(map[string]any); ok {
					rules := List(m, "rules")
					sort.SliceStable(rules, func(i, j int) bool {
						return fieldKey(rules[i], "rulePriority") < fieldKey(rules[j], "rulePriority")
					})
				}
			}
			lp["LifecyclePolicyText"] = doc
		}
	}
}
