package compiler

import (
	"github.com/gantry-gitops/gantry/catalog"
	"reflect"
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	if got := shorten("short", 32); got != "short" {
		t.Errorf("shorten changed a name that fits: %q", got)
	}
	long := strings.Repeat("a", 20) + "-" + strings.Repeat("b", 20)
	got := shorten(long, 32)
	if len(got) != 32 || !strings.HasPrefix(got, "aaaa") || got == shorten(long+"x", 32) {
		t.Errorf("shorten(%q) = %q", long, got)
	}
	// A cut that ends in a hyphen does not leave "--".
	cut := shorten(strings.Repeat("a", 23)+"-"+strings.Repeat("b", 20), 32)
	if strings.Contains(cut, "--") {
		t.Errorf("double hyphen in %q", cut)
	}
}

func TestReservedPrefixes(t *testing.T) {
	n := names{project: "ecs-demo", env: "prod"}
	if got := n.capacityProvider("batch"); got != "cp-ecs-demo-prod-batch" {
		t.Errorf("capacity provider %q", got)
	}
	n = names{project: "internal", env: "prod"}
	if got := n.loadBalancer("x"); got != "lb-internal-prod-x" {
		t.Errorf("load balancer %q", got)
	}
	n = names{project: "sg", env: "prod"}
	if got := n.securityGroup("x", "tasks"); got != "gantry-sg-prod-x-tasks" {
		t.Errorf("security group %q", got)
	}
}

func TestARNs(t *testing.T) {
	for image, want := range map[string]string{
		"222222222222.dkr.ecr.eu-west-1.amazonaws.com/api:1.7.3":                                  "arn:aws:ecr:eu-west-1:222222222222:repository/api",
		"222222222222.dkr.ecr.eu-west-1.amazonaws.com/team/api@sha256:" + strings.Repeat("0", 64): "arn:aws:ecr:eu-west-1:222222222222:repository/team/api",
		"333333333333.dkr.ecr.cn-north-1.amazonaws.com.cn/x:1":                                    "arn:aws-cn:ecr:cn-north-1:333333333333:repository/x",
		"public.ecr.aws/nginx/nginx:1.27":                                                         "",
		"nginx:1.27":                                                                              "",
		"ghcr.io/acme/app:2":                                                                      "",
	} {
		if got := ecrRepositoryARN(image); got != want {
			t.Errorf("ecrRepositoryARN(%q) = %q, want %q", image, got, want)
		}
	}
	if got := ssmParameterARN("aws", "eu-west-1", "1", "/a/b"); got != "arn:aws:ssm:eu-west-1:1:parameter/a/b" {
		t.Errorf("ssm with slash: %q", got)
	}
	if got := ssmParameterARN("aws", "eu-west-1", "1", "a"); got != "arn:aws:ssm:eu-west-1:1:parameter/a" {
		t.Errorf("ssm without slash: %q", got)
	}
	arn := "arn:aws:ssm:us-east-1:2:parameter/x"
	if got := ssmParameterARN("aws", "eu-west-1", "1", arn); got != arn {
		t.Errorf("ssm ARN: %q", got)
	}
	got := secretPolicyARNs("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC123:password:AWSCURRENT:")
	want := []string{"arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC123", "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC123-??????"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secret ARNs %v", got)
	}
	if catalog.Partition("us-gov-west-1") != "aws-us-gov" || catalog.Partition("eu-west-1") != "aws" {
		t.Error("partition")
	}
}
