package cloudformation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/graph"
)

// ssmPrefix starts EC2's form of an AMI id read from a Systems Manager
// parameter when an instance launches ("resolve:ssm:/aws/service/...").
// A graph holds it only as a launch template's ImageId.
const ssmPrefix = "resolve:ssm:"

// ssmImageParam declares a template parameter of the SSM parameter type
// for an AMI id, defaulting to the parameter the graph names, and returns
// a reference to it. CloudFormation reads the parameter at every stack
// create and update, so a stack update after AWS publishes a new
// ECS-optimised AMI writes a new launch template version (and the group's
// UpdatePolicy rolls it out), as gantry apply does; a deployer may also
// pin an AMI by giving the parameter another SSM parameter name.
func (c *cfnConverter) ssmImageParam(value string) any {
	name := c.ownerID + "ImageId"
	for i := 2; c.params[name] != nil; i++ {
		name = fmt.Sprintf("%sImageId%d", c.ownerID, i)
	}
	c.params[name] = map[string]any{
		"Type":        "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
		"Default":     strings.TrimPrefix(value, ssmPrefix),
		"Description": fmt.Sprintf("the SSM parameter that holds the AMI of %s", c.owner),
	}
	return map[string]any{"Ref": name}
}

// updatePolicy is the CloudFormation counterpart of an Auto Scaling
// group's Refresh: CloudFormation has no instance refresh property, but
// an AutoScalingRollingUpdate replaces the instances when the group's
// launch template version changes. CloudFormation counts instances, not
// a percentage of the group, so the percentage becomes:
//
//   - MinInstancesInService: minHealthyPercentage of the group's MinSize
//     (rounded up), below MaxSize as CloudFormation requires;
//   - MaxBatchSize: the share of MaxSize the percentage lets go at once
//     (rounded down), at least 1.
//
// Nil for a resource without Refresh, or whose sizes are not plain numbers.
func updatePolicy(r *graph.Resource) map[string]any {
	if r.Refresh == nil {
		return nil
	}
	minSize, err1 := strconv.Atoi(fmt.Sprint(r.Properties["MinSize"]))
	maxSize, err2 := strconv.Atoi(fmt.Sprint(r.Properties["MaxSize"]))
	if err1 != nil || err2 != nil || maxSize < 1 {
		return nil
	}
	pct := r.Refresh.MinHealthyPercentage
	inService := min((minSize*pct+99)/100, maxSize-1)
	batch := max(1, maxSize*(100-pct)/100)
	return map[string]any{"AutoScalingRollingUpdate": map[string]any{
		"MinInstancesInService": inService,
		"MaxBatchSize":          batch,
	}}
}
