package aws

import "sort"

// APICall is one AWS API operation the provider makes, as an IAM action
// ("ecs:CreateService"), with why: for the deployer's least-privilege
// policy and for documentation. Reads are what plan needs; the others are
// what apply, destroy and unlock need.
type APICall struct {
	Action string
	Read   bool
	Why    string
}

// APICalls lists every operation the provider makes, sorted by action.
// A test checks the list against the source.
func APICalls() []APICall {
	out := make([]APICall, 0, len(apiCalls))
	for action, c := range apiCalls {
		c.Action = action
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action < out[j].Action })
	return out
}

func read(why string) APICall  { return APICall{Read: true, Why: why} }
func write(why string) APICall { return APICall{Why: why} }

var apiCalls = map[string]APICall{
	"sts:GetCallerIdentity": read("the account guard: the credentials must be in the environment's account"),
	"tag:GetResources":      read("discovery: everything tagged with the project and environment"),

	"ssm:PutParameter":    write("take the apply lock (conditional create of /gantry/<project>/<env>/lock)"),
	"ssm:GetParameter":    read("read who holds the apply lock"),
	"ssm:DeleteParameter": write("release or break the apply lock"),
	"ssm:GetParameters":   read("resolve a launch template's resolve:ssm: image id (the public ECS-optimised AMI parameter), so a plan shows a newly published AMI"),

	"iam:GetAccountAuthorizationDetails": read("find the project's roles by tag, with their policies"),
	"iam:GetRole":                        read("read a role"),
	"iam:ListRoles":                      read("read the roles' descriptions and session durations"),
	"iam:ListAttachedRolePolicies":       read("read a role's managed policies after writing it"),
	"iam:ListRolePolicies":               read("read a role's inline policies after writing it"),
	"iam:GetRolePolicy":                  read("read an inline policy after writing it"),
	"iam:ListInstanceProfiles":           read("find instance profiles (the Tagging API does not list them)"),
	"iam:GetInstanceProfile":             read("read an instance profile and its tags"),
	"iam:CreateRole":                     write("create a role"),
	"iam:UpdateRole":                     write("change a role's description or session duration"),
	"iam:UpdateAssumeRolePolicy":         write("change a role's trust policy"),
	"iam:PutRolePermissionsBoundary":     write("set a role's permissions boundary"),
	"iam:DeleteRolePermissionsBoundary":  write("remove a role's permissions boundary"),
	"iam:AttachRolePolicy":               write("attach a managed policy"),
	"iam:DetachRolePolicy":               write("detach a managed policy (and before deleting a role)"),
	"iam:PutRolePolicy":                  write("set an inline policy"),
	"iam:DeleteRolePolicy":               write("remove an inline policy (and before deleting a role)"),
	"iam:TagRole":                        write("tag a role"),
	"iam:UntagRole":                      write("remove a role's tags"),
	"iam:DeleteRole":                     write("delete a role"),
	"iam:CreateInstanceProfile":          write("create an instance profile"),
	"iam:AddRoleToInstanceProfile":       write("put the role in an instance profile"),
	"iam:RemoveRoleFromInstanceProfile":  write("take a role out of an instance profile (and before deleting it)"),
	"iam:TagInstanceProfile":             write("tag an instance profile"),
	"iam:UntagInstanceProfile":           write("remove an instance profile's tags"),
	"iam:DeleteInstanceProfile":          write("delete an instance profile"),

	"ec2:DescribeSecurityGroups":         read("read security groups and their rules"),
	"ec2:CreateSecurityGroup":            write("create a security group"),
	"ec2:AuthorizeSecurityGroupIngress":  write("add inbound rules"),
	"ec2:AuthorizeSecurityGroupEgress":   write("add outbound rules"),
	"ec2:RevokeSecurityGroupIngress":     write("remove inbound rules"),
	"ec2:RevokeSecurityGroupEgress":      write("remove outbound rules (AWS's default one included, when not wanted)"),
	"ec2:DeleteSecurityGroup":            write("delete a security group"),
	"ec2:DescribeLaunchTemplates":        read("read launch templates"),
	"ec2:DescribeLaunchTemplateVersions": read("read a launch template's latest version"),
	"ec2:CreateLaunchTemplate":           write("create a launch template"),
	"ec2:CreateLaunchTemplateVersion":    write("change a launch template (a new version)"),
	"ec2:ModifyLaunchTemplate":           write("make the new version the default"),
	"ec2:DeleteLaunchTemplate":           write("delete a launch template"),
	"ec2:CreateTags":                     write("tag a security group or launch template"),
	"ec2:DeleteTags":                     write("remove their tags"),

	"autoscaling:DescribeAutoScalingGroups":      read("find Auto Scaling groups by tag (the Tagging API does not list them)"),
	"autoscaling:CreateAutoScalingGroup":         write("create an Auto Scaling group"),
	"autoscaling:UpdateAutoScalingGroup":         write("change its sizes, launch template, subnets, ..."),
	"autoscaling:AttachLoadBalancerTargetGroups": write("attach target groups"),
	"autoscaling:DetachLoadBalancerTargetGroups": write("detach target groups"),
	"autoscaling:EnableMetricsCollection":        write("turn group metrics on"),
	"autoscaling:DisableMetricsCollection":       write("turn group metrics off"),
	"autoscaling:CreateOrUpdateTags":             write("tag an Auto Scaling group"),
	"autoscaling:DeleteTags":                     write("remove its tags"),
	"autoscaling:DeleteAutoScalingGroup":         write("delete an Auto Scaling group with its instances"),
	"autoscaling:StartInstanceRefresh":           write("replace a group's instances after its launch template changed (a new AMI)"),
	"autoscaling:DescribeInstanceRefreshes":      read("the newest instance refresh of each owned group with instances (one call, MaxRecords 1: plans warn of a refresh under way or failed), and following one until it ends (apply's health gate)"),

	"logs:DescribeLogGroups":             read("read log groups"),
	"logs:ListTagsForResource":           read("read a log group's tags after writing it"),
	"logs:CreateLogGroup":                write("create a log group"),
	"logs:PutRetentionPolicy":            write("set the retention"),
	"logs:DeleteRetentionPolicy":         write("keep logs for ever"),
	"logs:AssociateKmsKey":               write("encrypt with a KMS key"),
	"logs:DisassociateKmsKey":            write("stop encrypting with a KMS key"),
	"logs:PutLogGroupDeletionProtection": write("turn deletion protection on or off"),
	"logs:TagResource":                   write("tag a log group"),
	"logs:UntagResource":                 write("remove its tags"),
	"logs:DeleteLogGroup":                write("delete a log group"),

	"ecr:DescribeRepositories":          read("read repositories"),
	"ecr:GetLifecyclePolicy":            read("read a repository's lifecycle policy"),
	"ecr:ListTagsForResource":           read("read a repository's tags after writing it"),
	"ecr:CreateRepository":              write("create a repository"),
	"ecr:PutImageTagMutability":         write("change tag mutability"),
	"ecr:PutImageScanningConfiguration": write("change scan on push"),
	"ecr:PutLifecyclePolicy":            write("set the lifecycle policy"),
	"ecr:DeleteLifecyclePolicy":         write("remove the lifecycle policy"),
	"ecr:TagResource":                   write("tag a repository"),
	"ecr:UntagResource":                 write("remove its tags"),
	"ecr:DeleteRepository":              write("delete a repository (with its images only on destroy --include-data)"),

	"elasticloadbalancing:DescribeLoadBalancers":          read("read load balancers"),
	"elasticloadbalancing:DescribeLoadBalancerAttributes": read("read a load balancer's attributes"),
	"elasticloadbalancing:DescribeListeners":              read("read listeners"),
	"elasticloadbalancing:DescribeRules":                  read("read listener rules"),
	"elasticloadbalancing:DescribeTargetGroups":           read("read target groups"),
	"elasticloadbalancing:DescribeTargetGroupAttributes":  read("read a target group's attributes"),
	"elasticloadbalancing:DescribeTargetHealth":           read("health gates: the service's targets"),
	"elasticloadbalancing:DescribeTags":                   read("read tags after writing"),
	"elasticloadbalancing:CreateLoadBalancer":             write("create a load balancer"),
	"elasticloadbalancing:ModifyLoadBalancerAttributes":   write("set its attributes"),
	"elasticloadbalancing:SetSecurityGroups":              write("change its security groups"),
	"elasticloadbalancing:SetSubnets":                     write("change its subnets"),
	"elasticloadbalancing:SetIpAddressType":               write("change its IP address type"),
	"elasticloadbalancing:DeleteLoadBalancer":             write("delete a load balancer"),
	"elasticloadbalancing:CreateListener":                 write("create a listener"),
	"elasticloadbalancing:ModifyListener":                 write("change a listener"),
	"elasticloadbalancing:DeleteListener":                 write("delete a listener"),
	"elasticloadbalancing:CreateRule":                     write("create a listener rule"),
	"elasticloadbalancing:ModifyRule":                     write("change a rule's conditions or actions"),
	"elasticloadbalancing:SetRulePriorities":              write("change a rule's priority"),
	"elasticloadbalancing:DeleteRule":                     write("delete a listener rule"),
	"elasticloadbalancing:CreateTargetGroup":              write("create a target group"),
	"elasticloadbalancing:ModifyTargetGroup":              write("change its health check"),
	"elasticloadbalancing:ModifyTargetGroupAttributes":    write("set its attributes"),
	"elasticloadbalancing:DeleteTargetGroup":              write("delete a target group"),
	"elasticloadbalancing:AddTags":                        write("tag ELB resources"),
	"elasticloadbalancing:RemoveTags":                     write("remove their tags"),

	"cloudwatch:DescribeAlarms":      read("read alarms"),
	"cloudwatch:ListTagsForResource": read("read an alarm's tags"),
	"cloudwatch:PutMetricAlarm":      write("create or change an alarm"),
	"cloudwatch:TagResource":         write("tag an alarm"),
	"cloudwatch:UntagResource":       write("remove its tags"),
	"cloudwatch:DeleteAlarms":        write("delete an alarm"),

	"ecs:DescribeClusters":            read("read clusters and their capacity providers"),
	"ecs:DescribeCapacityProviders":   read("read capacity providers"),
	"ecs:ListTaskDefinitions":         read("list a family's ACTIVE revisions"),
	"ecs:DescribeTaskDefinition":      read("read a task definition revision"),
	"ecs:DescribeServices":            read("read services; health gates: deployments; before deleting a cluster or target group, its services and their tags"),
	"ecs:ListClusters":                read("before deleting a target group: the clusters whose services may register in it"),
	"ecs:ListServices":                read("before deleting a cluster or target group: the services in it or registering in it, owned or not"),
	"ecs:CreateCluster":               write("create a cluster"),
	"ecs:UpdateCluster":               write("change a cluster's settings"),
	"ecs:PutClusterCapacityProviders": write("set a cluster's capacity providers"),
	"ecs:DeleteCluster":               write("delete a cluster"),
	"ecs:CreateCapacityProvider":      write("create a capacity provider"),
	"ecs:UpdateCapacityProvider":      write("change its managed scaling"),
	"ecs:DeleteCapacityProvider":      write("delete a capacity provider"),
	"ecs:RegisterTaskDefinition":      write("register a task definition revision"),
	"ecs:DeregisterTaskDefinition":    write("retire a revision"),
	"ecs:CreateService":               write("create a service"),
	"ecs:UpdateService":               write("deploy: change a service; scale it to zero before deleting it"),
	"ecs:DeleteService":               write("delete a service"),
	"ecs:TagResource":                 write("tag ECS resources (and record an associations' address on its cluster)"),
	"ecs:UntagResource":               write("remove their tags"),

	"application-autoscaling:DescribeScalableTargets":  read("read scalable targets"),
	"application-autoscaling:DescribeScalingPolicies":  read("read scaling policies"),
	"application-autoscaling:DescribeScheduledActions": read("read scalable targets' scheduled actions"),
	"application-autoscaling:PutScheduledAction":       write("create or change a scheduled action"),
	"application-autoscaling:DeleteScheduledAction":    write("delete a scheduled action"),
	"application-autoscaling:ListTagsForResource":      read("read a scalable target's tags (policies' addresses included)"),
	"application-autoscaling:RegisterScalableTarget":   write("create or change a scalable target"),
	"application-autoscaling:DeregisterScalableTarget": write("delete a scalable target"),
	"application-autoscaling:PutScalingPolicy":         write("create or change a scaling policy"),
	"application-autoscaling:DeleteScalingPolicy":      write("delete a scaling policy"),
	"application-autoscaling:TagResource":              write("tag a scalable target (and record its policies' addresses)"),
	"application-autoscaling:UntagResource":            write("remove its tags"),
}
