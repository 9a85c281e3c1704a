package catalog

func init() {
	Register(&Type{
		Name:         LogGroup,
		Short:        "log group",
		Stage:        StageFoundation,
		Attributes:   []string{"Arn"},
		ForceNew:     []string{"LogGroupName", "LogGroupClass"},
		NameProperty: "LogGroupName",
		Tagged:       true,
		Ignore:       []string{"Arn"},
		Normalise: func(p map[string]any) {
			// No RetentionInDays means "never expire": there is no default to fill.
			Number(p, "RetentionInDays")
			Default(p, "LogGroupClass", "STANDARD")
			Default(p, "DeletionProtectionEnabled", false)
		},
	})
}
