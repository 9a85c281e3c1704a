package aws

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go/middleware"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
	"github.com/gantry-gitops/gantry/provider/aws/internal/awstest"
)

func TestEmulatorLock(t *testing.T) {
	p, scope := emulatorProvider(t, "locks")
	ctx := context.Background()
	a := provider.LockInfo{ID: "A", Host: "ci-1", User: "deploy", PID: 1, Operation: "apply", Since: time.Now().UTC()}
	release, err := p.Lock(ctx, scope, a)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := p.LockHolder(ctx, scope); err != nil || h == nil || h.ID != "A" || !h.Since.Equal(a.Since) {
		t.Errorf("LockHolder: %+v %v, want A since %s", h, err, a.Since)
	}
	_, err = p.Lock(ctx, scope, provider.LockInfo{ID: "B", Operation: "apply", Since: time.Now()})
	var le *provider.LockedError
	if !errors.As(err, &le) || le.Holder.ID != "A" || le.Holder.Host != "ci-1" {
		t.Fatalf("second Lock: %v, want LockedError naming A", err)
	}
	// Another environment has a lock of its own.
	other := scope
	other.Environment = "prod"
	if r, err := p.Lock(ctx, other, provider.LockInfo{ID: "C"}); err != nil {
		t.Errorf("prod's lock: %v", err)
	} else {
		_ = r()
	}
	if err := p.Unlock(ctx, scope, "B"); err == nil {
		t.Error("Unlock with the wrong id broke the lock")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := p.Unlock(ctx, scope, "A"); err == nil {
		t.Error("Unlock of a released lock succeeded")
	}
	r, err := p.Lock(ctx, scope, provider.LockInfo{ID: "D"})
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := p.Unlock(ctx, scope, "D"); err != nil {
		t.Errorf("breaking lock D: %v", err)
	}
	if err := r(); err != nil {
		t.Errorf("releasing a lock someone broke: %v", err)
	}
}

func TestEmulatorAccountGuard(t *testing.T) {
	awstest.Need(t)
	scope := provider.Scope{Project: "guard", Environment: "prod", Account: "222222222222", Region: awstest.Region}
	_, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient()})
	if err == nil || !strings.Contains(err.Error(), "222222222222") || !strings.Contains(err.Error(), awstest.Account) {
		t.Fatalf("New with another account's credentials: %v", err)
	}
	// With a role to assume: the guard checks the assumed identity.
	scope.Account = awstest.Account
	p, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient(), RoleARN: "arn:aws:iam::" + awstest.Account + ":role/deployer", ExternalID: "x"})
	if err != nil {
		t.Fatalf("New with a role: %v", err)
	}
	if _, err := p.ListOwned(context.Background(), scope); err != nil {
		t.Errorf("ListOwned with the assumed role: %v", err)
	}
}

// TestEmulatorListOwnedCalls counts the API calls of a ListOwned of the
// two-service fixture (the budget: 0.3 calls per resource at
// scale, growing by batches). It logs the count; it fails only past a
// bound that catches a per-resource-per-property regression.
func TestEmulatorListOwnedCalls(t *testing.T) {
	p, scope := emulatorProvider(t, "calls")
	net := awstest.MakeNetwork(t)
	g := awstest.Graph(scope, net, 8, "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0")
	a, sub := createAll(t, p, scope, g)
	defer deleteAll(t, p, scope, sub, a)

	var calls atomic.Int64
	ops := map[string]int{}
	var mu = make(chan struct{}, 1)
	count := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			calls.Add(1)
			mu <- struct{}{}
			ops[middleware.GetOperationName(ctx)]++
			<-mu
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
	}
	counted, err := New(context.Background(), scope, Options{HTTPClient: awstest.HTTPClient(), APIOptions: []func(*middleware.Stack) error{count}})
	if err != nil {
		t.Fatal(err)
	}
	calls.Store(0)
	clear(ops)
	live, err := counted.ListOwned(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	n := calls.Load()
	t.Logf("ListOwned of %d resources: %d API calls (%.2f per resource): %v", len(live), n, float64(n)/float64(len(live)), ops)
	if n > int64(3*len(live)) {
		t.Errorf("%d calls for %d resources", n, len(live))
	}
}

// TestEmulatorCreateRefusesUnownedNamesake: a resource with the request's
// identity that does not carry the scope's tags is never adopted.
func TestEmulatorCreateRefusesUnownedNamesake(t *testing.T) {
	p, scope := emulatorProvider(t, "namesake")
	ctx := context.Background()
	if _, err := p.w.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/someone-elses")}); err != nil {
		t.Fatal(err)
	}
	req := provider.Request{Address: "service/x/log-group", Type: catalog.LogGroup,
		Properties: map[string]any{"LogGroupName": "/ecs/someone-elses", "RetentionInDays": 7},
		Tags:       map[string]string{graph.TagProject: scope.Project, graph.TagEnvironment: scope.Environment, graph.TagAddress: "service/x/log-group"}}
	_, err := p.Create(ctx, scope, req)
	var op *provider.OpError
	if !errors.As(err, &op) || op.Code != "ResourceAlreadyExistsException" || op.Address != req.Address {
		t.Fatalf("Create over an unowned log group: %v, want ResourceAlreadyExistsException", err)
	}
	out, err := p.r.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/someone-elses")})
	if err != nil || len(out.LogGroups) != 1 || out.LogGroups[0].RetentionInDays != nil {
		t.Errorf("the unowned log group was changed: %+v %v", out, err)
	}
	if live, err := p.ListOwned(ctx, scope); err != nil || len(live) != 0 {
		t.Errorf("ListOwned lists %d resources, want none", len(live))
	}
}
