package catalog

import "sort"

func init() {
	Register(&Type{
		Name:         ECRRepository,
		Short:        "ECR repository",
		Stage:        StageFoundation,
		Attributes:   []string{"Arn", "RepositoryUri"},
		ForceNew:     []string{"RepositoryName", "EncryptionConfiguration"},
		NameProperty: "RepositoryName",
		Tagged:       true,
		// EmptyOnDelete is a CloudFormation deletion behaviour, not state
		// AWS holds or returns.
		Ignore:    []string{"Arn", "RepositoryUri", "EmptyOnDelete"},
		Normalise: normaliseRepository,
	})
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
