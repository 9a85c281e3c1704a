package compiler

import "testing"

// TestInstanceENIs pins network interface counts and trunking task limits
// taken from EC2's "maximum network interfaces" and the ECS table of
// instance types supported for ENI trunking.
func TestInstanceENIs(t *testing.T) {
	for _, tc := range []struct {
		name     string
		enis     int
		trunking Trunking
		trunk    int
	}{
		{"c7g.large", 3, TrunkingSupported, 10},
		{"c7g.medium", 2, TrunkingSupported, 4},
		{"c5.large", 3, TrunkingSupported, 10},
		{"c5.18xlarge", 15, TrunkingSupported, 120},
		{"m6i.8xlarge", 8, TrunkingSupported, 90},
		{"r6a.48xlarge", 15, TrunkingSupported, 120},
		{"c5a.8xlarge", 8, TrunkingUnsupported, 0},
		{"r5.8xlarge", 8, TrunkingUnsupported, 0},
		{"c7i.large", 3, TrunkingUnknown, 0},
		{"r8g.16xlarge", 15, TrunkingUnknown, 0},
		{"t3.medium", 3, TrunkingUnsupported, 0},
		{"t3a.small", 2, TrunkingUnsupported, 0},
		{"t4g.small", 3, TrunkingUnsupported, 0},
	} {
		it, ok := LookupInstanceType(tc.name)
		if !ok {
			t.Fatalf("%s: not in the table", tc.name)
		}
		if it.MaxENIs != tc.enis || it.Trunking != tc.trunking || it.TrunkTasks != tc.trunk {
			t.Errorf("%s: ENIs %d, trunking %d (%d tasks); want %d, %d (%d tasks)",
				tc.name, it.MaxENIs, it.Trunking, it.TrunkTasks, tc.enis, tc.trunking, tc.trunk)
		}
	}
	for name, it := range instanceTypes {
		if it.AWSVPCTasks() < 1 || (it.Trunking == TrunkingSupported) != (it.TrunkTasks > it.AWSVPCTasks()) {
			t.Errorf("%s: %d ENIs, trunking %d with %d tasks", name, it.MaxENIs, it.Trunking, it.TrunkTasks)
		}
	}
}
