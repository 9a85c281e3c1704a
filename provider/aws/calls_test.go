package aws

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// clientPrefixes maps the clients struct's fields to IAM action prefixes.
var clientPrefixes = map[string]string{
	"ecs": "ecs", "elb": "elasticloadbalancing", "ec2": "ec2", "iam": "iam", "aas": "application-autoscaling",
	"asg": "autoscaling", "cw": "cloudwatch", "logs": "logs", "ecr": "ecr", "ssm": "ssm", "tag": "tag", "sts": "sts",
}

var callPattern = regexp.MustCompile(`\.[rw]\.([a-z0-9]+)\.([A-Z][A-Za-z]+)\(|New([A-Z][A-Za-z]+)Paginator\((?:c\.)?p\.[rw]\.([a-z0-9]+)`)

// TestAPICallsListEveryCall keeps APICalls true to the source: every call
// made is listed, and everything listed is called.
func TestAPICallsListEveryCall(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	made := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range callPattern.FindAllStringSubmatch(string(b), -1) {
			client, op := m[1], m[2]
			if client == "" {
				client, op = m[4], m[3]
			}
			made[clientPrefixes[client]+":"+op] = true
		}
	}
	listed := map[string]bool{}
	for _, c := range APICalls() {
		listed[c.Action] = true
		if !made[c.Action] {
			t.Errorf("APICalls lists %s, which the provider does not call", c.Action)
		}
	}
	for a := range made {
		if !listed[a] {
			t.Errorf("the provider calls %s, which APICalls does not list", a)
		}
	}
}
