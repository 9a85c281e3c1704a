package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gantry-gitops/gantry/config"
)

// awsRegions are the region names AWS had in 2026 (commercial, GovCloud,
// China, European Sovereign Cloud). A name the schema's pattern accepts
// but that is not here is almost always a typo; add new regions here.
var awsRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "eusc-de-east-1",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

// checkRegion reports an unknown region at its line, and marks it failed so
// that checks comparing other regions with it (certificates, topics) stay
// quiet instead of blaming the wrong line.
func (c *checker) checkRegion(e *config.Environment) {
	path := []string{"environments", e.Name, "region"}
	if !c.inputsOK(e.Name, path) || slices.Contains(awsRegions, e.Region) {
		return
	}
	msg := fmt.Sprintf("unknown AWS region %q", e.Region)
	if sug := suggest(e.Region, awsRegions); sug != "" {
		msg += fmt.Sprintf("; did you mean %q?", sug)
	}
	c.errorf(e.Name, path, msg)
	c.markFailed(e.Name, path)
}

// checkSharedAccounts reports environments that share an account and a
// region while the project defines ECR repositories: repositories are
// named as the images name them (account.dkr.ecr.region.amazonaws.com/NAME),
// without a project or environment prefix, so both environments would
// create, own and delete the same repositories.
func (c *checker) checkSharedAccounts(p *config.Project) {
	first := map[string]*config.Environment{}
	for _, e := range p.Environments {
		if len(e.Repositories) == 0 {
			continue
		}
		key := e.Account + "/" + e.Region
		other, dup := first[key]
		if !dup {
			first[key] = e
			continue
		}
		names := make([]string, len(e.Repositories))
		for i, r := range e.Repositories {
			names[i] = r.Name
		}
		c.errorf(e.Name, []string{"environments", e.Name, "account"},
			fmt.Sprintf("environments %s and %s share account %s in %s: ECR repositories (%s) are named as images name them, so both environments would own the same repositories; give each environment its own account or region",
				other.Name, e.Name, e.Account, e.Region, strings.Join(names, ", ")))
	}
}
