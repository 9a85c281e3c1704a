package catalog

import "fmt"

func init() {
	Register(&Type{
		Name:           LogGroup,
		TagAPI:         TagAPIMap,
		CloudFormation: CloudFormation{Ref: []string{"LogGroupName"}, Tags: TagsList},
		Short:          "log group",
		Stage:          StageFoundation,
		Attributes:     []string{"Arn"},
		ForceNew:       []string{"LogGroupName", "LogGroupClass"},
		NameProperty:   "LogGroupName",
		Tagged:         true,
		Ignore:         []string{"Arn"},
		Normalise: func(p map[string]any) {
			// No RetentionInDays means "never expire": there is no default to fill.
			Number(p, "RetentionInDays")
			Default(p, "LogGroupClass", "STANDARD")
			Default(p, "DeletionProtectionEnabled", false)
		},
		// DeleteLogGroup deletes the logs with the group (CloudWatch Logs
		// API Reference: DeleteLogGroup): destroy keeps it unless asked.
		Data: &Data{
			Describe: logGroupData,
			Keep: func(map[string]any, map[string]string) (bool, bool, string) {
				return true, true, "log group (holds logs)"
			},
		},
	})
}

// logGroupData: a log group holds its logs for RetentionInDays, or for
// ever without it.
func logGroupData(props map[string]any, _ map[string]string) string {
	m := map[string]any{"RetentionInDays": Copy(props["RetentionInDays"])}
	Number(m, "RetentionInDays")
	if d, ok := m["RetentionInDays"].(float64); ok && d > 0 {
		return fmt.Sprintf("up to %s days of logs", FormatNumber(d))
	}
	return "all of its logs (kept without a retention limit)"
}
