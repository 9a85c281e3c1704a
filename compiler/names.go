package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
)

// AWS name limits that matter to the names gantry derives. Names are
// {project}-{env}-{name}[-suffix]; with the config's own limits (project 20,
// environment 12, name 28 characters) they reach at most 62 characters plus
// the suffix, so only the types below 80 characters ever need shortening.
const (
	maxLoadBalancerName     = 32  // ELBv2 CreateLoadBalancer
	maxTargetGroupName      = 32  // ELBv2 CreateTargetGroup
	maxRoleName             = 64  // IAM CreateRole
	maxInstanceProfileName  = 128 // IAM CreateInstanceProfile
	maxLaunchTemplateName   = 128 // EC2 CreateLaunchTemplate
	maxSecurityGroupName    = 255 // EC2 CreateSecurityGroup
	maxClusterName          = 255 // ECS CreateCluster
	maxServiceName          = 255 // ECS CreateService
	maxFamilyName           = 255 // ECS RegisterTaskDefinition family
	maxCapacityProviderName = 255 // ECS CreateCapacityProvider
	maxASGName              = 255 // Auto Scaling CreateAutoScalingGroup
	maxAlarmName            = 255 // CloudWatch PutMetricAlarm
	maxScalingPolicyName    = 256 // Application Auto Scaling PutScalingPolicy
	maxLogGroupName         = 512 // CloudWatch Logs CreateLogGroup
	maxRepositoryName       = 256 // ECR CreateRepository
)

// hashLen is the length of the hash suffix a shortened name gets: 7 hex
// digits (28 bits) keep two long names that share a prefix apart with a
// collision chance of about 1 in 268 million per pair.
const hashLen = 7

// shortHash returns the first n hex digits of the SHA-256 of s. It is
// stable forever: changing it would rename (and so replace) resources.
func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// shorten returns name unchanged when it fits max, else a prefix of it
// followed by "-" and a hash of the whole name, exactly max long. Two
// different names that both need shortening get different hashes, so the
// result stays unique; a name that fits is never touched, so adding a
// long-named service never renames another one.
func shorten(name string, max int) string {
	if len(name) <= max {
		return name
	}
	h := shortHash(name, hashLen)
	prefix := strings.TrimRight(name[:max-hashLen-1], "-")
	return prefix + "-" + h
}

// guardPrefix prepends pre to name when name starts with one of the
// prefixes AWS reserves for the type (for example capacity providers may
// not start with "aws", "ecs" or "fargate"; security group names may not
// start with "sg-"; load balancer names may not start with "internal-").
// Project names are user-chosen, so a project called "ecs-demo" would
// otherwise produce invalid names.
func guardPrefix(name string, reserved []string, pre string) string {
	lower := strings.ToLower(name)
	for _, r := range reserved {
		if strings.HasPrefix(lower, r) {
			return pre + name
		}
	}
	return name
}

// names derives every AWS name of one environment from the project and
// environment names. Each method documents the name it builds.
type names struct {
	project, env string
}

func (n names) base(name string) string { return n.project + "-" + n.env + "-" + name }

// cluster: {p}-{e}-{cluster}.
func (n names) cluster(c string) string { return shorten(n.base(c), maxClusterName) }

// capacityProvider: {p}-{e}-{cluster}, prefixed with "cp-" if it would
// start with a prefix ECS reserves.
func (n names) capacityProvider(c string) string {
	return shorten(guardPrefix(n.base(c), []string{"aws", "ecs", "fargate"}, "cp-"), maxCapacityProviderName)
}

// autoScalingGroup and launchTemplate: {p}-{e}-{cluster}.
func (n names) autoScalingGroup(c string) string { return shorten(n.base(c), maxASGName) }
func (n names) launchTemplate(c string) string   { return shorten(n.base(c), maxLaunchTemplateName) }

// instanceRole and instanceProfile: {p}-{e}-{cluster}-instance.
func (n names) instanceRole(c string) string { return shorten(n.base(c)+"-instance", maxRoleName) }
func (n names) instanceProfile(c string) string {
	return shorten(n.base(c)+"-instance", maxInstanceProfileName)
}

// securityGroup: {p}-{e}-{name}-{kind} where kind is "alb", "tasks" or
// "instances", so a load balancer, a service and a cluster of the same
// name never share a group name.
func (n names) securityGroup(name, kind string) string {
	return shorten(guardPrefix(n.base(name)+"-"+kind, []string{"sg-"}, "gantry-"), maxSecurityGroupName)
}

// loadBalancer: {p}-{e}-{lb}, at most 32 characters.
func (n names) loadBalancer(l string) string {
	return shorten(guardPrefix(n.base(l), []string{"internal-"}, "lb-"), maxLoadBalancerName)
}

// targetGroup: {p}-{e}-{service}-{h}, at most 32 characters, where h is a
// 5-digit hash of the properties whose change replaces a target group
// (port, protocol, protocol version, target type, VPC). Changing one of
// them changes the name, so the new group can be created, the rule and the
// service moved over, and only then the old group deleted.
func (n names) targetGroup(s, forceNew string) string {
	h := shortHash(forceNew, 5)
	return shorten(n.base(s), maxTargetGroupName-len(h)-1) + "-" + h
}

// executionRole and taskRole: {p}-{e}-{service}-exec / -task.
func (n names) executionRole(s string) string { return shorten(n.base(s)+"-exec", maxRoleName) }
func (n names) taskRole(s string) string      { return shorten(n.base(s)+"-task", maxRoleName) }

// service and family: {p}-{e}-{service}.
func (n names) service(s string) string { return shorten(n.base(s), maxServiceName) }
func (n names) family(s string) string  { return shorten(n.base(s), maxFamilyName) }

// logGroup: /ecs/{p}-{e}-{service}.
func (n names) logGroup(s string) string { return shorten("/ecs/"+n.base(s), maxLogGroupName) }

// alarm: {p}-{e}-{service}-{alarm}.
func (n names) alarm(s, a string) string { return shorten(n.base(s)+"-"+a, maxAlarmName) }

// scalingPolicy: {p}-{e}-{service}-{cpu|memory|requests}.
func (n names) scalingPolicy(s, kind string) string {
	return shorten(n.base(s)+"-"+kind, maxScalingPolicyName)
}

// repository: the repository's own name, unprefixed. Images name their
// repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME:TAG), so the name
// users push to and write in `image` must be the name gantry creates.
func (n names) repository(r string) string { return r }

// ecrImage matches an image in an ECR private registry:
// ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]/REPOSITORY[:TAG|@DIGEST].
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9][a-z0-9._/-]*?)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})?$`)

// ecrRepositoryARN returns the ARN of the ECR repository an image is in,
// or "" when the image is not in ECR (Docker Hub, public ECR, GHCR, ...).
func ecrRepositoryARN(image string) string {
	m := ecrImage.FindStringSubmatch(image)
	if m == nil {
		return ""
	}
	account, region, repo := m[1], m[2], m[3]
	return "arn:" + catalog.Partition(region) + ":ecr:" + region + ":" + account + ":repository/" + repo
}

// ssmParameterARN returns the ARN of an SSM parameter given by name (with
// or without a leading slash) or by ARN. ECS accepts either in ValueFrom;
// gantry always writes the ARN so the task definition and the execution
// role's policy name the same thing.
func ssmParameterARN(partition, region, account, param string) string {
	if strings.HasPrefix(param, "arn:") {
		return param
	}
	if !strings.HasPrefix(param, "/") {
		param = "/" + param
	}
	return "arn:" + partition + ":ssm:" + region + ":" + account + ":parameter" + param
}

// secretPolicyARNs returns the ARNs to grant secretsmanager:GetSecretValue
// on, for a ValueFrom that may carry ":json-key:version-stage:version-id"
// after the secret's ARN. Secrets Manager appends a random "-XXXXXX" to
// every secret's ARN, and a name can itself end in six letters after a
// hyphen ("db-secret"), so whether the user wrote the full ARN or the
// partial one cannot be told from the text. gantry grants both the ARN as
// written and the ARN followed by "-??????" (the pattern the Secrets
// Manager documentation gives for partial ARNs): together they match
// exactly the one secret, whichever form was written.
func secretPolicyARNs(valueFrom string) []string {
	parts := strings.SplitN(valueFrom, ":", 8)
	if len(parts) < 7 {
		return []string{valueFrom}
	}
	arn := strings.Join(parts[:7], ":")
	return []string{arn, arn + "-??????"}
}
