package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// alarmProps are the CloudFormation properties of AWS::CloudWatch::Alarm
// that DescribeAlarms returns under the same names.
var alarmProps = []string{"ActionsEnabled", "AlarmActions", "AlarmDescription", "AlarmName", "ComparisonOperator",
	"DatapointsToAlarm", "Dimensions", "EvaluateLowSampleCountPercentile", "EvaluationPeriods", "ExtendedStatistic",
	"InsufficientDataActions", "MetricName", "Metrics", "Namespace", "OKActions", "Period", "Statistic", "Threshold",
	"ThresholdMetricId", "TreatMissingData", "Unit"}

func init() {
	register(&handler{
		Type:   catalog.Alarm,
		ARN:    arnResource("cloudwatch", "alarm:"),
		List:   listAlarms,
		Create: putAlarm,
		Update: func(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
			return updateAlarm(ctx, c, live, req)
		},
		Tag: func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
			_, err := c.p.w.cw.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: aws.String(live.Attributes["Arn"]), Tags: cwTags(tags)})
			return c.err(err)
		},
		Delete: func(ctx context.Context, c *call, live *provider.Observed) error {
			_, err := c.p.w.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{live.ID}})
			if notFound(err) {
				return nil
			}
			return c.err(err)
		},
	})
}

func cwTags(m map[string]string) []cwtypes.Tag {
	out := make([]cwtypes.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, cwtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

// listAlarms describes the tagged alarms by name, 100 per call (the
// API's limit for AlarmNames), paged.
func listAlarms(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error) {
	tags := map[string]map[string]string{}
	var names []string
	for _, t := range tagged {
		n := lastPart(t.ARN, ":alarm:")
		tags[n] = t.Tags
		names = append(names, n)
	}
	var out []*provider.Observed
	for _, batch := range chunks(names, 100) {
		alarms, err := describeAlarms(ctx, c, batch)
		if err != nil {
			return nil, err
		}
		for _, a := range alarms {
			out = append(out, alarmObserved(a, tags[aws.ToString(a.AlarmName)]))
		}
	}
	return out, nil
}

func describeAlarms(ctx context.Context, c *call, names []string) ([]cwtypes.MetricAlarm, error) {
	var out []cwtypes.MetricAlarm
	pg := cloudwatch.NewDescribeAlarmsPaginator(c.p.r.cw, &cloudwatch.DescribeAlarmsInput{AlarmNames: names,
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}, MaxRecords: aws.Int32(100)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, c.err(err)
		}
		out = append(out, page.MetricAlarms...)
	}
	return out, nil
}

func alarmObserved(a cwtypes.MetricAlarm, tags map[string]string) *provider.Observed {
	props := keep(fromSDK(a), alarmProps...)
	return observed(catalog.Alarm, aws.ToString(a.AlarmName), "", props,
		map[string]string{"Arn": aws.ToString(a.AlarmArn)}, tags)
}

func readAlarm(ctx context.Context, c *call, name string) (*provider.Observed, error) {
	alarms, err := describeAlarms(ctx, c, []string{name})
	if err != nil || len(alarms) == 0 {
		return nil, err
	}
	t, err := c.p.r.cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: alarms[0].AlarmArn})
	if err != nil {
		return nil, c.err(err)
	}
	tags := map[string]string{}
	for _, tg := range t.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return alarmObserved(alarms[0], tags), nil
}

// putAlarm creates an alarm. PutMetricAlarm creates or replaces by name,
// so an alarm of the same name that is not the scope's is refused first
// rather than overwritten.
func putAlarm(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error) {
	name := str(req.Properties, "AlarmName")
	ex, err := readAlarm(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if ex != nil {
		if !adoptable(ex.Tags, c.scope, req.Address) {
			return nil, c.errorf("cloudwatch:PutMetricAlarm", "AlarmAlreadyExists",
				"an alarm named %s exists and does not carry this environment's gantry tags", name)
		}
		return updateAlarm(ctx, c, ex, req)
	}
	if err := putMetricAlarm(ctx, c, req, req.Tags); err != nil {
		return nil, err
	}
	return mustRead(ctx, c, name, func(ctx context.Context) (*provider.Observed, error) { return readAlarm(ctx, c, name) })
}

func putMetricAlarm(ctx context.Context, c *call, req provider.Request, tags map[string]string) error {
	in := &cloudwatch.PutMetricAlarmInput{}
	if err := toSDK(keep(plain(req.Properties), alarmProps...), in); err != nil {
		return c.errorf("cloudwatch:PutMetricAlarm", "ValidationError", "%v", err)
	}
	if len(tags) > 0 {
		in.Tags = cwTags(tags)
	}
	_, err := c.p.w.cw.PutMetricAlarm(ctx, in)
	return c.err(err)
}

// updateAlarm re-puts the alarm only when its settings differ (the API
// has no partial update), then syncs tags.
func updateAlarm(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if !equal(canonical(catalog.Alarm, plain(req.Properties)), canonical(catalog.Alarm, live.Properties)) {
		if err := putMetricAlarm(ctx, c, req, nil); err != nil {
			return nil, err
		}
	}
	arn := aws.String(live.Attributes["Arn"])
	err := syncTags(ctx, c, live.Tags, req.Tags,
		func(ctx context.Context, t map[string]string) error {
			_, err := c.p.w.cw.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: arn, Tags: cwTags(t)})
			return err
		},
		func(ctx context.Context, keys []string) error {
			_, err := c.p.w.cw.UntagResource(ctx, &cloudwatch.UntagResourceInput{ResourceARN: arn, TagKeys: keys})
			return err
		})
	if err != nil {
		return nil, err
	}
	return mustRead(ctx, c, live.ID, func(ctx context.Context) (*provider.Observed, error) { return readAlarm(ctx, c, live.ID) })
}
