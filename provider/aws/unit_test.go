package aws

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func TestEveryCatalogTypeHasAHandler(t *testing.T) {
	for _, ct := range catalog.All() {
		if !slices.Contains(Types(), ct.Name) {
			t.Errorf("catalog type %s has no AWS handler", ct.Name)
		}
	}
	for _, typ := range Types() {
		if len(knownProps[typ]) == 0 {
			t.Errorf("%s: no known properties", typ)
		}
	}
	if !slices.IsSorted(Types()) {
		t.Error("Types() is not sorted")
	}
}

// getResourcesPage is a GetResources response (API reference shape) with
// the given ARNs, all tagged for unitScope, and a pagination token.
func getResourcesPage(token string, arns ...string) string {
	var items []string
	for _, a := range arns {
		items = append(items, `{"ResourceARN":"`+a+`","Tags":[{"Key":"gantry:project","Value":"shop"},{"Key":"gantry:environment","Value":"staging"},{"Key":"gantry:address","Value":"x/`+a[len(a)-4:]+`"}]}`)
	}
	return `{"PaginationToken":"` + token + `","ResourceTagMappingList":[` + strings.Join(items, ",") + `]}`
}

func TestTaggedARNsPagesAndReadsAsASet(t *testing.T) {
	arn := func(i int) string { return fmt.Sprintf("arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/g%04d", i) }
	p, f := newFake(t, func(op string, _ url.Values, body string, _ int) (int, string) {
		if op != "GetResources" {
			return 500, ""
		}
		switch {
		case strings.Contains(body, `"PaginationToken":"p2"`):
			return 200, getResourcesPage("p3", arn(3), arn(2)) // g0002 again: the API may repeat a resource
		case strings.Contains(body, `"PaginationToken":"p3"`):
			return 200, getResourcesPage("", arn(4))
		default:
			if !strings.Contains(body, `"gantry:project"`) || !strings.Contains(body, `"gantry:environment"`) {
				t.Errorf("GetResources without the ownership tag filters: %s", body)
			}
			return 200, getResourcesPage("p2", arn(1), arn(2))
		}
	})
	got, err := p.taggedARNs(context.Background(), unitScope)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Errorf("%d resources, want 4 distinct over 3 pages: %v", len(got), got)
	}
	if f.count["GetResources"] != 3 {
		t.Errorf("%d GetResources calls, want 3 pages", f.count["GetResources"])
	}
}

// TestDependencyViolationIsReportedNotRetried: EC2 refuses to delete a
// security group an ENI still uses; the error names the operation, the
// address, AWS's code, message and request id, and is left to the
// applier's retry of in-use deletions (not marked retryable here).
func TestDependencyViolationIsReportedNotRetried(t *testing.T) {
	p, f := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		return 400, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>DependencyViolation</Code><Message>resource sg-0123456789abcdef0 has a dependent object</Message></Error></Errors><RequestID>59dbff89-35bd-4eac-99ed-be587EXAMPLE</RequestID></Response>`
	})
	err := p.Delete(context.Background(), unitScope, &provider.Observed{Address: "service/api/security-group",
		Type: catalog.SecurityGroup, ID: "sg-0123456789abcdef0"})
	var op *provider.OpError
	if !errors.As(err, &op) {
		t.Fatalf("Delete: %v, want an OpError", err)
	}
	if op.Code != "DependencyViolation" || op.Operation != "ec2:DeleteSecurityGroup" || op.Address != "service/api/security-group" || op.Retryable {
		t.Errorf("OpError %+v", op)
	}
	for _, want := range []string{"59dbff89-35bd-4eac-99ed-be587EXAMPLE", "has a dependent object", "service/api/security-group"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if f.count["DeleteSecurityGroup"] != 1 {
		t.Errorf("DeleteSecurityGroup called %d times, want 1 (writes are not retried by the SDK)", f.count["DeleteSecurityGroup"])
	}
}

// TestIAMPropagationIsRetryable: ECS refuses a role IAM has not yet
// propagated; that is eventual consistency, retryable.
func TestIAMPropagationIsRetryable(t *testing.T) {
	p, _ := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		return 400, `{"__type":"InvalidParameterException","message":"Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions."}`
	})
	_, err := p.w.ecs.DeleteCluster(context.Background(), nil)
	if err == nil {
		t.Fatal("no error")
	}
	if !provider.IsRetryable(opError(err, "service/api", catalog.Service)) {
		t.Errorf("%v: want retryable", opError(err, "service/api", catalog.Service))
	}
}

func TestEventualConsistencyIsRetryable(t *testing.T) {
	p, _ := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		switch op {
		case "CreateService":
			return 400, `{"__type":"InvalidParameterException","message":"The target group with targetGroupArn arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging-api/0123456789abcdef does not have an associated load balancer."}`
		case "GetInstanceProfile":
			return 200, `<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileId>AIPAD5ARO2C5EXAMPLE3G</InstanceProfileId><Roles/><InstanceProfileName>shop-staging-batch</InstanceProfileName><Path>/</Path><Arn>arn:aws:iam::111111111111:instance-profile/shop-staging-batch</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><Tags><member><Key>gantry:project</Key><Value>shop</Value></member><member><Key>gantry:environment</Key><Value>staging</Value></member><member><Key>gantry:address</Key><Value>cluster/batch/instance-profile</Value></member></Tags></InstanceProfile></GetInstanceProfileResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetInstanceProfileResponse>`
		case "AddRoleToInstanceProfile":
			return 404, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name shop-staging-batch-instance cannot be found.</Message></Error><RequestId>r2</RequestId></ErrorResponse>`
		case "DescribeServices":
			return 200, `{"services":[],"failures":[]}`
		}
		return 500, ""
	})
	_, err := p.Create(context.Background(), unitScope, provider.Request{Address: "service/api", Type: catalog.Service,
		Properties: map[string]any{"ServiceName": "shop-staging-api", "Cluster": "shop-staging-main", "TaskDefinition": "shop-staging-api:1"}})
	if !provider.IsRetryable(err) {
		t.Errorf("a target group ECS does not see associated yet: %v, want retryable", err)
	}
	live := &provider.Observed{Address: "cluster/batch/instance-profile", Type: catalog.IAMInstanceProfile, ID: "shop-staging-batch",
		Properties: map[string]any{"InstanceProfileName": "shop-staging-batch"}}
	_, err = p.Update(context.Background(), unitScope, live, provider.Request{Address: live.Address, Type: live.Type,
		Properties: map[string]any{"InstanceProfileName": "shop-staging-batch", "Roles": []any{"shop-staging-batch-instance"}}})
	if !provider.IsRetryable(err) || !strings.Contains(err.Error(), "request id req-AddRoleToInstanceProfile") {
		t.Errorf("a role IAM has not propagated: %v, want retryable with the request id", err)
	}
}

func TestThrottlingThenSuccessThroughListOwnedPage(t *testing.T) {
	p, f := newFake(t, func(op string, _ url.Values, body string, n int) (int, string) {
		if op == "GetResources" && n == 1 {
			return 400, `{"__type":"ThrottlingException","Message":"Rate exceeded"}`
		}
		return 200, getResourcesPage("")
	})
	if _, err := p.taggedARNs(context.Background(), unitScope); err != nil {
		t.Fatalf("a throttled read page was not retried: %v", err)
	}
	if f.count["GetResources"] != 2 {
		t.Errorf("%d calls, want 2", f.count["GetResources"])
	}
}

// An instance set aside in Standby is not outdated (refreshes ignore it);
// one in service on another version is.
func TestASGFleetLeavesStandbyOut(t *testing.T) {
	spec := &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-1"), Version: aws.String("2")}
	old := &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-1"), Version: aws.String("1")}
	f := asgFleet(asgtypes.AutoScalingGroup{LaunchTemplate: spec, Instances: []asgtypes.Instance{
		{LaunchTemplate: spec, LifecycleState: asgtypes.LifecycleStateInService},
		{LaunchTemplate: old, LifecycleState: asgtypes.LifecycleStateInService},
		{LaunchTemplate: old, LifecycleState: asgtypes.LifecycleStateStandby},
	}})
	if f.Instances != 3 || f.Outdated != 1 {
		t.Errorf("fleet: %+v, want 3 instances, 1 outdated", f)
	}
}
