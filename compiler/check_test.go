package compiler

import (
	"slices"
	"strconv"
	"testing"
)

func TestLookupInstanceType(t *testing.T) {
	for _, tc := range []struct {
		name      string
		vcpu, mib int
		arch      string
	}{
		{"c7g.large", 2, 4096, ArchARM64},
		{"m5.xlarge", 4, 16384, ArchX86_64},
		{"r6i.2xlarge", 8, 65536, ArchX86_64},
		{"c5.9xlarge", 36, 73728, ArchX86_64},
		{"m7g.medium", 1, 4096, ArchARM64},
		{"t3.nano", 2, 512, ArchX86_64},
		{"t4g.small", 2, 2048, ArchARM64},
		{"r8g.48xlarge", 192, 1572864, ArchARM64},
	} {
		it, ok := LookupInstanceType(tc.name)
		if !ok {
			t.Errorf("%s: not found", tc.name)
			continue
		}
		if it.VCPU != tc.vcpu || it.MemoryMiB != tc.mib || it.Arch != tc.arch {
			t.Errorf("%s = %+v, want %d vCPU %d MiB %s", tc.name, it, tc.vcpu, tc.mib, tc.arch)
		}
	}
	for _, name := range []string{"c7g.metal", "p4d.24xlarge", "c7g", "", "m5.large.x"} {
		if _, ok := LookupInstanceType(name); ok {
			t.Errorf("%q: found, want unknown", name)
		}
	}
	it, _ := LookupInstanceType("m6i.large")
	if it.CPUUnits() != 2048 || it.UsableMemoryMiB() != 7372 || it.Platform() != "linux/amd64" {
		t.Errorf("m6i.large: units %d usable %d platform %s", it.CPUUnits(), it.UsableMemoryMiB(), it.Platform())
	}
}

func TestFargateMemories(t *testing.T) {
	if got := FargateMemories(256); !slices.Equal(got, []int{512, 1024, 2048}) {
		t.Errorf("256: %v", got)
	}
	if got := FargateMemories(8192); got[0] != 16384 || got[len(got)-1] != 61440 || got[1]-got[0] != 4096 {
		t.Errorf("8192: %v", got)
	}
	if got := FargateMemories(16384); got[0] != 32768 || got[len(got)-1] != 122880 || got[1]-got[0] != 8192 {
		t.Errorf("16384: %v", got)
	}
	if FargateMemories(300) != nil {
		t.Error("300: want nil")
	}
}

func TestCheckMatcher(t *testing.T) {
	for m, ok := range map[string]bool{"200": true, "200,204": true, "200-299": true, "100": false, "200-500": false, "299-200": false} {
		if got := checkMatcher(m) == ""; got != ok {
			t.Errorf("checkMatcher(%q) ok = %v, want %v", m, got, ok)
		}
	}
}

func TestDefaultStatistic(t *testing.T) {
	for metric, want := range map[string]string{
		"CPUUtilization": "Average", "RequestCount": "Sum", "HTTPCode_Target_4XX_Count": "Sum",
		"TargetResponseTime": "Average", "HealthyHostCount": "Average",
	} {
		if got := DefaultStatistic(metric); got != want {
			t.Errorf("%s: %s, want %s", metric, got, want)
		}
	}
}

// TestDeployProgress: the progress rule at small task counts.
func TestDeployProgress(t *testing.T) {
	for _, tc := range []struct {
		min, minHealthy, maxPct int
		wantErr                 bool
	}{
		{1, 100, 200, false},
		{1, 100, 150, true}, // 1 task: 1.5 → 1 allowed, none may stop
		{2, 100, 150, false},
		{1, 0, 100, false}, // may stop the only task
		{3, 50, 100, false},
	} {
		got := loadConfigDiags(t, map[string]string{
			"env.cue": loadTestEnv + "clusters: apps: {}\n",
			"app.cue": "package acme\n\nservices: s: {cluster: \"apps\", image: \"r/s:1\", scale: min: " + threeDigits(tc.min) +
				", deploy: {minHealthyPercent: " + threeDigits(tc.minHealthy) + ", maxPercent: " + threeDigits(tc.maxPct) + "}}\n",
		})
		if (got != "") != tc.wantErr {
			t.Errorf("%+v: diagnostics %q", tc, got)
		}
	}
}

func threeDigits(i int) string { return strconv.Itoa(i) }
