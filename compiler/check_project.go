package compiler

import (
	"github.com/gantry-gitops/gantry/config"
)

// checkProject runs the Go checks on the decoded configuration of every
// environment: the rules that relate several fields or need AWS knowledge
// beyond the schema's types and ranges. Each check reports at the user's
// position of the value it is about; the same problem in several
// environments is merged into one diagnostic naming them.
func (c *checker) checkProject(p *config.Project) {
	c.checkSharedAccounts(p)
	for _, e := range p.Environments {
		c.checkRegion(e)
	}
	// Environments are checked in parallel: from here on the checks only
	// read the checker's state, and report through the loader's lock.
	parallel(len(p.Environments), func(i int) {
		e := p.Environments[i]
		c.checkEnvironment(e)
		for _, cl := range e.Clusters {
			if !c.isBroken(e.Name, "clusters", cl.Name) {
				c.checkCluster(e, cl)
				c.checkClusterCapacity(e, cl)
			}
		}
		for _, lb := range e.LoadBalancers {
			if !c.isBroken(e.Name, "loadBalancers", lb.Name) {
				c.checkLoadBalancer(e, lb)
			}
		}
		for _, s := range e.Services {
			if !c.isBroken(e.Name, "services", s.Name) {
				c.checkService(e, s)
			}
		}
		c.checkRouting(e)
	})
}

// svcInputsOK is inputsOK for fields of a service; it builds their paths
// only when some value is in error.
func (c *checker) svcInputsOK(env, svc string, fields ...string) bool {
	if len(c.failed) == 0 {
		return true
	}
	for _, f := range fields {
		if !c.inputsOK(env, svcPath(svc, f)) {
			return false
		}
	}
	return true
}

// svcPath is the logical path of a field of a service.
func svcPath(name string, rest ...string) []string {
	return append([]string{"services", name}, rest...)
}

// errorf reports an error about the value at a logical path, unless that
// value or a part of it is already in error (the finding would repeat it).
func (c *checker) errorf(env string, path []string, msg string) {
	if c.findingOK(env, path) {
		c.errorAt(c.pos(env, path...), env, path, msg)
	}
}

// warnf reports a warning about the value at a logical path, unless that
// value or a part of it is in error.
func (c *checker) warnf(env string, path []string, msg string) {
	if c.findingOK(env, path) {
		c.warnAt(c.pos(env, path...), env, path, msg)
	}
}
