package aws

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// getParametersMax is how many names one GetParameters call takes
// (Systems Manager API Reference: GetParameters, Names: 1 to 10 items).
const getParametersMax = 10

// Resolve reads the named SSM parameters with GetParameters, ten names a
// call. Names GetParameters returns among InvalidParameters (it does not
// fail for them) fail the whole resolution as NotFound, naming them.
func (p *Provider) Resolve(ctx context.Context, scope provider.Scope, names []string) (map[string]string, error) {
	c := &call{p: p, scope: scope}
	out := make(map[string]string, len(names))
	var invalid []string
	for i := 0; i < len(names); i += getParametersMax {
		batch := names[i:min(len(names), i+getParametersMax)]
		res, err := p.r.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: batch})
		if err != nil {
			return nil, c.err(err)
		}
		for _, prm := range res.Parameters {
			out[aws.ToString(prm.Name)] = aws.ToString(prm.Value)
		}
		invalid = append(invalid, res.InvalidParameters...)
	}
	if len(invalid) > 0 {
		sort.Strings(invalid)
		return nil, &provider.OpError{Operation: "ssm:GetParameters", Code: "ParameterNotFound", NotFound: true,
			Message: "invalid parameters: " + strings.Join(invalid, ", ")}
	}
	return out, nil
}

// StartRefresh starts an instance refresh of the group with
// StartInstanceRefresh. AWS refuses a second refresh while one is under
// way (InstanceRefreshInProgress): then the one under way is returned,
// Started false, for the caller to wait for.
func (p *Provider) StartRefresh(ctx context.Context, scope provider.Scope, group *provider.Observed, prefs provider.RefreshPreferences) (*provider.Refresh, error) {
	c := &call{p: p, scope: scope, address: group.Address, typ: catalog.AutoScalingGroup}
	in := &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: aws.String(group.ID),
		Strategy:             asgtypes.RefreshStrategyRolling,
		Preferences: &asgtypes.RefreshPreferences{
			MinHealthyPercentage: aws.Int32(int32(prefs.MinHealthyPercentage)),
			SkipMatching:         aws.Bool(prefs.SkipMatching),
		},
	}
	if prefs.InstanceWarmup > 0 {
		in.Preferences.InstanceWarmup = aws.Int32(int32(prefs.InstanceWarmup))
	}
	// Left out when "": AWS's default (Wait) applies; an empty value is a
	// ValidationError.
	if prefs.ScaleInProtectedInstances != "" {
		in.Preferences.ScaleInProtectedInstances = asgtypes.ScaleInProtectedInstances(prefs.ScaleInProtectedInstances)
	}
	if prefs.StandbyInstances != "" {
		in.Preferences.StandbyInstances = asgtypes.StandbyInstances(prefs.StandbyInstances)
	}
	out, err := p.w.asg.StartInstanceRefresh(ctx, in)
	if isCode(err, "InstanceRefreshInProgress") {
		r, derr := p.Refresh(ctx, scope, group, "")
		if derr != nil {
			return nil, derr
		}
		if r == nil || !r.Active() {
			// Ended between the two calls: the caller starts again.
			return nil, &provider.OpError{Address: group.Address, Type: catalog.AutoScalingGroup,
				Operation: "autoscaling:StartInstanceRefresh", Code: "InstanceRefreshInProgress", Retryable: true,
				Message: "a refresh was in progress and has ended since; try again"}
		}
		return r, nil
	}
	if err != nil {
		return nil, c.err(err)
	}
	// Just started: Pending, as DescribeInstanceRefreshes would say; the
	// gate reads its progress.
	return &provider.Refresh{ID: aws.ToString(out.InstanceRefreshId), Status: provider.RefreshPending, Started: true}, nil
}

// Refresh reads the group's instance refresh id, or its newest (AWS lists
// the newest first) when id is "", with DescribeInstanceRefreshes; nil
// when there is none.
func (p *Provider) Refresh(ctx context.Context, scope provider.Scope, group *provider.Observed, id string) (*provider.Refresh, error) {
	c := &call{p: p, scope: scope, address: group.Address, typ: catalog.AutoScalingGroup}
	in := &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String(group.ID), MaxRecords: aws.Int32(1)}
	if id != "" {
		in.InstanceRefreshIds = []string{id}
	}
	out, err := p.r.asg.DescribeInstanceRefreshes(ctx, in)
	if err != nil {
		return nil, c.err(err)
	}
	if len(out.InstanceRefreshes) == 0 {
		if id != "" {
			return nil, c.errorf("autoscaling:DescribeInstanceRefreshes", "ValidationError", "instance refresh %s of %s not found", id, group.ID)
		}
		return nil, nil
	}
	return refreshOf(out.InstanceRefreshes[0]), nil
}

func refreshOf(r asgtypes.InstanceRefresh) *provider.Refresh {
	return &provider.Refresh{
		ID:                 aws.ToString(r.InstanceRefreshId),
		Status:             string(r.Status),
		StatusReason:       aws.ToString(r.StatusReason),
		PercentageComplete: int(aws.ToInt32(r.PercentageComplete)),
		InstancesToUpdate:  int(aws.ToInt32(r.InstancesToUpdate)),
	}
}
