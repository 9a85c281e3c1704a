package compiler

import (
	"fmt"
	"regexp"
)

var (
	envNameRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,11}$`)
	entityNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,27}$`)
)

// checkNames checks the names users choose as map keys (environments,
// clusters, load balancers, services, repositories) at the key's line.
// CUE cannot constrain labels with a readable message, so these are Go
// checks with the schema's patterns.
func (c *checker) checkNames() {
	for _, e := range c.envNames {
		if !envNameRE.MatchString(e) {
			c.errorAt(c.keyPos("", "environments", e), "", []string{"environments", e},
				fmt.Sprintf("environment name %q is invalid: want 1-12 characters: lowercase letters, digits and '-', starting with a letter", e))
		}
	}
	for _, kind := range []string{"clusters", "loadBalancers", "services", "repositories"} {
		for _, n := range sortedKeys(c.top[kind]) {
			if !entityNameRE.MatchString(n) {
				c.errorAt(c.keyPos("", kind, n), "", []string{kind, n},
					fmt.Sprintf("%s name %q is invalid: want 1-28 characters: lowercase letters, digits and '-', starting with a letter", kindNoun(kind), n))
			} else if kind == "repositories" && len(n) < minRepositoryName {
				// ECR CreateRepository: repositoryName has 2 to 256
				// characters.
				c.errorAt(c.keyPos("", kind, n), "", []string{kind, n},
					fmt.Sprintf("repository name %q is too short: ECR repository names have at least %d characters", n, minRepositoryName))
			}
		}
	}
}
