package compiler

import (
	"fmt"
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
// check that tasks fit and to pick the ECS-optimised AMI.
type InstanceType struct {
	Name      string // e.g. "c7g.large"
	VCPU      int
	MemoryMiB int    // nominal memory
	Arch      string // ArchX86_64 or ArchARM64 (Graviton "g" instFamilies)
	// MaxENIs is EC2's "maximum network interfaces" of the type. Every
	// awsvpc task takes one and the instance's primary interface one, so
	// without ENI trunking an instance runs MaxENIs-1 awsvpc tasks.
	MaxENIs int
	// TrunkTasks is the awsvpc task limit with the ECS account setting
	// awsvpcTrunking, from the ECS documentation's table of supported
	// instance types; 0 when the type does not support trunking or gantry
	// has no verified number (see Trunking).
	TrunkTasks int
	// Trunking says whether TrunkTasks is known.
	Trunking Trunking
}

// Trunking is what gantry knows about an instance type's ENI trunking.
type Trunking int

const (
	// TrunkingUnknown: no verified task limit with awsvpcTrunking (newer
	// families the ECS table gantry checked does not list).
	TrunkingUnknown Trunking = iota
	// TrunkingSupported: TrunkTasks is the documented limit.
	TrunkingSupported
	// TrunkingUnsupported: ECS does not raise the limit for this type.
	TrunkingUnsupported
)

// AWSVPCTasks is the number of awsvpc tasks an instance runs without ENI
// trunking: one network interface per task, less the instance's own.
func (t InstanceType) AWSVPCTasks() int { return t.MaxENIs - 1 }

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
	return sortedKeys(seen)
}

// instFamily describes the sizes of one instance instFamily.
type instFamily struct {
	names      []string
	gibPerVCPU int
	sizes      string // space-separated size names
	arch       string
	trunk      map[string]int // awsvpc tasks with trunking per size; nil: unknown
}

// Network interfaces per size of the c, m and r families in the table
// (EC2 "maximum network interfaces", the same for every one of these
// families; checked against the ECS documentation's task limits without
// trunking and DescribeInstanceTypes data for the 7th generation x86 and
// the 8th generation Graviton families).
var eniBySize = map[string]int{
	"medium": 2, "large": 3, "xlarge": 4, "2xlarge": 4,
	"4xlarge": 8, "8xlarge": 8, "9xlarge": 8, "12xlarge": 8,
	"16xlarge": 15, "18xlarge": 15, "24xlarge": 15, "32xlarge": 15, "48xlarge": 15,
}

// Task limits with awsvpcTrunking, from the ECS developer guide's
// "Supported Amazon EC2 instance types" for ENI trunking. trunk5 holds for
// the 5th generation and Graviton 6g/7g families, trunk6 for the 6th
// generation x86 families. The 7th generation x86 (c7a, c7i, m7a, m7i, r7a,
// r7i) and the 8th generation Graviton families (c8g, m8g, r8g) were not in
// the table gantry checked: their limit is unknown, not guessed.
var (
	trunk5 = map[string]int{
		"medium": 4, "large": 10, "xlarge": 20, "2xlarge": 40,
		"4xlarge": 60, "8xlarge": 60, "9xlarge": 60, "12xlarge": 60,
		"16xlarge": 120, "18xlarge": 120, "24xlarge": 120,
	}
	trunk6 = map[string]int{
		"large": 10, "xlarge": 20, "2xlarge": 40, "4xlarge": 60, "8xlarge": 90,
		"12xlarge": 120, "16xlarge": 120, "24xlarge": 120, "32xlarge": 120, "48xlarge": 120,
	}
	// noTrunk lists the types the ECS documentation excludes from trunking
	// although their family supports it.
	noTrunk = map[string]bool{"c5a.8xlarge": true, "r5.8xlarge": true}
)

var instFamilies = []instFamily{
	{[]string{"c5"}, 2, "large xlarge 2xlarge 4xlarge 9xlarge 12xlarge 18xlarge 24xlarge", ArchX86_64, trunk5},
	{[]string{"c5a"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64, trunk5},
	{[]string{"m5", "m5a"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64, trunk5},
	{[]string{"r5", "r5a"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge", ArchX86_64, trunk5},
	{[]string{"c6i"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64, trunk6},
	{[]string{"m6i"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64, trunk6},
	{[]string{"r6i"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge", ArchX86_64, trunk6},
	{[]string{"c6a"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, trunk6},
	{[]string{"m6a"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, trunk6},
	{[]string{"r6a"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, trunk6},
	{[]string{"c7i"}, 2, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"m7i"}, 4, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"r7i"}, 8, "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"c7a"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"m7a"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"r7a"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge 48xlarge", ArchX86_64, nil},
	{[]string{"c6g", "c7g"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64, trunk5},
	{[]string{"m6g", "m7g"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64, trunk5},
	{[]string{"r6g", "r7g"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge", ArchARM64, trunk5},
	{[]string{"c8g"}, 2, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64, nil},
	{[]string{"m8g"}, 4, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64, nil},
	{[]string{"r8g"}, 8, "medium large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge", ArchARM64, nil},
}

// burstableSizes sizes: vCPU and GiB (nano is 0.5 GiB, written in MiB
// below) and network interfaces (t3a.small has 2, where t3.small and
// t4g.small have 3). Burstable types do not support ENI trunking.
var burstableSizes = []struct {
	size      string
	vcpu      int
	memoryMiB int
	enis      int
}{
	{"nano", 2, 512, 2}, {"micro", 2, 1024, 2}, {"small", 2, 2048, 3}, {"medium", 2, 4096, 3},
	{"large", 2, 8192, 3}, {"xlarge", 4, 16384, 4}, {"2xlarge", 8, 32768, 4},
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
				t := InstanceType{Name: name + "." + size, VCPU: v, MemoryMiB: v * f.gibPerVCPU * 1024, Arch: f.arch, MaxENIs: eniBySize[size]}
				if t.MaxENIs == 0 {
					panic(fmt.Sprintf("instance table: no network interface count for %s", t.Name))
				}
				switch n, ok := f.trunk[size]; {
				case noTrunk[t.Name]:
					t.Trunking = TrunkingUnsupported
				case ok:
					t.TrunkTasks, t.Trunking = n, TrunkingSupported
				}
				m[t.Name] = t
			}
		}
	}
	for _, fam := range []struct {
		name string
		arch string
	}{{"t3", ArchX86_64}, {"t3a", ArchX86_64}, {"t4g", ArchARM64}} {
		for _, s := range burstableSizes {
			t := InstanceType{Name: fam.name + "." + s.size, VCPU: s.vcpu, MemoryMiB: s.memoryMiB, Arch: fam.arch,
				MaxENIs: s.enis, Trunking: TrunkingUnsupported}
			if t.Name == "t3a.small" {
				t.MaxENIs = 2
			}
			m[t.Name] = t
		}
	}
	return m
}
