package aws

import (
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// knownProps are, per type, the top-level CloudFormation properties the
// handler sends to AWS. A request with any other property fails rather
// than having it silently dropped (the SDK structs would ignore it, and
// every plan would then show it as a difference).
var knownProps = map[string][]string{
	catalog.LogGroup:       {"LogGroupName", "RetentionInDays", "KmsKeyId", "LogGroupClass", "DeletionProtectionEnabled"},
	catalog.ECRRepository:  {"RepositoryName", "ImageTagMutability", "ImageScanningConfiguration", "EncryptionConfiguration", "LifecyclePolicy", "EmptyOnDelete"},
	catalog.Alarm:          alarmProps,
	catalog.LoadBalancer:   {"Name", "Scheme", "Type", "IpAddressType", "SecurityGroups", "Subnets", "SubnetMappings", "LoadBalancerAttributes"},
	catalog.Listener:       listenerProps,
	catalog.ListenerRule:   {"ListenerArn", "Priority", "Conditions", "Actions", "Transforms"},
	catalog.TargetGroup:    append(append([]string(nil), targetGroupProps...), "TargetGroupAttributes"),
	catalog.SecurityGroup:  {"GroupName", "GroupDescription", "VpcId", "SecurityGroupIngress", "SecurityGroupEgress"},
	catalog.LaunchTemplate: {"LaunchTemplateName", "LaunchTemplateData"},
	catalog.IAMRole: {"RoleName", "AssumeRolePolicyDocument", "Path", "Description", "MaxSessionDuration",
		"PermissionsBoundary", "ManagedPolicyArns", "Policies"},
	catalog.IAMInstanceProfile:           {"InstanceProfileName", "Path", "Roles"},
	catalog.AutoScalingGroup:             append(append([]string(nil), asgProps...), "VPCZoneIdentifier", "ServiceLinkedRoleARN", "MetricsCollection"),
	catalog.Cluster:                      {"ClusterName", "ClusterSettings", "CapacityProviders", "DefaultCapacityProviderStrategy", "Configuration", "ServiceConnectDefaults"},
	catalog.ClusterCapacityProviderAssoc: {"Cluster", "CapacityProviders", "DefaultCapacityProviderStrategy"},
	catalog.CapacityProvider:             {"Name", "AutoScalingGroupProvider"},
	catalog.TaskDefinition:               taskDefProps,
	catalog.Service:                      append(append([]string(nil), serviceProps...), "ServiceConnectConfiguration", "VolumeConfigurations"),
	catalog.ScalableTarget:               {"ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity", "RoleARN", "SuspendedState", "ScheduledActions"},
	catalog.ScalingPolicy: {"PolicyName", "PolicyType", "ResourceId", "ScalableDimension", "ServiceNamespace", "ScalingTargetId",
		"TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration", "PredictiveScalingPolicyConfiguration"},
}

// unsupported returns the request's properties the provider does not
// send, sorted ("Tags" is never one: tags are the request's Tags).
func unsupported(typ string, props map[string]any) []string {
	known := map[string]bool{"Tags": true}
	for _, k := range knownProps[typ] {
		known[k] = true
	}
	var out []string
	for k := range props {
		if !known[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// checkProps fails a create or update that has properties the provider
// cannot send.
func checkProps(req provider.Request, op string) error {
	if bad := unsupported(req.Type, req.Properties); len(bad) > 0 {
		return &provider.OpError{Address: req.Address, Type: req.Type, Operation: op, Code: "UnsupportedProperty",
			Message: "the AWS provider does not implement " + strings.Join(bad, ", ") + " of " + req.Type}
	}
	return nil
}

// Unsupported lists the properties of a resource of typ that the provider
// does not send to AWS (for tests elsewhere: a completeness check over
// what the compiler emits).
func Unsupported(typ string, props map[string]any) []string { return unsupported(typ, props) }
