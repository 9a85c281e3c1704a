package aws

import (
	"context"
	"net/url"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// describeServicesRollback is DescribeServices (API reference shape) for a
// service whose circuit breaker rolled a failed deployment back: the
// failed deployment of revision 3 is still listed, and a newer PRIMARY
// deployment of revision 2 replaces it.
const describeServicesRollback = `{"services":[{"serviceArn":"arn:aws:ecs:eu-west-1:111111111111:service/shop-staging-main/shop-staging-api",
 "serviceName":"shop-staging-api","clusterArn":"arn:aws:ecs:eu-west-1:111111111111:cluster/shop-staging-main","status":"ACTIVE",
 "desiredCount":2,"runningCount":3,"pendingCount":0,
 "taskDefinition":"arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-api:2",
 "loadBalancers":[{"targetGroupArn":"arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging-api/0123456789abcdef","containerName":"api","containerPort":8080}],
 "deployments":[
  {"id":"ecs-svc/2222222222222222222","status":"PRIMARY","taskDefinition":"arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-api:2",
   "desiredCount":2,"pendingCount":1,"runningCount":1,"failedTasks":0,"createdAt":1.7000001E9,"updatedAt":1.7000001E9,
   "rolloutState":"IN_PROGRESS","rolloutStateReason":"ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1111111111111111111."},
  {"id":"ecs-svc/3333333333333333333","status":"ACTIVE","taskDefinition":"arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-api:3",
   "desiredCount":0,"pendingCount":0,"runningCount":2,"failedTasks":6,"createdAt":1.7E9,"updatedAt":1.7000001E9,
   "rolloutState":"FAILED","rolloutStateReason":"ECS deployment circuit breaker: tasks failed to start."}]}],"failures":[]}`

const describeTargetHealth = `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetHealthResult><TargetHealthDescriptions>
    <member><HealthCheckPort>8080</HealthCheckPort><Target><Port>8080</Port><Id>10.0.1.10</Id></Target><TargetHealth><State>healthy</State></TargetHealth></member>
    <member><HealthCheckPort>8080</HealthCheckPort><Target><Port>8080</Port><Id>10.0.1.11</Id></Target><TargetHealth><State>initial</State><Reason>Elb.RegistrationInProgress</Reason></TargetHealth></member>
    <member><HealthCheckPort>8080</HealthCheckPort><Target><Port>8080</Port><Id>10.0.2.12</Id></Target><TargetHealth><State>healthy</State></TargetHealth></member>
  </TargetHealthDescriptions></DescribeTargetHealthResult>
  <ResponseMetadata><RequestId>req-tg</RequestId></ResponseMetadata>
</DescribeTargetHealthResponse>`

func TestHealthReportsRollbackAndTargets(t *testing.T) {
	p, _ := newFake(t, func(op string, _ url.Values, _ string, _ int) (int, string) {
		switch op {
		case "DescribeServices":
			return 200, describeServicesRollback
		case "DescribeTargetHealth":
			return 200, describeTargetHealth
		}
		return 500, ""
	})
	svc := serviceObservedFor("arn:aws:ecs:eu-west-1:111111111111:service/shop-staging-main/shop-staging-api")
	h, err := p.Health(context.Background(), unitScope, svc)
	if err != nil {
		t.Fatal(err)
	}
	if !h.RolledBack || h.DeploymentID != "ecs-svc/2222222222222222222" || h.RolloutState != "IN_PROGRESS" {
		t.Errorf("health %+v: want the rollback deployment, rolled back", h)
	}
	if h.Desired != 2 || h.Running != 3 || h.Pending != 1 || h.OlderRunning != 2 {
		t.Errorf("counts %+v", h)
	}
	if h.Targets["healthy"] != 2 || h.Targets["initial"] != 1 {
		t.Errorf("targets %v", h.Targets)
	}
}

func serviceObservedFor(arn string) *provider.Observed {
	return &provider.Observed{Address: "service/api", Type: catalog.Service, ID: arn}
}
