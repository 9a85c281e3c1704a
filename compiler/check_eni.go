package compiler

import (
	"fmt"
	"math"

	"github.com/gantry-gitops/gantry/config"
)

// checkClusterCapacity checks that an EC2 cluster's instances can hold the
// tasks of all its services together. checkCapacityFit only checks that
// one task fits one instance; here the tasks are counted per cluster.
//
// Each awsvpc task takes a network interface, so an instance runs at most
// MaxENIs-1 of them whatever its CPU and memory (more with the ECS account
// setting awsvpcTrunking, which gantry cannot see). Tasks are whole: an
// instance holds floor(its capacity / the task's size) of a service's
// tasks. From these, a lower bound of the instances a set of tasks needs
// is compared with maxInstances:
//
//   - error: the tasks the services always run (scale.min, the desired
//     count of every deployment) cannot be placed even with trunking: the
//     deployment would never finish;
//   - warning: the tasks at full scale (scale.max), plus the new tasks a
//     rolling deployment starts beside the old ones (maxPercent), cannot be
//     placed without trunking: autoscaling stops short and new tasks wait
//     in PROVISIONING. scale.max is a ceiling, not what runs, so this is
//     not an error.
//
// A fleet of several types (or with weights) is checked as if it were
// made of one type only, each type in turn from the smallest: Auto Scaling
// may launch any mix of them, so the tasks must fit a fleet of the
// smallest. With weights, maxInstances counts units, and a fleet of one
// type reaches floor(maxInstances / its weight) instances.
//
// One finding per cluster and environment, at the instance type.
func (c *checker) checkClusterCapacity(e *config.Environment, cl *config.Cluster) {
	env := e.Name
	ec2 := cl.Capacity.EC2
	if ec2 == nil || !c.inputsOK(env, []string{"clusters", cl.Name, "capacity"}) {
		return
	}
	types, ok := fleetInstanceTypes(ec2)
	if !ok || ec2.MinInstances > ec2.MaxInstances {
		return // reported by checkCluster
	}
	var tasks []clusterTask
	for _, s := range e.Services {
		if s.Cluster != cl.Name {
			continue
		}
		if c.isBroken(env, "services", s.Name) || !c.svcInputsOK(env, s.Name, "cpu", "memory", "scale", "deploy", "cluster") {
			return // the counts would be wrong; the error is reported already
		}
		for _, it := range types {
			if s.CPU > it.CPUUnits() || s.Memory > it.UsableMemoryMiB() || s.Scale.Min > s.Scale.Max {
				return // reported on the service
			}
		}
		surge := max(0, s.Scale.Max*s.Deploy.MaxPercent/100-s.Scale.Max)
		tasks = append(tasks, clusterTask{s, s.Scale.Min, s.Scale.Max, surge})
	}
	if len(tasks) == 0 {
		return
	}
	for _, it := range types {
		at := fleetTypePath(cl.Name, ec2, fleetTypeIndex(ec2, it.Name))
		limit := fleetLimit{n: ec2.MaxInstances / ec2.Weight(it.Name), max: ec2.MaxInstances, weight: ec2.Weight(it.Name)}
		if sev, msg := capacityFinding(cl, tasks, it, limit); msg != "" {
			if sev == SeverityError {
				c.errorf(env, at, msg)
			} else {
				c.warnf(env, at, msg)
			}
			return
		}
	}
}

// fleetLimit is how many instances of one type the group reaches at
// maxInstances: n, which is max unless the type has a weight.
type fleetLimit struct {
	n, max, weight int
}

// String says what limits the instances: "maxInstances is 6", or with a
// weight "maxInstances is 12 units, 6 instances of weight 2".
func (f fleetLimit) String() string {
	if f.weight == 1 {
		return fmt.Sprintf("maxInstances is %d", f.max)
	}
	return fmt.Sprintf("maxInstances is %d units, %s of weight %d", f.max, plural(f.n, "instance"), f.weight)
}

// capacityFinding is the finding about the tasks on a fleet of instances
// of type it only, up to limit.n of them: an error when the tasks the
// services always run cannot be placed, a warning when full scale or a
// deployment at full scale cannot be; "" when they fit.
func capacityFinding(cl *config.Cluster, tasks []clusterTask, it InstanceType, limit fleetLimit) (Severity, string) {
	n := limit.n
	plain := instanceCapacity{it, it.AWSVPCTasks()}
	best := plain
	switch it.Trunking {
	case TrunkingSupported:
		best.perInstance = it.TrunkTasks
	case TrunkingUnknown:
		best.perInstance = math.MaxInt // no verified limit: never the reason for an error
	}

	minCount := func(t clusterTask) int { return t.min }
	if need, why := best.need(tasks, minCount); need > n {
		return SeverityError, fmt.Sprintf("the services on cluster %s always run %s (scale.min), which need at least %d %s instances, but %s: %s; deployments would never finish. Choose a larger instance type or raise maxInstances",
			cl.Name, plural(sum(tasks, minCount), "task"), need, it.Name, limit, why)
	}

	fullCount := func(t clusterTask) int { return t.max }
	deployCount := func(t clusterTask) int { return t.max + t.surge }
	full, fullWhy := plain.need(tasks, fullCount)
	deploy, deployWhy := plain.need(tasks, deployCount)
	if deploy <= n {
		return SeverityWarning, ""
	}
	advice := "choose a larger instance type or raise maxInstances"
	if bestDeploy, _ := best.need(tasks, deployCount); best.perInstance > plain.perInstance && bestDeploy <= n && it.Trunking == TrunkingSupported {
		advice = fmt.Sprintf("enable the ECS account setting awsvpcTrunking (a %s then runs %d awsvpc tasks; gantry cannot see account settings), choose a larger instance type or raise maxInstances",
			it.Name, it.TrunkTasks)
	}
	if full > n {
		return SeverityWarning, fmt.Sprintf("at full scale the services on cluster %s run %s (scale.max), %d while they deploy (maxPercent), which need at least %d %s instances (%d while deploying), but %s: %s; autoscaling stops short and the extra tasks wait in PROVISIONING. To reach scale.max, %s",
			cl.Name, plural(sum(tasks, fullCount), "task"), sum(tasks, deployCount), full, it.Name, deploy, limit, fullWhy, advice)
	}
	return SeverityWarning, fmt.Sprintf("a deployment at full scale runs up to %d tasks on cluster %s (%d at scale.max and the new ones maxPercent allows), which need at least %d %s instances, but %s: %s; new tasks wait in PROVISIONING until old ones stop. To deploy at full speed, %s",
		sum(tasks, deployCount), cl.Name, sum(tasks, fullCount), deploy, it.Name, limit, deployWhy, advice)
}

// clusterTask is one service's task counts on its cluster.
type clusterTask struct {
	s        *config.Service
	min, max int
	surge    int // extra tasks a deployment at scale.max may start (maxPercent)
}

// instanceCapacity is what one instance holds: its CPU and usable memory,
// and perInstance awsvpc tasks (network interfaces).
type instanceCapacity struct {
	it          InstanceType
	perInstance int
}

// need returns a lower bound of the instances the tasks need, and why:
// the largest of the bounds by network interfaces, total CPU, total
// memory and, per service, whole tasks per instance. Each bound alone is
// necessary, so when it exceeds maxInstances the tasks cannot be placed
// however ECS spreads them.
func (ic instanceCapacity) need(tasks []clusterTask, count func(clusterTask) int) (int, string) {
	it := ic.it
	total, cpu, mem := 0, 0, 0
	for _, t := range tasks {
		k := count(t)
		total += k
		cpu += k * t.s.CPU
		mem += k * t.s.Memory
	}
	need, why := ceilDiv(total, ic.perInstance), fmt.Sprintf("without ENI trunking an instance runs %d awsvpc tasks (%d network interfaces, one of them the instance's own)", ic.perInstance, it.MaxENIs)
	if ic.perInstance != it.AWSVPCTasks() {
		why = fmt.Sprintf("with ENI trunking an instance runs at most %d awsvpc tasks", ic.perInstance)
	}
	if it.Trunking == TrunkingUnsupported && ic.perInstance == it.AWSVPCTasks() {
		why += fmt.Sprintf(", and %s does not support ENI trunking", it.Name)
	}
	if k := ceilDiv(cpu, it.CPUUnits()); k > need {
		need, why = k, fmt.Sprintf("the tasks reserve %d CPU units, and an instance has %d", cpu, it.CPUUnits())
	}
	if k := ceilDiv(mem, it.UsableMemoryMiB()); k > need {
		need, why = k, fmt.Sprintf("the tasks reserve %d MiB, and an instance has %d usable", mem, it.UsableMemoryMiB())
	}
	for _, t := range tasks {
		byCPU, byMem := it.CPUUnits()/t.s.CPU, it.UsableMemoryMiB()/t.s.Memory
		per := min(byCPU, byMem, ic.perInstance)
		if k := ceilDiv(count(t), per); k > need {
			need = k
			if byMem <= byCPU {
				why = fmt.Sprintf("an instance holds %s of service %s (memory %d MiB each, %d usable)", plural(per, "task"), t.s.Name, t.s.Memory, it.UsableMemoryMiB())
			} else {
				why = fmt.Sprintf("an instance holds %s of service %s (cpu %d each, %d units)", plural(per, "task"), t.s.Name, t.s.CPU, it.CPUUnits())
			}
		}
	}
	return need, why
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	if b == math.MaxInt {
		return 1
	}
	return (a + b - 1) / b
}

func sum(tasks []clusterTask, count func(clusterTask) int) int {
	n := 0
	for _, t := range tasks {
		n += count(t)
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
