package compiler

import "regexp"

// Metric is a CloudWatch metric a service alarm may watch.
type Metric struct {
	Name string
	// Namespace is AWS/ECS (dimensions ClusterName, ServiceName) or
	// AWS/ApplicationELB (dimensions TargetGroup, LoadBalancer).
	Namespace string
	// NeedsRoute: the metric belongs to the service's target group.
	NeedsRoute bool
}

// metrics lists the metrics alarms may use.
var metrics = map[string]Metric{}

func init() {
	for _, m := range []string{"CPUUtilization", "MemoryUtilization"} {
		metrics[m] = Metric{Name: m, Namespace: "AWS/ECS"}
	}
	for _, m := range []string{
		"RequestCount", "RequestCountPerTarget", "TargetResponseTime",
		"HTTPCode_Target_2XX_Count", "HTTPCode_Target_3XX_Count",
		"HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count",
		"HealthyHostCount", "UnHealthyHostCount", "TargetConnectionErrorCount",
	} {
		metrics[m] = Metric{Name: m, Namespace: "AWS/ApplicationELB", NeedsRoute: true}
	}
}

// LookupMetric returns what gantry knows about an alarm metric.
func LookupMetric(name string) (Metric, bool) {
	m, ok := metrics[name]
	return m, ok
}

var sumMetricRE = regexp.MustCompile(`^(RequestCount|RequestCountPerTarget|HTTPCode_Target_[2-5]XX_Count|TargetConnectionErrorCount)$`)

// DefaultStatistic is the statistic of an alarm that names none: Sum for
// count metrics, Average for the others (as the schema documents).
func DefaultStatistic(metric string) string {
	if sumMetricRE.MatchString(metric) {
		return "Sum"
	}
	return "Average"
}
