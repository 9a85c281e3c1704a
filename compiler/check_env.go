package compiler

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gantry-gitops/gantry/config"
)

// ownershipTags are the tags gantry writes on every resource.
var ownershipTags = []string{"gantry:project", "gantry:environment", "gantry:address"}

// gantryTags is how many tags gantry may put on one resource: the
// ownership tags, the applied hash (planner.TagApplied), the retain mark
// (graph.TagRetain), the provenance apply stamps (graph.TagCommit,
// graph.TagRepository), and the AWS provider's gantry:child: tags that
// own the untaggable resources of a parent (a scalable target's up to
// three scaling policies).
var gantryTags = len(ownershipTags) + 4 + 3

// maxTagsPerResource is AWS's limit of user tags per resource (AWS
// General Reference, "Tagging AWS resources": 50 per resource; keys 1-128
// and values 0-256 Unicode characters, checked in checkTags).
const maxTagsPerResource = 50

// tagCharsRE is the characters AWS allows in tag keys and values: letters,
// numbers and spaces representable in UTF-8, and _ . : / = + - @.
var tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// checkEnvironment checks an environment's own fields: network, tags and
// notifications.
func (c *checker) checkEnvironment(e *config.Environment) {
	base := []string{"environments", e.Name}
	at := func(rest ...string) []string { return append(append([]string{}, base...), rest...) }

	c.checkLoadBalancerCount(e)
	needsPublic := len(e.LoadBalancers) > 0
	if needsPublic && len(e.Network.PublicSubnets) < 2 {
		c.errorf(e.Name, at("network", "publicSubnets"),
			fmt.Sprintf("load balancer %s needs at least two public subnets (in different availability zones); got %d",
				e.LoadBalancers[0].Name, len(e.Network.PublicSubnets)))
	}
	if (len(e.Services) > 0 || hasEC2(e)) && len(e.Network.PrivateSubnets) == 0 {
		c.errorf(e.Name, at("network", "privateSubnets"), "tasks run in the private subnets: list at least one (two or more to span availability zones)")
	}
	seen := map[string]bool{}
	for _, list := range []struct {
		name    string
		subnets []string
	}{{"publicSubnets", e.Network.PublicSubnets}, {"privateSubnets", e.Network.PrivateSubnets}} {
		for i, s := range list.subnets {
			if seen[s] {
				c.errorf(e.Name, at("network", list.name, fmt.Sprint(i)), fmt.Sprintf("subnet %s is listed twice", s))
			}
			seen[s] = true
		}
	}

	c.checkTags(e)
	c.checkAWSAccess(e, at)

	if t := e.Notifications.AlarmTopic; t != "" && c.inputsOK(e.Name, at("region"), at("account")) {
		if region, account, ok := arnRegionAccount(t); ok {
			if region != e.Region {
				c.errorf(e.Name, at("notifications", "alarmTopic"),
					fmt.Sprintf("the alarm topic is in region %s but the environment is in %s; CloudWatch alarms notify topics in their own region", region, e.Region))
			}
			if account != e.Account {
				c.warnf(e.Name, at("notifications", "alarmTopic"),
					fmt.Sprintf("the alarm topic is in account %s, not the environment's account %s; its policy must allow CloudWatch from %s to publish", account, e.Account, e.Account))
			}
		}
	}
}

// checkAWSAccess: the role gantry assumes must be in the environment's
// own account, or every call after the account guard would be refused.
func (c *checker) checkAWSAccess(e *config.Environment, at func(...string) []string) {
	if e.AWS == nil || !c.inputsOK(e.Name, at("account"), at("aws", "roleArn")) {
		return
	}
	if _, account, ok := arnRegionAccount(e.AWS.RoleARN); ok && account != e.Account {
		c.errorf(e.Name, at("aws", "roleArn"),
			fmt.Sprintf("the role is in account %s, not the environment's account %s; gantry assumes a role in the account it deploys to", account, e.Account))
	}
	// STS AssumeRole: ExternalId is at most 1224 characters.
	if n := len(e.AWS.ExternalID); n > 1224 {
		c.errorf(e.Name, at("aws", "externalId"), fmt.Sprintf("%d characters: STS allows at most 1224", n))
	}
}

func hasEC2(e *config.Environment) bool {
	for _, cl := range e.Clusters {
		if cl.Capacity.IsEC2() {
			return true
		}
	}
	return false
}

// checkTags checks the environment's tags against AWS's tag rules, counting
// gantry's own ownership tags towards the per-resource limit.
func (c *checker) checkTags(e *config.Environment) {
	path := []string{"environments", e.Name, "tags"}
	if n := len(e.Tags) + gantryTags; n > maxTagsPerResource {
		c.errorf(e.Name, path, fmt.Sprintf("%d tags: AWS allows %d per resource and gantry keeps %d for its own (%s, gantry:applied, gantry:retain, gantry:commit, gantry:repository, and a gantry:child: tag for each of up to 3 resources owned through it), so at most %d may be listed",
			len(e.Tags), maxTagsPerResource, gantryTags, strings.Join(ownershipTags, ", "), maxTagsPerResource-gantryTags))
	}
	for _, k := range sortedKeys(e.Tags) {
		v := e.Tags[k]
		kp := append(append([]string{}, path...), k)
		lk := strings.ToLower(k)
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			c.errorAt(c.keyPos(e.Name, kp...), e.Name, kp, fmt.Sprintf("tag key %q: want 1-128 characters", k))
		case strings.HasPrefix(lk, "aws:"):
			c.errorAt(c.keyPos(e.Name, kp...), e.Name, kp, fmt.Sprintf("tag key %q: the aws: prefix is reserved for AWS", k))
		case strings.HasPrefix(lk, "gantry:"):
			c.errorAt(c.keyPos(e.Name, kp...), e.Name, kp, fmt.Sprintf("tag key %q: the gantry: prefix is reserved for gantry's ownership tags", k))
		case !tagCharsRE.MatchString(k):
			c.errorAt(c.keyPos(e.Name, kp...), e.Name, kp, fmt.Sprintf("tag key %q: only letters, digits, spaces and _ . : / = + - @ are allowed", k))
		}
		switch {
		case utf8.RuneCountInString(v) > 256:
			c.errorf(e.Name, kp, fmt.Sprintf("tag value of %q: at most 256 characters (got %d)", k, utf8.RuneCountInString(v)))
		case !tagCharsRE.MatchString(v):
			c.errorf(e.Name, kp, fmt.Sprintf("tag value %q: only letters, digits, spaces and _ . : / = + - @ are allowed", v))
		}
	}
}

// arnRegionAccount returns the region and account of an ARN
// (arn:partition:service:region:account:resource).
func arnRegionAccount(arn string) (region, account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "", "", false
	}
	return parts[3], parts[4], true
}
