package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/graph"
)

// equivalent asserts that a and b canonicalise to the same tree, and that
// canonicalising is idempotent.
func equivalent(t *testing.T, typ string, a, b map[string]any) {
	t.Helper()
	ty := MustLookup(typ)
	ca, cb := ty.Canonical(a), ty.Canonical(b)
	if !Equal(ca, cb) {
		t.Errorf("%s: not equivalent:\n%s", typ, cmp.Diff(Key(ca), Key(cb)))
	}
	if again := ty.Canonical(ca); !Equal(again, ca) {
		t.Errorf("%s: Canonical is not idempotent:\n%s", typ, cmp.Diff(Key(ca), Key(again)))
	}
}

func different(t *testing.T, typ string, a, b map[string]any) {
	t.Helper()
	ty := MustLookup(typ)
	if Equal(ty.Canonical(a), ty.Canonical(b)) {
		t.Errorf("%s: %v and %v compare equal", typ, a, b)
	}
}

func TestPolicyDocumentsCompareByMeaning(t *testing.T) {
	given := map[string]any{"RoleName": "r", "AssumeRolePolicyDocument": map[string]any{
		"Version": "2012-10-17",
		"Statement": map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"}}},
		"Policies": []any{
			map[string]any{"PolicyName": "b", "PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:ListBucket"}, "Resource": "*"},
				map[string]any{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
					"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceVpc": "vpc-1"}}},
			}}},
			map[string]any{"PolicyName": "a", "PolicyDocument": `{"Statement":{"Effect":"Allow","Action":"logs:*","Resource":"*"}}`},
		}}
	// As IAM returns it: URL-encoded JSON strings, lists everywhere, other orders.
	read := map[string]any{"RoleName": "r", "Path": "/", "MaxSessionDuration": 3600,
		"AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Principal%22%3A%7B%22Service%22%3A%5B%22ecs-tasks.amazonaws.com%22%5D%7D%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%7D%5D%7D",
		"Policies": []any{
			map[string]any{"PolicyName": "a", "PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Resource": []any{"*"}, "Action": []any{"logs:*"}, "Effect": "Allow"}}}},
			map[string]any{"PolicyName": "b", "PolicyDocument": `{"Statement":[
				{"Effect":"Deny","Action":["s3:DeleteObject"],"Resource":["*"],"Condition":{"StringEquals":{"aws:SourceVpc":["vpc-1"]}}},
				{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:GetObject"],"Resource":"*"}]}`},
		},
		"ManagedPolicyArns": []any{}}
	equivalent(t, IAMRole, given, read)

	changed := Copy(given).(map[string]any)
	changed["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)["Action"] = "s3:PutObject"
	different(t, IAMRole, changed, read)
}

func TestTaskDefinitionDefaults(t *testing.T) {
	given := map[string]any{"Family": "f", "Cpu": 1024, "Memory": "2 GB", "NetworkMode": "awsvpc",
		"ContainerDefinitions": []any{map[string]any{"Name": "app", "Image": "i",
			"PortMappings": []any{map[string]any{"ContainerPort": 80}},
			"Environment":  []any{map[string]any{"Name": "B", "Value": "2"}, map[string]any{"Name": "A", "Value": graph.Sensitive{Value: "1"}}},
			"HealthCheck":  map[string]any{"Command": []any{"CMD", "true"}}}}}
	read := map[string]any{"Family": "f", "Cpu": "1024", "Memory": "2048", "NetworkMode": "awsvpc",
		"TaskDefinitionArn": "arn:aws:ecs:r:1:task-definition/f:3", "Revision": 3, "Status": "ACTIVE",
		"RuntimePlatform":      map[string]any{"OperatingSystemFamily": "LINUX", "CpuArchitecture": "X86_64"},
		"EnableFaultInjection": false, "Volumes": []any{},
		"ContainerDefinitions": []any{map[string]any{"Name": "app", "Image": "i", "Cpu": 0, "Essential": true,
			"PortMappings": []any{map[string]any{"ContainerPort": 80.0, "HostPort": 80.0, "Protocol": "tcp"}},
			"Environment":  []any{map[string]any{"Name": "A", "Value": "1"}, map[string]any{"Name": "B", "Value": "2"}},
			"MountPoints":  []any{}, "VolumesFrom": []any{}, "SystemControls": []any{},
			"VersionConsistency": "enabled",
			"HealthCheck":        map[string]any{"Command": []any{"CMD", "true"}, "Interval": 30, "Timeout": 5, "Retries": 3}}}}
	equivalent(t, TaskDefinition, given, read)
	// Command order matters: it is a list, not a set.
	read2 := Copy(read).(map[string]any)
	read2["ContainerDefinitions"].([]any)[0].(map[string]any)["HealthCheck"].(map[string]any)["Command"] = []any{"true", "CMD"}
	different(t, TaskDefinition, given, read2)
}

func TestSecurityGroupAndAttributeLists(t *testing.T) {
	equivalent(t, SecurityGroup,
		map[string]any{"GroupName": "g", "SecurityGroupIngress": []any{
			map[string]any{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
			map[string]any{"IpProtocol": "6", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}}},
		map[string]any{"GroupName": "g", "SecurityGroupIngress": []any{
			map[string]any{"IpProtocol": "tcp", "FromPort": 80.0, "ToPort": 80.0, "CidrIp": "0.0.0.0/0"},
			map[string]any{"IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0, "CidrIp": "0.0.0.0/0"}},
			"SecurityGroupEgress": []any{map[string]any{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0", "FromPort": -1, "ToPort": -1}}})

	lbAttrs := []any{map[string]any{"Key": "idle_timeout.timeout_seconds", "Value": 60}}
	var full []any
	for k, v := range albAttributes {
		full = append(full, map[string]any{"Key": k, "Value": v})
	}
	full = append(full, map[string]any{"Key": "ipv6.deny_all_igw_traffic", "Value": "false"})
	equivalent(t, LoadBalancer, map[string]any{"Name": "lb", "LoadBalancerAttributes": lbAttrs},
		map[string]any{"Name": "lb", "Type": "application", "Scheme": "internet-facing", "IpAddressType": "ipv4",
			"LoadBalancerAttributes": full})
	different(t, LoadBalancer, map[string]any{"Name": "lb", "LoadBalancerAttributes": lbAttrs},
		map[string]any{"Name": "lb", "LoadBalancerAttributes": []any{map[string]any{"Key": "idle_timeout.timeout_seconds", "Value": "120"}}})
}

func TestListenerActionsAndConditions(t *testing.T) {
	equivalent(t, ListenerRule,
		map[string]any{"Priority": 10, "Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": "tg"}},
			"Conditions": []any{
				map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/b", "/a"}}},
				map[string]any{"Field": "host-header", "Values": []any{"x.example.com"}}}},
		map[string]any{"Priority": "10", "Actions": []any{map[string]any{"Type": "forward", "Order": 1, "TargetGroupArn": "tg",
			"ForwardConfig": map[string]any{"TargetGroups": []any{map[string]any{"TargetGroupArn": "tg", "Weight": 1}},
				"TargetGroupStickinessConfig": map[string]any{"Enabled": false}}}},
			"Conditions": []any{
				map[string]any{"Field": "host-header", "Values": []any{"x.example.com"}, "HostHeaderConfig": map[string]any{"Values": []any{"x.example.com"}}},
				map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/a", "/b"}}}}})
	equivalent(t, Listener,
		map[string]any{"Port": 80, "Protocol": "HTTP", "DefaultActions": []any{map[string]any{"Type": "redirect",
			"RedirectConfig": map[string]any{"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}}},
		map[string]any{"Port": 80.0, "Protocol": "HTTP", "DefaultActions": []any{map[string]any{"Type": "redirect", "Order": 1,
			"RedirectConfig": map[string]any{"Protocol": "HTTPS", "Port": 443, "Host": "#{host}", "Path": "/#{path}",
				"Query": "#{query}", "StatusCode": "HTTP_301"}}}})
}

func TestNumbersAndEmptiness(t *testing.T) {
	equivalent(t, AutoScalingGroup,
		map[string]any{"MinSize": 0, "MaxSize": "6", "VPCZoneIdentifier": []any{"b", "a"}},
		map[string]any{"MinSize": "0", "MaxSize": 6.0, "VPCZoneIdentifier": []any{"a", "b"},
			"AvailabilityZones": []any{"eu-west-1a", "eu-west-1b"}, "HealthCheckType": "EC2",
			"HealthCheckGracePeriod": 0, "DefaultCooldown": "300", "TerminationPolicies": []any{"Default"},
			"ServiceLinkedRoleARN": "arn:aws:iam::1:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"})
	equivalent(t, Alarm,
		map[string]any{"AlarmName": "a", "EvaluationPeriods": 3, "Threshold": 25, "Description": ""},
		map[string]any{"AlarmName": "a", "EvaluationPeriods": 3.0, "DatapointsToAlarm": 3, "Threshold": 25.0,
			"TreatMissingData": "missing", "ActionsEnabled": true, "OKActions": []any{}})
}

// CreateAutoScalingGroup's reference: without DesiredCapacity a group's
// desired capacity is its minimum size, which DescribeAutoScalingGroups
// reads back; one given, or scaled since, is not the default.
func TestAutoScalingGroupDesiredCapacityDefaultsToMinSize(t *testing.T) {
	sent := map[string]any{"AutoScalingGroupName": "g", "MinSize": "2", "MaxSize": "6", "VPCZoneIdentifier": []any{"a"}}
	read := map[string]any{"AutoScalingGroupName": "g", "MinSize": 2.0, "MaxSize": 6.0, "DesiredCapacity": 2.0,
		"VPCZoneIdentifier": []any{"a"}, "HealthCheckType": "EC2", "HealthCheckGracePeriod": 0, "DefaultCooldown": 300.0,
		"TerminationPolicies": []any{"Default"}, "NewInstancesProtectedFromScaleIn": false, "CapacityRebalance": false,
		"DesiredCapacityType": "units"}
	equivalent(t, AutoScalingGroup, sent, read)
	scaled := Copy(read).(map[string]any)
	scaled["DesiredCapacity"] = 3.0
	different(t, AutoScalingGroup, sent, scaled)
	given := Copy(sent).(map[string]any)
	given["DesiredCapacity"] = "3"
	equivalent(t, AutoScalingGroup, given, scaled)
	different(t, AutoScalingGroup, given, read)
}

// CreateTargetGroup's defaults (Elastic Load Balancing API Reference): an
// Application Load Balancer checks targets over HTTP whatever their
// protocol, timing out after 6 s for HTTP and 10 s for HTTPS; a Lambda
// target group has health checks off.
func TestTargetGroupHealthCheckDefaults(t *testing.T) {
	read := func(proto string, timeout float64) map[string]any {
		return map[string]any{"Protocol": proto, "Port": 8080.0, "HealthCheckProtocol": "HTTP",
			"HealthCheckTimeoutSeconds": timeout, "HealthCheckEnabled": true, "TargetType": "instance"}
	}
	equivalent(t, TargetGroup, map[string]any{"Protocol": "HTTP", "Port": 8080}, read("HTTP", 6))
	equivalent(t, TargetGroup, map[string]any{"Protocol": "HTTPS", "Port": 8080}, read("HTTPS", 10))
	different(t, TargetGroup, map[string]any{"Protocol": "HTTPS", "Port": 8080}, read("HTTPS", 5))
	different(t, TargetGroup, map[string]any{"Protocol": "HTTPS", "Port": 8080},
		map[string]any{"Protocol": "HTTPS", "Port": 8080, "HealthCheckProtocol": "HTTPS"})
	equivalent(t, TargetGroup, map[string]any{"TargetType": "lambda"},
		map[string]any{"TargetType": "lambda", "HealthCheckEnabled": false})
}
