package aws

import (
	"context"
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/gantry-gitops/gantry/provider"
)

// servicePrefixes maps the SDK's service ids to the IAM action prefixes
// by which AWS names operations ("ecs:CreateService").
var servicePrefixes = map[string]string{
	"ECS": "ecs", "Elastic Load Balancing v2": "elasticloadbalancing", "EC2": "ec2", "IAM": "iam",
	"Application Auto Scaling": "application-autoscaling", "Auto Scaling": "autoscaling",
	"CloudWatch": "cloudwatch", "CloudWatch Logs": "logs", "ECR": "ecr", "SSM": "ssm",
	"Resource Groups Tagging API": "tag", "STS": "sts",
}

// retryableCodes are throttling and transient server errors, by AWS error
// code, across the services gantry calls.
var retryableCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true, "RequestThrottled": true,
	"RequestThrottledException": true, "SlowDown": true, "PriorRequestNotComplete": true,
	"InternalFailure": true, "InternalError": true, "InternalErrorException": true,
	"ServiceUnavailable": true, "ServiceUnavailableException": true, "ServerException": true,
	"ServiceException": true, "InternalServiceError": true, "InternalServiceException": true,
	"ConcurrentUpdateException": true, "ConcurrentModification": true,
	"ConcurrentModificationException": true, "OperationAborted": true,
	"IncorrectState": true, "ResourceContention": true,
	// ECR/ELB/EC2 answer these while a resource they depend on is being
	// created; CloudWatch Logs while another call changes the same group.
	"OperationAbortedException": true,
}

// notFoundCodes are the per-service "does not exist" error codes.
var notFoundCodes = map[string]bool{
	"ClusterNotFoundException": true, "ServiceNotFoundException": true,
	"LoadBalancerNotFound": true, "TargetGroupNotFound": true, "ListenerNotFound": true,
	"RuleNotFound": true, "InvalidGroup.NotFound": true, "InvalidLaunchTemplateId.NotFound": true,
	"InvalidLaunchTemplateName.NotFoundException": true,
	"NoSuchEntity": true, "ResourceNotFoundException": true, "RepositoryNotFoundException": true,
	"ParameterNotFound": true, "ObjectNotFoundException": true, "ResourceNotFound": true,
	"InvalidGroupId.NotFound": true,
}

// eventualIAM are message fragments with which ECS, Auto Scaling, EC2 and
// Application Auto Scaling refuse a role or instance profile that IAM has
// created but not yet propagated: retryable, not fatal.
var eventualIAM = []string{
	"unable to assume", "cannot be assumed", "invalid iam instance profile",
	"role is not valid", "assume the role", "not authorized to assume",
	"iam instance profile", "does not have sufficient permissions to assume",
}

// opError turns an SDK error into a *provider.OpError naming the
// operation ("ecs:CreateService"), the resource, AWS's code and message
// and the request id. It returns nil for nil and keeps an *OpError as it is.
func opError(err error, address, typ string) error {
	if err == nil {
		return nil
	}
	var op *provider.OpError
	if errors.As(err, &op) {
		return err
	}
	e := &provider.OpError{Address: address, Type: typ, Err: err}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		prefix := servicePrefixes[oe.Service()]
		if prefix == "" {
			prefix = strings.ToLower(oe.Service())
		}
		e.Operation = prefix + ":" + oe.Operation()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
		e.Retryable = retryableCodes[e.Code] || ae.ErrorFault() == smithy.FaultServer && e.Code != ""
		e.NotFound = notFoundCodes[e.Code] || notFoundMessage(e.Code, e.Message)
		e.Retryable = e.Retryable || eventualConsistency(e.Operation, e.Message) || eventualELB(e.Message)
	} else {
		e.Message = rootCause(err).Error()
		// No answer from AWS at all (a connection reset, a timeout): the
		// SDK's standard retryer would retry these; so does the applier.
		e.Retryable = !errors.Is(err, context.Canceled) && e.Operation != ""
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		if re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == 429 {
			e.Retryable = true
		}
		if id := re.ServiceRequestID(); id != "" {
			e.Message += " (request id " + id + ")"
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// A call that timed out may or may not have happened; trying it
		// again is how every write here is meant to be made safe.
		e.Retryable = true
	}
	return e
}

// notFoundMessage catches services whose "not found" is a generic code
// with a message: Auto Scaling's ValidationError "AutoScalingGroup name
// not found", ECS's ClientException "Unable to describe task definition".
func notFoundMessage(code, msg string) bool {
	m := strings.ToLower(msg)
	switch code {
	case "ValidationError":
		return strings.Contains(m, "not found")
	case "ClientException", "InvalidParameterException":
		return strings.Contains(m, "unable to describe task definition") ||
			strings.Contains(m, "capacity provider does not exist") ||
			strings.Contains(m, "could not be found")
	}
	return false
}

// eventualConsistency reports whether an error is IAM not yet having
// propagated a role or instance profile gantry just created.
func eventualConsistency(op, msg string) bool {
	if strings.HasPrefix(op, "iam:") {
		return false
	}
	m := strings.ToLower(msg)
	for _, f := range eventualIAM {
		if strings.Contains(m, f) && (strings.Contains(m, "role") || strings.Contains(m, "profile")) {
			return true
		}
	}
	return false
}

// isCode reports whether err is an AWS error with one of the given codes.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// notFound reports whether err says the resource does not exist.
func notFound(err error) bool {
	return provider.IsNotFound(opError(err, "", ""))
}

// eventualELB reports whether ECS refused a target group that ELB has
// just associated with a load balancer (through a listener or rule
// created a moment before) but not yet told ECS about: retryable.
func eventualELB(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "does not have an associated load balancer")
}

// justCreated marks a NotFound error retryable: a resource gantry created
// a moment before (a role about to join an instance profile) that IAM
// has not propagated yet.
func justCreated(err error) error {
	var op *provider.OpError
	if errors.As(err, &op) && op.NotFound {
		op.Retryable = true
	}
	return err
}
