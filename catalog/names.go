package catalog

import "strings"

// CloudFormation type names of everything gantry creates.
const (
	IAMRole                      = "AWS::IAM::Role"
	IAMInstanceProfile           = "AWS::IAM::InstanceProfile"
	SecurityGroup                = "AWS::EC2::SecurityGroup"
	ECRRepository                = "AWS::ECR::Repository"
	LogGroup                     = "AWS::Logs::LogGroup"
	LoadBalancer                 = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	Listener                     = "AWS::ElasticLoadBalancingV2::Listener"
	ListenerRule                 = "AWS::ElasticLoadBalancingV2::ListenerRule"
	TargetGroup                  = "AWS::ElasticLoadBalancingV2::TargetGroup"
	Cluster                      = "AWS::ECS::Cluster"
	ClusterCapacityProviderAssoc = "AWS::ECS::ClusterCapacityProviderAssociations"
	CapacityProvider             = "AWS::ECS::CapacityProvider"
	LaunchTemplate               = "AWS::EC2::LaunchTemplate"
	AutoScalingGroup             = "AWS::AutoScaling::AutoScalingGroup"
	TaskDefinition               = "AWS::ECS::TaskDefinition"
	Service                      = "AWS::ECS::Service"
	ScalableTarget               = "AWS::ApplicationAutoScaling::ScalableTarget"
	ScalingPolicy                = "AWS::ApplicationAutoScaling::ScalingPolicy"
	Alarm                        = "AWS::CloudWatch::Alarm"
)

// Partition returns the ARN partition of a region: the compiler writes
// it into the ARNs it builds, the AWS provider into the deployer policy.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}
