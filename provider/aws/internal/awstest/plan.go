package awstest

import (
	"encoding/json"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// AssertNoChanges plans g against live, with params the values of the
// SSM parameters g names (nil: compared unresolved, for resources the
// provider wrote with the references), and fails on any change.
func AssertNoChanges(t *testing.T, g *graph.Graph, live []*provider.Observed, scope provider.Scope, params map[string]string) {
	t.Helper()
	plan, err := planner.Diff(g, live, scope, planner.Options{Provider: "aws", Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Changes {
		if c.Action == planner.NoOp {
			continue
		}
		var real []planner.PropertyDiff
		for _, d := range c.Diffs {
			if why := EmulatorDisagrees(c.Type, d.Path); why != "" && c.Action == planner.Update {
				t.Logf("%s: %s differs only because the emulator disagrees with the AWS API reference: %s", c.Address, d.Path, why)
				continue
			}
			real = append(real, d)
		}
		if len(real) == 0 && c.Action == planner.Update {
			continue
		}
		b, _ := json.MarshalIndent(real, "", "  ")
		t.Errorf("%s (%s): %s: %s\n%s", c.Address, c.Type, c.Action, c.Reason, b)
	}
}

// emulatorDisagreements are read-backs where the emulator and the AWS API
// reference disagree. The provider follows the reference; the test
// tolerates exactly these differences, by type and diff path.
var emulatorDisagreements = map[string]string{
	// The reference: a launch template's own tags (TagSpecifications of
	// resource type launch-template in CreateLaunchTemplate) tag the
	// template; LaunchTemplateData.TagSpecifications are what instances
	// get at launch. moto copies the template's tags into the data.
	catalog.LaunchTemplate + " LaunchTemplateData.TagSpecifications": "moto stores CreateLaunchTemplate's TagSpecifications in the version data",
	// CreateAutoScalingGroup's reference: HealthCheckGracePeriod
	// "Default: 0 seconds" (300 is the console's default); moto fills 300.
	catalog.AutoScalingGroup + " HealthCheckGracePeriod": "moto defaults HealthCheckGracePeriod to 300, the API reference to 0",
	// CreateTargetGroup's reference: an HTTP target group's health check
	// times out after 6 s by default (10 s for HTTPS); moto fills 5.
	catalog.TargetGroup + " HealthCheckTimeoutSeconds": "moto defaults HealthCheckTimeoutSeconds to 5, the API reference to 6 for HTTP",
	// The group's launch template version reads as (known after apply) only
	// because of the launch template difference above.
	catalog.AutoScalingGroup + " LaunchTemplate.Version":                                                  "follows the launch template's emulator difference",
	catalog.AutoScalingGroup + " MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version": "follows the launch template's emulator difference",
}

// EmulatorDisagrees says why a difference at path of a resource of typ
// is the emulator's, "" when it is not a known one.
func EmulatorDisagrees(typ, path string) string { return emulatorDisagreements[typ+" "+path] }

// EmulatorOnly reports whether every difference of c is a known emulator
// disagreement.
func EmulatorOnly(c *planner.Change) bool {
	if c.Action != planner.Update || len(c.Diffs) == 0 {
		return false
	}
	for _, d := range c.Diffs {
		if EmulatorDisagrees(c.Type, d.Path) == "" {
			return false
		}
	}
	return true
}
