package compiler

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/gantry-gitops/gantry/config"
)

// Sensitive values through references. A value marked @sensitive() stays
// masked wherever CUE copies it: an environment variable whose value
// contains a sensitive value (a reference to it, an interpolation of it,
// in any service or sidecar of any environment) is sensitive too. A
// sensitive value in a field gantry cannot mask (an image, a command, a
// tag, ...) is an error: it would be printed in the plan and stored in
// plain text in AWS.

// minContainedSecret is the length from which a sensitive value is looked
// for inside other values; a shorter one only taints values equal to it
// (a secret of one to three characters would match nearly everything).
const minContainedSecret = 4

// minLeakedSecret is the length from which a sensitive value found in a
// field gantry cannot mask is an error: shorter values ("true", "1") are
// too likely to be there by coincidence (a health check's "true").
const minLeakedSecret = 8

// usesSecret reports whether s contains the sensitive value secret.
func usesSecret(s, secret string) bool {
	if secret == "" {
		return false
	}
	return s == secret || len(secret) >= minContainedSecret && strings.Contains(s, secret)
}

// sensitiveSource is a sensitive value and the variable it was first
// found in (for messages; never the value).
type sensitiveSource struct {
	value string
	from  string // logical path of the variable
}

// sensitiveValues lists the concrete values of the variables marked
// @sensitive() wherever they are written in the package as evaluated
// (tree): at the top level and in every environment's refinement, so
// that a value is known even where an environment's effective service is
// in error.
func sensitiveValues(tree *gnode, marks sensitiveMarks) []sensitiveSource {
	var out []sensitiveSource
	var walk func(n *gnode, path []string)
	walk = func(n *gnode, path []string) {
		if n == nil || n.failed || len(path) > 8 {
			return
		}
		if n.kind == cue.StructKind {
			for _, f := range n.fields {
				walk(f.node, childPath(path, f.name))
			}
			return
		}
		if n.kind != cue.StringKind || !n.concrete || n.str() == "" {
			return
		}
		k, ok := envVarKey(path)
		if ok && (marks.has(k) || isSensitive(n)) {
			out = append(out, sensitiveSource{n.str(), formatPath(path)})
		}
	}
	walk(tree, make([]string, 0, 16))
	return out
}

// propagateSensitive marks every environment variable whose value uses a
// sensitive one (srcs, and the variables p has marked), until nothing
// changes (a variable made sensitive can be used by another), and adds
// them to marks (for masking diagnostics). It returns the sensitive
// values, longest first.
func propagateSensitive(p *config.Project, marks sensitiveMarks, srcs []sensitiveSource) []sensitiveSource {
	seen := map[string]bool{}
	srcs = slices.DeleteFunc(srcs, func(s sensitiveSource) bool {
		dup := seen[s.value]
		seen[s.value] = true
		return dup
	})
	if p == nil {
		return srcs
	}
	type envRef struct {
		env              map[string]config.EnvVar
		service, sidecar string
	}
	var all []envRef
	for _, e := range p.Environments {
		for _, s := range e.Services {
			all = append(all, envRef{s.Env, s.Name, ""})
			for _, sc := range s.Sidecars {
				all = append(all, envRef{sc.Env, s.Name, sc.Name})
			}
		}
	}
	collect := func() {
		// Without sorting every map: the new sources are sorted by path
		// afterwards, so that a value is always named after the same
		// variable.
		var found []sensitiveSource
		for _, r := range all {
			for k, v := range r.env {
				if v.Sensitive && !seen[v.Value] && v.Value != "" {
					path := []string{"services", r.service}
					if r.sidecar != "" {
						path = append(path, "sidecars", r.sidecar)
					}
					found = append(found, sensitiveSource{v.Value, formatPath(append(path, "env", k))})
				}
			}
		}
		slices.SortFunc(found, func(a, b sensitiveSource) int { return strings.Compare(a.from, b.from) })
		for _, f := range found {
			if !seen[f.value] {
				seen[f.value] = true
				srcs = append(srcs, f)
			}
		}
	}
	collect()
	for changed := len(srcs) > 0; changed; {
		changed = false
		for _, r := range all {
			for k, v := range r.env {
				if v.Sensitive {
					continue
				}
				for _, s := range srcs {
					if usesSecret(v.Value, s.value) {
						v.Sensitive = true
						r.env[k] = v
						marks[sensitiveKey{r.service, r.sidecar, k}] = true
						changed = true
						break
					}
				}
			}
		}
		if changed {
			collect()
		}
	}
	// Longest first: masking a message replaces the longest match.
	slices.SortStableFunc(srcs, func(a, b sensitiveSource) int { return len(b.value) - len(a.value) })
	return srcs
}

// checkSensitiveUses reports sensitive values in fields gantry cannot
// mask: every string of each environment's effective configuration but
// environment variables (which propagateSensitive marks) and secrets
// (references to a store, not values).
func (c *checker) checkSensitiveUses(srcs []sensitiveSource) {
	if len(srcs) == 0 {
		return
	}
	envs := append([]string{""}, c.envNames...)
	for _, env := range envs {
		root := c.eff[env]
		if root == nil {
			continue
		}
		var walk func(n *gnode, path []string)
		walk = func(n *gnode, path []string) {
			if n == nil || n.failed {
				return
			}
			switch n.kind {
			case cue.StructKind, cue.ListKind:
				if isEnvOrSecrets(path) {
					return
				}
				for i, f := range n.fields {
					name := f.name
					if n.kind == cue.ListKind {
						name = fmt.Sprint(i)
					}
					walk(f.node, childPath(path, name))
				}
			case cue.StringKind:
				if !n.concrete {
					return
				}
				for _, s := range srcs {
					if len(s.value) >= minLeakedSecret && strings.Contains(n.str(), s.value) {
						p := slices.Clone(path)
						c.errorAt(c.pos(env, p...), env, p, fmt.Sprintf(
							"uses the value of the sensitive variable %s: gantry masks only environment variables, and this value would be printed in plans and stored in plain text in AWS; pass it in env or secrets instead", s.from))
						return
					}
				}
			}
		}
		for _, f := range root.fields {
			path := rootPath(f.name)
			if env != "" && !entityKinds[f.name] {
				// The environment's own fields (tags, ...).
				path = rootPath("environments", env, f.name)
			}
			walk(f.node, path)
		}
	}
}

// isEnvOrSecrets reports whether a logical path is a service's or a
// sidecar's env or secrets map.
func isEnvOrSecrets(p []string) bool {
	if len(p) == 0 || (p[len(p)-1] != "env" && p[len(p)-1] != "secrets") {
		return false
	}
	q := p[:len(p)-1]
	return len(q) == 2 && q[0] == "services" || len(q) == 4 && q[0] == "services" && q[2] == "sidecars"
}

// maskSensitiveValues replaces every sensitive value in the diagnostics'
// messages (a value that uses a sensitive one may be quoted about another
// path).
func maskSensitiveValues(ds Diagnostics, srcs []sensitiveSource) {
	for i := range ds {
		for _, s := range srcs {
			// A long value wherever it appears (inside another quoted
			// value too); a short one only as a whole quoted value, so
			// that "true" does not mask every other word.
			if len(s.value) >= minLeakedSecret {
				ds[i].Message = strings.ReplaceAll(ds[i].Message, s.value, "(sensitive)")
			} else {
				ds[i].Message = strings.ReplaceAll(ds[i].Message, strconv.Quote(s.value), "(sensitive)")
			}
		}
	}
}

// Plain environment variables that look like secrets.
//
// The rule, chosen to keep false positives rare (docs/validate.md):
//
//   - by name: the variable's name is PASSWORD, SECRET, TOKEN, API_KEY,
//     PRIVATE_KEY or ends in one of _PASSWORD, _PASSWD, _SECRET, _TOKEN,
//     _API_KEY, _APIKEY, _PRIVATE_KEY, _SECRET_KEY, _ACCESS_KEY,
//     _SIGNING_KEY, _ENCRYPTION_KEY, _CLIENT_SECRET, _AUTH_KEY (not every
//     _KEY: CACHE_KEY, SORT_KEY are not secrets); and its value is not
//     empty and is not a reference to where the secret lives (a path, a
//     URL without credentials, an ARN, a ${placeholder});
//   - by value, whatever the name: a known token format (AWS access key
//     ids AKIA…, GitHub ghp_/github_pat_, Slack xox?-, Stripe sk_live_,
//     a PEM private key), a URL with a password (scheme://user:pass@host),
//     or a string of at least 24 characters without
//     spaces, mixing lower case, upper case and digits, with at least 4.5
//     bits of entropy per character (random keys; hex digests, UUIDs,
//     words and paths stay below).
//
// Values marked @sensitive() are not warned about (they are masked).

var secretNameSuffixes = []string{"_PASSWORD", "_PASSWD", "_SECRET", "_TOKEN", "_API_KEY", "_APIKEY",
	"_PRIVATE_KEY", "_SECRET_KEY", "_ACCESS_KEY", "_SIGNING_KEY", "_ENCRYPTION_KEY", "_CLIENT_SECRET", "_AUTH_KEY"}

var secretNames = []string{"PASSWORD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY"}

var knownTokenRE = regexp.MustCompile(`^(AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{10,})$|-----BEGIN [A-Z ]*PRIVATE KEY-----`)

// secretLooking says why a plain variable looks like a secret, or "".
func secretLooking(name, value string) string {
	if value == "" {
		return ""
	}
	if knownTokenRE.MatchString(value) {
		return "an access key or token format"
	}
	byName := false
	for _, n := range secretNames {
		byName = byName || strings.EqualFold(name, n)
	}
	for _, s := range secretNameSuffixes {
		byName = byName || len(name) > len(s) && strings.EqualFold(name[len(name)-len(s):], s)
	}
	if byName && !looksLikeReference(value) {
		return "by its name"
	}
	if urlWithPassword(value) {
		return "a URL with a password"
	}
	if highEntropy(value) {
		return "a long random value"
	}
	return ""
}

// looksLikeReference: a value that says where a secret is rather than
// being one.
func looksLikeReference(v string) bool {
	switch {
	case strings.HasPrefix(v, "/"), strings.HasPrefix(v, "arn:"), strings.HasPrefix(v, "${"),
		strings.HasPrefix(v, "ssm:"), strings.HasPrefix(v, "file:"):
		return true
	case strings.Contains(v, "://"):
		return !urlWithPassword(v)
	}
	return false
}

// urlWithPassword: scheme://user:password@host...
func urlWithPassword(v string) bool {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return false
	}
	authority, _, _ := strings.Cut(rest, "/")
	userinfo, _, hasAt := strings.Cut(authority, "@")
	_, pass, hasColon := strings.Cut(userinfo, ":")
	return hasAt && hasColon && pass != ""
}

func highEntropy(v string) bool {
	if len(v) < 24 || strings.ContainsAny(v, " \t\n") || looksLikeReference(v) {
		return false
	}
	var lower, upper, digit bool
	var counts [256]int
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case b >= 'a' && b <= 'z':
			lower = true
		case b >= 'A' && b <= 'Z':
			upper = true
		case b >= '0' && b <= '9':
			digit = true
		}
		counts[v[i]]++
	}
	if !(lower && upper && digit) {
		return false
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(v))
			h -= p * math.Log2(p)
		}
	}
	return h >= 4.5
}

// checkPlainSecrets warns about plain variables that look like secrets.
func (c *checker) checkPlainSecrets(env string, base []string, vars map[string]config.EnvVar) {
	for k, v := range vars {
		if v.Sensitive {
			continue
		}
		if why := secretLooking(k, v.Value); why != "" {
			path := append(append([]string{}, base...), "env", k)
			c.warnf(env, path, fmt.Sprintf(
				"looks like a secret (%s), in a plain variable: it is stored in the task definition and shown in plans; move it to secrets (%s: ssm: \"…\", or secretsManager), or mark it @sensitive()", why, k))
		}
	}
}
