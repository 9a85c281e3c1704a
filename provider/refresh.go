package provider

import "github.com/gantry-gitops/gantry/catalog"

// ParameterPrefix starts a property value that names an SSM parameter
// instead of holding a value (CloudFormation's and EC2's
// "resolve:ssm:NAME", the way a launch template names the ECS-optimised
// AMI). Plans resolve such values through Provider.Resolve.
const ParameterPrefix = catalog.ParameterPrefix

// RefreshPreferences are the preferences of an instance refresh, as
// StartInstanceRefresh takes them (EC2 Auto Scaling API Reference:
// RefreshPreferences).
type RefreshPreferences struct {
	// MinHealthyPercentage is the share of the group's capacity that
	// stays in service while instances are replaced.
	MinHealthyPercentage int `json:"minHealthyPercentage"`
	// SkipMatching leaves instances that already run the group's launch
	// template and version alone.
	SkipMatching bool `json:"skipMatching"`
	// InstanceWarmup is how long, in seconds, a new instance warms up
	// before it counts as healthy and the next batch is replaced; 0 leaves
	// AWS's default (the group's DefaultInstanceWarmup, else its health
	// check grace period).
	InstanceWarmup int `json:"instanceWarmup,omitempty"`
	// ScaleInProtectedInstances is what the refresh does with instances
	// protected from scale-in: ScaleInProtectedRefresh replaces them,
	// "Ignore" leaves them, ScaleInProtectedWait ("" is AWS's default)
	// waits one hour for their protection to go and then fails the
	// refresh. The type's catalog entry decides (catalog.Refresh).
	ScaleInProtectedInstances string `json:"scaleInProtectedInstances,omitempty"`
	// StandbyInstances is what the refresh does with instances in
	// Standby: "Terminate", StandbyIgnore, or "Wait" ("" is AWS's
	// default: waits one hour for them to return to service, then fails).
	StandbyInstances string `json:"standbyInstances,omitempty"`
}

// RefreshPreferences' values for instances protected from scale-in and in
// Standby (EC2 Auto Scaling API Reference: RefreshPreferences,
// ScaleInProtectedInstances: Refresh | Ignore | Wait; StandbyInstances:
// Terminate | Ignore | Wait; Wait is the default of both).
const (
	ScaleInProtectedRefresh = "Refresh"
	ScaleInProtectedIgnore  = "Ignore"
	ScaleInProtectedWait    = "Wait"
	StandbyTerminate        = "Terminate"
	StandbyIgnore           = "Ignore"
	StandbyWait             = "Wait"
)

// Instance refresh statuses, as DescribeInstanceRefreshes reports them
// (EC2 Auto Scaling API Reference: InstanceRefresh, Status).
const (
	RefreshPending            = "Pending"
	RefreshInProgress         = "InProgress"
	RefreshSuccessful         = "Successful"
	RefreshFailed             = "Failed"
	RefreshCancelling         = "Cancelling"
	RefreshCancelled          = "Cancelled"
	RefreshRollbackInProgress = "RollbackInProgress"
	RefreshRollbackFailed     = "RollbackFailed"
	RefreshRollbackSuccessful = "RollbackSuccessful"
	RefreshBaking             = "Baking"
)

// Refresh is an Auto Scaling group's instance refresh: the replacement of
// its instances, batch by batch, by instances launched from its current
// launch template.
type Refresh struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// StatusReason is AWS's explanation of the status ("" when none).
	StatusReason string `json:"statusReason,omitempty"`
	// PercentageComplete and InstancesToUpdate are AWS's progress figures.
	PercentageComplete int `json:"percentageComplete"`
	InstancesToUpdate  int `json:"instancesToUpdate"`
	// Started is true when the StartRefresh call that returned it started
	// it; false when a refresh already in progress was returned instead
	// (AWS refuses a second one: InstanceRefreshInProgress).
	Started bool `json:"started,omitempty"`
}

// Active reports whether the refresh has not ended: it still replaces
// instances, is baking, or is cancelling or rolling back.
func (r *Refresh) Active() bool {
	switch r.Status {
	case RefreshSuccessful, RefreshFailed, RefreshCancelled, RefreshRollbackFailed, RefreshRollbackSuccessful:
		return false
	}
	return true
}

// Succeeded reports whether the refresh replaced every instance it had to.
func (r *Refresh) Succeeded() bool { return r.Status == RefreshSuccessful }
