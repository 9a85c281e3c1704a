package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/config"
)

// checkFleet checks what an EC2 fleet is made of: one of instanceType and
// instanceTypes, every type known and listed once, one CPU architecture
// across the mix (one AMI serves every instance), weights only for listed
// types, and an on-demand base the group can reach.
func (c *checker) checkFleet(e *config.Environment, cl *config.Cluster) {
	ec2 := cl.Capacity.EC2
	env := e.Name
	p := func(rest ...string) []string { return ec2Path(cl.Name, rest...) }
	if !c.fleetTypesWritten(e, cl) {
		return
	}
	seen := map[string]int{}
	for i, t := range ec2.Types() {
		at := fleetTypePath(cl.Name, ec2, i)
		if first, dup := seen[t]; dup {
			c.errorf(env, at, fmt.Sprintf("instance type %q is listed twice in instanceTypes (entries %d and %d); list each type once", t, first+1, i+1))
			continue
		}
		seen[t] = i
		c.checkInstanceTypeKnown(env, at, t)
	}
	c.checkFleetArch(env, cl)
	for _, t := range sortedKeys(ec2.Weights) {
		if _, ok := seen[t]; !ok {
			c.errorf(env, p("weights", t), fmt.Sprintf("weight for instance type %q, which is not one of the fleet's (%s)",
				t, strings.Join(ec2.Types(), ", ")))
		}
	}
	if sp := ec2.Spot; sp != nil && sp.OnDemandBase > ec2.MaxInstances && c.inputsOK(env, p("maxInstances")) {
		c.errorf(env, p("spot", "onDemandBase"), fmt.Sprintf("onDemandBase %d is more than maxInstances %d: the group never grows to its on-demand base",
			sp.OnDemandBase, ec2.MaxInstances))
	}
}

// fleetTypesWritten reports an ec2 block with both or neither of
// instanceType and instanceTypes, or an empty list, and whether the list of
// types is there to check further.
func (c *checker) fleetTypesWritten(e *config.Environment, cl *config.Cluster) bool {
	ec2 := cl.Capacity.EC2
	env := e.Name
	p := func(rest ...string) []string { return ec2Path(cl.Name, rest...) }
	if !c.inputsOK(env, p("instanceType"), p("instanceTypes")) {
		return false // the schema's error is reported
	}
	one, many := ec2.InstanceType != "", c.written(env, p("instanceTypes"))
	switch {
	case one && many:
		c.errorf(env, p("instanceTypes"), "write instanceType (one type) or instanceTypes (a mix), not both")
		return false
	case !one && !many:
		c.errorf(env, p(), `an EC2 fleet needs its instance types: instanceType: "c7g.large", or a mix in instanceTypes: ["c7g.large", "m7g.large"]`)
		return false
	case many && len(ec2.InstanceTypes) == 0:
		c.errorf(env, p("instanceTypes"), "instanceTypes lists no instance type; give at least one")
		return false
	}
	return true
}

// written reports whether the environment's effective configuration has
// a value at the path of one of its clusters, services or load balancers.
func (c *checker) written(env string, path []string) bool {
	return c.eff[env].path(path...) != nil
}

// checkInstanceTypeKnown reports a type missing from gantry's table, with
// the closest known name.
func (c *checker) checkInstanceTypeKnown(env string, at []string, t string) {
	if _, ok := LookupInstanceType(t); ok || t == "" {
		return
	}
	msg := fmt.Sprintf("unknown instance type %q: gantry knows the families %s (all sizes but .metal)",
		t, strings.Join(InstanceFamilies(), ", "))
	if s := suggest(t, instanceTypeNames()); s != "" {
		msg = fmt.Sprintf("unknown instance type %q; did you mean %q? (gantry knows the families %s)",
			t, s, strings.Join(InstanceFamilies(), ", "))
	}
	c.errorf(env, at, msg)
}

// checkFleetArch reports every type of a mix whose architecture is not the
// fleet's: the architecture most of its types have (the first type's on a
// tie), so the error lands on the odd type out.
func (c *checker) checkFleetArch(env string, cl *config.Cluster) {
	ec2 := cl.Capacity.EC2
	arch, ref := fleetArch(ec2.Types())
	if ref == "" {
		return
	}
	for i, t := range ec2.Types() {
		it, ok := LookupInstanceType(t)
		if !ok || it.Arch == arch {
			continue
		}
		c.errorf(env, fleetTypePath(cl.Name, ec2, i), fmt.Sprintf(
			"instanceTypes mixes %s and %s: %s is %s, %s is %s; one AMI serves the whole fleet, so its types must share one CPU architecture",
			arch, it.Arch, ref, arch, t, it.Arch))
	}
}

// fleetArch returns the architecture most of the known types have (the
// first type's on a tie) and the first type of that architecture; "" when
// no type is known.
func fleetArch(types []string) (arch, ref string) {
	count := map[string]int{}
	var order []string
	first := map[string]string{}
	for _, t := range types {
		it, ok := LookupInstanceType(t)
		if !ok {
			continue
		}
		if count[it.Arch] == 0 {
			order = append(order, it.Arch)
			first[it.Arch] = t
		}
		count[it.Arch]++
	}
	for _, a := range order {
		if arch == "" || count[a] > count[arch] {
			arch = a
		}
	}
	return arch, first[arch]
}

// fleetInstanceTypes returns the fleet's types from gantry's table,
// smallest first (CPU, then memory, then network interfaces), and false
// when a type is unknown or the mix spans architectures (both reported on
// the cluster).
func fleetInstanceTypes(ec2 *config.EC2) ([]InstanceType, bool) {
	var out []InstanceType
	for _, t := range ec2.Types() {
		it, ok := LookupInstanceType(t)
		if !ok || (len(out) > 0 && it.Arch != out[0].Arch) {
			return nil, false
		}
		if !slices.ContainsFunc(out, func(x InstanceType) bool { return x.Name == it.Name }) {
			out = append(out, it)
		}
	}
	slices.SortStableFunc(out, func(a, b InstanceType) int {
		if d := a.CPUUnits() - b.CPUUnits(); d != 0 {
			return d
		}
		if d := a.UsableMemoryMiB() - b.UsableMemoryMiB(); d != 0 {
			return d
		}
		return a.MaxENIs - b.MaxENIs
	})
	return out, len(out) > 0
}

// ec2Path is the logical path of a field of a cluster's ec2 block.
func ec2Path(cluster string, rest ...string) []string {
	return append([]string{"clusters", cluster, "capacity", "ec2"}, rest...)
}

// fleetTypePath is where the i-th type of the fleet was written:
// instanceType, or its entry in instanceTypes.
func fleetTypePath(cluster string, ec2 *config.EC2, i int) []string {
	if ec2.InstanceType != "" && len(ec2.InstanceTypes) <= 1 {
		return ec2Path(cluster, "instanceType")
	}
	return ec2Path(cluster, "instanceTypes", strconv.Itoa(i))
}

// fleetTypeIndex is the position of type t in the fleet's list.
func fleetTypeIndex(ec2 *config.EC2, t string) int {
	return slices.Index(ec2.Types(), t)
}

// checkFleetFit checks that a task of service s fits every instance type
// of its cluster's fleet, since Auto Scaling may launch any of them: its
// CPU against the type with the least CPU, its memory against the type
// with the least usable memory, and its platform against the fleet's
// architecture.
func (c *checker) checkFleetFit(env string, cl *config.Cluster, s *config.Service) {
	p := func(rest ...string) []string { return svcPath(s.Name, rest...) }
	types, ok := fleetInstanceTypes(cl.Capacity.EC2)
	if !ok {
		return // reported on the cluster
	}
	leastCPU := slices.MinFunc(types, func(a, b InstanceType) int { return a.CPUUnits() - b.CPUUnits() })
	leastMem := slices.MinFunc(types, func(a, b InstanceType) int { return a.UsableMemoryMiB() - b.UsableMemoryMiB() })
	// A single type reads as before; a mix says which of its types is
	// the tight one, and why that one counts.
	on := func(it InstanceType, size string) string {
		if len(types) == 1 {
			return fmt.Sprintf("cluster %s's %s instances (%s)", cl.Name, it.Name, size)
		}
		return fmt.Sprintf("cluster %s's %s instances (%s), the smallest of its mix: Auto Scaling may launch any of its types", cl.Name, it.Name, size)
	}
	if s.CPU > leastCPU.CPUUnits() {
		c.errorf(env, p("cpu"), fmt.Sprintf("cpu %d does not fit on %s", s.CPU,
			on(leastCPU, fmt.Sprintf("%d vCPU = %d units", leastCPU.VCPU, leastCPU.CPUUnits()))))
	}
	if s.Memory > leastMem.UsableMemoryMiB() {
		c.errorf(env, p("memory"), fmt.Sprintf("memory %d MiB does not fit on %s", s.Memory,
			on(leastMem, fmt.Sprintf("%d MiB, of which gantry counts %d as usable by tasks", leastMem.MemoryMiB, leastMem.UsableMemoryMiB()))))
	}
	if it := types[0]; s.Platform != "" && s.Platform != it.Platform() {
		what, other := it.Name, "an instance type"
		if len(types) > 1 {
			what, other = strings.Join(cl.Capacity.EC2.Types(), ", "), "instance types"
		}
		c.errorf(env, p("platform"), fmt.Sprintf("platform %s cannot run on cluster %s's %s instances (%s); use %s or %s of the other architecture",
			s.Platform, cl.Name, what, it.Arch, it.Platform(), other))
	}
}
