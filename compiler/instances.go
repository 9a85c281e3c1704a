package compiler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CPU architectures of EC2 instance types, as the ECS-optimised AMI names
// them.
const (
	ArchX86_64 = "x86_64"
	ArchARM64  = "arm64"
)

// InstanceType is what gantry knows about an EC2 instance type: enough to
// check that a task fits and to pick the ECS-optimised AMI.
type InstanceType struct {
	Name      string // e.g. "c7g.large"
	VCPU      int
	MemoryMiB int    // nominal memory
	Arch      string // ArchX86_64 or ArchARM64 (Graviton "g" instFamilies)
}

// CPUUnits is the CPU the ECS agent registers: 1024 units per vCPU.
func (t InstanceType) CPUUnits() int { return t.VCPU * 1024 }

// UsableMemoryMiB is the memory gantry assumes tasks can use on one
// instance: 90% of nominal. The ECS agent registers the memory the
// operating system reports, which is below nominal (the kernel, the agent
// and the OS keep a few hundred MiB); a task sized to the nominal memory
// would never be placed.
func (t InstanceType) UsableMemoryMiB() int { return t.MemoryMiB * 9 / 10 }

// Platform is the container platform the instance runs: "linux/amd64" or
// "linux/arm64".
func (t InstanceType) Platform() string {
	if t.Arch == ArchARM64 {
		return "linux/arm64"
	}
	return "linux/amd64"
}

// LookupInstanceType returns the instance type with the given name from
// gantry's table. The table covers these instFamilies, in every size except
// .metal:
//
//	compute (2 GiB per vCPU):  c5 c5a c6a c6i c7a c7i | Graviton c6g c7g c8g
//	general (4 GiB per vCPU):  m5 m5a m6a m6i m7a m7i | Graviton m6g m7g m8g
//	memory  (8 GiB per vCPU):  r5 r5a r6a r6i r7a r7i | Graviton r6g r7g r8g
//	burstableSizes:                 t3 t3a | Graviton t4g
//
// An instance type outside the table is reported as unknown by validation
// rather than guessed.
func LookupInstanceType(name string) (InstanceType, bool) {
	t, ok := instanceTypes[name]
	return t, ok
}

// InstanceFamilies lists the covered instFamilies, sorted.
func InstanceFamilies() []string {
	seen := map[string]bool{}
	for n := range instanceTypes {
		f, _, _ := strings.Cut(n, ".")
		seen[f] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// instFamily describes the sizes of one instance instFamily.
type instFamily struct {
	names      []string
	gibPerVCPU int
	sizes      string // space-separated size names
	arch       string
}

var instFamilies = []instFamily{
	{[]string{"c5"}, 2, "large xlarge 2xlarge 4xlarge 9xlarge 12xlarge 18xlarge 24xlarge", ArchX86_64},
	{[]string{"c5a"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64},
	{[]string{"m5", "m5a"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64},
	{[]string{"r5", "r5a"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64},
	{[]string{"c6i"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64},
	{[]string{"m6i"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64},
	{[]string{"r6i"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64},
	{[]string{"c6a"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"m6a"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"r6a"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"c7i"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64},
	{[]string{"m7i"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64},
	{[]string{"r7i"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64},
	{[]string{"c7a"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"m7a"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"r7a"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64},
	{[]string{"c6g", "c7g"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64},
	{[]string{"m6g", "m7g"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64},
	{[]string{"r6g", "r7g"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64},
	{[]string{"c8g"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64},
	{[]string{"m8g"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64},
	{[]string{"r8g"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64},
}

// burstableSizes sizes: vCPU and GiB (nano is 0.5 GiB, written in MiB below).
var burstableSizes = []struct {
	size      string
	vcpu      int
	memoryMiB int
}{
	{"nano", 2, 512}, {"micro", 2, 1024}, {"small", 2, 2048}, {"medium", 2, 4096},
	{"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768},
}

var instanceTypes = buildInstanceTypes()

// sizeVCPU is the vCPU count of a size name: medium 1, large 2, xlarge 4,
// Nxlarge 4N.
func sizeVCPU(size string) int {
	switch size {
	case "medium":
		return 1
	case "large":
		return 2
	case "xlarge":
		return 4
	}
	n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
	if err != nil {
		panic(fmt.Sprintf("instance table: bad size %q", size))
	}
	return 4 * n
}

func buildInstanceTypes() map[string]InstanceType {
	m := map[string]InstanceType{}
	for _, f := range instFamilies {
		for _, name := range f.names {
			for _, size := range strings.Fields(f.sizes) {
				v := sizeVCPU(size)
				t := InstanceType{Name: name + "." + size, VCPU: v, MemoryMiB: v * f.gibPerVCPU * 1024, Arch: f.arch}
				m[t.Name] = t
			}
		}
	}
	for _, fam := range []struct {
		name string
		arch string
	}{{"t3", ArchX86_64}, {"t3a", ArchX86_64}, {"t4g", ArchARM64}} {
		for _, s := range burstableSizes {
			t := InstanceType{Name: fam.name + "." + s.size, VCPU: s.vcpu, MemoryMiB: s.memoryMiB, Arch: fam.arch}
			m[t.Name] = t
		}
	}
	return m
}
