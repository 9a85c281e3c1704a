package compiler

import (
	"fmt"
	"slices"

	"github.com/gantry-gitops/gantry/config"
)

// AWS limits that the schema's types cannot express, checked at validate
// time so that apply never fails half-way on them. Each cites where AWS
// states it; docs/validate.md lists them.
const (
	// Amazon ECS service quotas, "Task definition max size": 64 KiB, not
	// adjustable. RegisterTaskDefinition rejects a larger request
	// (ClientException: "Actual length: ... Max allowed length is 65536
	// bytes").
	maxTaskDefinitionBytes = 64 << 10
	// Amazon ECS service quotas, "Containers per task definition": 10,
	// not adjustable.
	maxContainersPerTask = 10
	// Elastic Load Balancing quotas for Application Load Balancers,
	// "Load balancers per Region": 50 (adjustable, hence a warning).
	maxLoadBalancersPerRegion = 50
	// Amazon ECR CreateRepository, repositoryName: 2 to 256 characters.
	minRepositoryName = 2
)

// checkTaskDefinitionSize estimates the size of the task definition
// gantry registers for s (its JSON, as RegisterTaskDefinition receives
// it) and reports one over ECS's 64 KiB at its largest part: a large
// environment variable, or the service.
func (c *checker) checkTaskDefinitionSize(e *config.Environment, s *config.Service) {
	// The fixed parts: family, the two role ARNs, network mode, sizes,
	// runtime platform, and per container its name, log configuration,
	// port mappings and health check settings. Generous, so that the
	// estimate is never far below the real size.
	total := 1024
	for k, v := range e.Tags {
		total += jsonLen(k) + jsonLen(v) + 20
	}
	total += len(ownershipTags) * 80
	// The largest environment variable: the container's path (main
	// container: nil), its name and size.
	var bigBase []string
	bigName, bigBytes := "", 0
	container := func(base []string, image string, env map[string]config.EnvVar, secrets map[string]config.Secret, cmds ...[]string) {
		total += 512 + jsonLen(image)
		for k, v := range env {
			n := jsonLen(k) + jsonLen(v.Value) + len(`{"name":,"value":},`)
			total += n
			if n > bigBytes || n == bigBytes && k < bigName {
				bigBase, bigName, bigBytes = base, k, n
			}
		}
		for k, sec := range secrets {
			// An SSM parameter name becomes an ARN of about 60 more
			// characters.
			total += jsonLen(k) + jsonLen(sec.SSM) + jsonLen(sec.SecretsManager) + 60 + len(`{"name":,"valueFrom":},`)
		}
		for _, cmd := range cmds {
			for _, a := range cmd {
				total += jsonLen(a) + 1
			}
		}
	}
	var hc []string
	if s.HealthCheck != nil {
		hc = s.HealthCheck.Command
	}
	container(nil, s.Image, s.Env, s.Secrets, s.Command, s.EntryPoint, hc)
	for _, sc := range s.Sidecars {
		container([]string{"sidecars", sc.Name}, sc.Image, sc.Env, sc.Secrets)
	}
	if total <= maxTaskDefinitionBytes {
		return
	}
	path := svcPath(s.Name)
	what := ""
	if bigBytes > 0 && bigBytes*4 >= total {
		path = svcPath(s.Name, append(slices.Clone(bigBase), "env", bigName)...)
		what = fmt.Sprintf("; this variable alone takes %s", sizeString(bigBytes))
	}
	c.errorf(e.Name, path, fmt.Sprintf(
		"the task definition would be about %s: ECS accepts at most 64 KiB (the task definition size quota)%s; keep large values out of the task definition (in S3, or a secret in secrets:)",
		sizeString(total), what))
}

// checkContainerCount checks the number of containers in s's task: the
// main container and its sidecars.
func (c *checker) checkContainerCount(env string, s *config.Service) {
	if n := 1 + len(s.Sidecars); n > maxContainersPerTask {
		c.errorf(env, svcPath(s.Name, "sidecars"), fmt.Sprintf(
			"%d sidecars make %d containers in the task: ECS allows %d per task definition", len(s.Sidecars), n, maxContainersPerTask))
	}
}

// checkLoadBalancerCount warns when an environment has more load
// balancers than a region allows by default.
func (c *checker) checkLoadBalancerCount(e *config.Environment) {
	if n := len(e.LoadBalancers); n > maxLoadBalancersPerRegion {
		c.warnf(e.Name, []string{"loadBalancers"}, fmt.Sprintf(
			"%d load balancers in %s: AWS allows %d Application Load Balancers per region unless the quota is raised", n, e.Region, maxLoadBalancersPerRegion))
	}
}

// jsonLen is the length of s as a JSON string, quotes included.
func jsonLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == '"' || b == '\\':
			n++
		case b < 0x20:
			n += 5
		}
	}
	return n
}

// sizeString writes a size in bytes as people read it.
func sizeString(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%d bytes", n)
}
