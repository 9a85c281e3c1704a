package catalog

func init() {
	Register(&Type{
		Name:           Alarm,
		TagAPI:         TagAPIKeyValue,
		CloudFormation: CloudFormation{Ref: []string{"AlarmName"}, Tags: TagsList},
		References: []Reference{
			{Path: "AlarmActions", Type: ScalingPolicy},
			{Path: "OKActions", Type: ScalingPolicy},
			{Path: "InsufficientDataActions", Type: ScalingPolicy},
		},
		Short:        "alarm",
		Stage:        StageRouting,
		Attributes:   []string{"Arn"},
		ForceNew:     []string{"AlarmName"},
		NameProperty: "AlarmName",
		Tagged:       true,
		Ignore: []string{"Arn", "AlarmArn", "StateValue", "StateReason", "StateReasonData",
			"StateUpdatedTimestamp", "AlarmConfigurationUpdatedTimestamp", "StateTransitionedTimestamp"},
		Normalise: normaliseAlarm,
	})
}

// normaliseAlarm fills PutMetricAlarm's defaults: actions enabled, missing
// data treated as missing, as many datapoints to alarm as periods
// evaluated; dimensions and action lists are sets.
func normaliseAlarm(p map[string]any) {
	Numbers(p, "Threshold", "Period", "EvaluationPeriods", "DatapointsToAlarm")
	Default(p, "ActionsEnabled", true)
	Default(p, "TreatMissingData", "missing")
	if p["EvaluationPeriods"] != nil {
		Default(p, "DatapointsToAlarm", p["EvaluationPeriods"])
	}
	SetBy(p, "Dimensions", "Name")
	Sets(p, "AlarmActions", "OKActions", "InsufficientDataActions")
}
