package compiler

import (
	"fmt"
	"strings"
)

// envIdentity are the fields that make an environment a place to deploy
// to: one AWS account, region and network. An environment-level entry
// that has none of them written, but refines services (or clusters, load
// balancers), is not an environment: it is a refinement under a
// misspelt environment name.
var envIdentity = []string{"account", "region", "network"}

// Misdirected refinements
//
// A refinement written under a name that does not exist (an environment
// "prd" for "prod", a service "wbe" for "web", a service "web" whose
// top-level definition is "Web", an invalid name) does not reach the value
// it was meant for. The misspelt name is the one error: the value it was
// meant for is marked misdirected in that environment, so that what the
// refinement would have given it (an image, a scale) is not reported as
// missing, and no Go check runs on it there (its findings would be about
// a value the user did not mean).

// checkEnvDefinitions reports environment entries that only refine
// (see envIdentity) and leaves them out of c.envNames: they are checked
// nowhere. A refinement under such a name, when the name is a likely
// misspelling of an environment, is misdirected in that environment.
func (c *checker) checkEnvDefinitions(envs *gnode) {
	var defined, undefined []string
	for _, e := range c.envNames {
		if c.envUndefined(e, envs.field(e)) {
			undefined = append(undefined, e)
		} else {
			defined = append(defined, e)
		}
	}
	if len(undefined) == 0 {
		return
	}
	c.envNames = defined
	for _, e := range undefined {
		c.undefinedEnv[e] = true
		en := envs.field(e)
		var missing []string
		for _, f := range envIdentity {
			if en.field(f) == nil {
				missing = append(missing, f)
			}
		}
		msg := fmt.Sprintf("environment %q is not defined: it refines %s but has no %s",
			e, joinWords(c.refinedKinds(e, en), "and"), joinWords(missing, "or"))
		sug := suggest(e, defined)
		switch {
		case sug != "":
			msg += fmt.Sprintf("; did you mean %q?", sug)
			for _, kind := range entityOrder {
				for _, n := range en.field(kind).names() {
					if c.topLevel(kind, n) {
						c.misdirected[brokenKey(sug, kind, n)] = true
					}
				}
			}
		case len(defined) > 0:
			msg += " (environments: " + strings.Join(defined, ", ") + ")"
		}
		path := []string{"environments", e}
		pos, ok := c.l.index.first(path)
		if !ok {
			pos = c.nodePos(en, "", path)
		}
		c.errorAt(pos, "", path, msg)
	}
}

// envUndefined reports whether an environment entry only refines: it
// lacks one of envIdentity (a complete environment is defined however it
// was written: patterns, comprehensions), the user wrote none of its own
// fields under its name, and it refines something. The index is only
// consulted for incomplete environments, which are errors either way.
func (c *checker) envUndefined(name string, en *gnode) bool {
	if en == nil {
		return false
	}
	complete := true
	for _, f := range envIdentity {
		if en.field(f) == nil {
			complete = false
		}
	}
	if complete {
		return false
	}
	for _, f := range en.structFields() {
		if entityKinds[f.name] {
			continue
		}
		if _, ok := c.l.index.first([]string{"environments", name, f.name}); ok {
			return false // an environment being defined, with a field missing
		}
	}
	return len(c.refinedKinds(name, en)) > 0
}

// refinedKinds names the kinds an environment entry refines: those with
// entries, or written under the environment's name (a policy such as
// environments: prod: services: [_]: ...).
func (c *checker) refinedKinds(name string, en *gnode) []string {
	var out []string
	for _, kind := range entityOrder {
		k := en.field(kind)
		if k == nil {
			continue
		}
		_, written := c.l.index.first([]string{"environments", name, kind})
		if len(k.structFields()) > 0 || written {
			out = append(out, kindPlural(kind))
		}
	}
	return out
}

func kindPlural(kind string) string {
	if kind == "loadBalancers" {
		return "load balancers"
	}
	return kind
}

// joinWords joins words as "a", "a and b", "a, b and c".
func joinWords(ws []string, conj string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " " + conj + " " + ws[len(ws)-1]
}

// isMisdirected reports whether the entity a logical path is in was meant
// to be refined in env by a refinement written under another name.
func (c *checker) isMisdirected(env string, path []string) bool {
	return len(path) >= 2 && entityKinds[path[0]] && c.misdirected[brokenKey(env, path[0], path[1])]
}

// nameInError returns the top-level name of a kind that a reference or a
// refinement written as ref probably means, when that name is itself
// invalid and differs from ref only in case (services: Web:, refined as
// web): the invalid name is the one error, fixing it fixes the reference.
func (c *checker) nameInError(kind, ref string) (string, bool) {
	for _, n := range sortedKeys(c.top[kind]) {
		if n != ref && strings.EqualFold(n, ref) && !entityNameRE.MatchString(n) {
			return n, true
		}
	}
	return "", false
}
