package compiler

import (
	"fmt"
	"strings"

	"github.com/gantry-gitops/gantry/config"
)

// checkCluster checks a cluster's capacity: Fargate and EC2 are exclusive,
// only one provider may have a base, some provider must take tasks, and an
// EC2 cluster's fleet must be one AWS can run (checkFleet).
func (c *checker) checkCluster(e *config.Environment, cl *config.Cluster) {
	path := func(rest ...string) []string { return append([]string{"clusters", cl.Name}, rest...) }
	cp := cl.Capacity
	if cp.EC2 != nil && (cp.Fargate != nil || cp.FargateSpot != nil) {
		c.errorf(e.Name, path("capacity", "ec2"),
			"a cluster's capacity is either Fargate (fargate, fargateSpot) or EC2 (ec2), not both: a service's capacity provider strategy cannot mix them")
	}
	var withBase []string
	weight := 0
	for _, p := range []struct {
		name string
		s    *config.Strategy
	}{{"fargate", cp.Fargate}, {"fargateSpot", cp.FargateSpot}} {
		if p.s == nil {
			continue
		}
		if p.s.Base > 0 {
			withBase = append(withBase, p.name)
		}
		weight += p.s.Weight
	}
	if len(withBase) > 1 {
		c.errorf(e.Name, path("capacity", withBase[1], "base"),
			fmt.Sprintf("only one capacity provider may have a base greater than 0 (%s both do)", strings.Join(withBase, " and ")))
	}
	if cp.EC2 == nil && (cp.Fargate != nil || cp.FargateSpot != nil) && weight == 0 {
		c.errorf(e.Name, path("capacity"), "every capacity provider has weight 0: no task beyond the base would be placed; give one a weight of at least 1")
	}
	if cp.EC2 == nil {
		return
	}
	ec2 := cp.EC2
	if ec2.MinInstances > ec2.MaxInstances && c.findingOK(e.Name, path("capacity", "ec2")) {
		c.errorf(e.Name, path("capacity", "ec2", "minInstances"),
			fmt.Sprintf("minInstances %d is greater than maxInstances %d", ec2.MinInstances, ec2.MaxInstances))
	}
	c.checkFleet(e, cl)
}

func instanceTypeNames() []string { return sortedKeys(instanceTypes) }
