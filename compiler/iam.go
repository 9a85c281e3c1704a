package compiler

import (
	"sort"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/config"
)

// policyVersion is the IAM policy language version every document uses.
const policyVersion = "2012-10-17"

// trustPolicy lets an AWS service assume a role, optionally only under
// condition (for ECS tasks: only on behalf of this account, which closes
// the confused-deputy hole).
func trustPolicy(service string, condition m) m {
	stmt := m{
		"Effect":    "Allow",
		"Principal": m{"Service": service},
		"Action":    "sts:AssumeRole",
	}
	if condition != nil {
		stmt["Condition"] = condition
	}
	return m{"Version": policyVersion, "Statement": l{stmt}}
}

// ecsTasksTrust is the trust policy of task and execution roles: only ECS
// tasks, and only those of this account and region.
func (b *builder) ecsTasksTrust() m {
	return trustPolicy("ecs-tasks.amazonaws.com", m{
		"StringEquals": m{"aws:SourceAccount": b.env.Account},
		"ArnLike":      m{"aws:SourceArn": "arn:" + b.part + ":ecs:" + b.env.Region + ":" + b.env.Account + ":*"},
	})
}

func statement(sid string, actions []string, resources []string) m {
	return m{"Sid": sid, "Effect": "Allow", "Action": strs(actions), "Resource": strs(resources)}
}

// uniqueSorted returns the distinct strings of ss in order.
func uniqueSorted(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// containerImages lists the images of a service's containers: its own and
// its sidecars'.
func containerImages(s *config.Service) []string {
	images := []string{s.Image}
	for _, sc := range s.Sidecars {
		images = append(images, sc.Image)
	}
	return images
}

// allSecrets lists every secret a service's containers read.
func allSecrets(s *config.Service) []config.Secret {
	var out []config.Secret
	for _, k := range sortedKeys(s.Secrets) {
		out = append(out, s.Secrets[k])
	}
	for _, sc := range s.Sidecars {
		for _, k := range sortedKeys(sc.Secrets) {
			out = append(out, sc.Secrets[k])
		}
	}
	return out
}

// executionPolicy is the execution role's only policy: exactly what ECS
// needs to start this service's tasks and nothing else.
//   - ECR: GetAuthorizationToken has no resource-level permissions, so it
//     is granted on "*"; pulling layers is granted on the repositories of
//     the task's images only (none when no image is in ECR).
//   - Logs: creating streams and writing events in the service's own log
//     group.
//   - Secrets: ssm:GetParameters on exactly the parameters, and
//     secretsmanager:GetSecretValue on exactly the secrets, that the
//     containers (sidecars included) inject.
//
// Secrets encrypted with a customer-managed KMS key would also need
// kms:Decrypt on that key, which the configuration does not name; the
// default keys need nothing more.
func (b *builder) executionPolicy(s *config.Service, logGroupName string) m {
	var stmts l
	var repos []string
	for _, img := range containerImages(s) {
		if arn := ecrRepositoryARN(img); arn != "" {
			repos = append(repos, arn)
		}
	}
	if len(repos) > 0 {
		stmts = append(stmts,
			statement("PullImagesAuth", []string{"ecr:GetAuthorizationToken"}, []string{"*"}),
			statement("PullImages", []string{
				"ecr:BatchCheckLayerAvailability",
				"ecr:BatchGetImage",
				"ecr:GetDownloadUrlForLayer",
			}, uniqueSorted(repos)))
	}
	stmts = append(stmts, statement("WriteLogs",
		[]string{"logs:CreateLogStream", "logs:PutLogEvents"},
		[]string{"arn:" + b.part + ":logs:" + b.env.Region + ":" + b.env.Account + ":log-group:" + logGroupName + ":*"}))

	var params, secrets []string
	for _, sec := range allSecrets(s) {
		switch {
		case sec.SSM != "":
			params = append(params, ssmParameterARN(b.part, b.env.Region, b.env.Account, sec.SSM))
		case sec.SecretsManager != "":
			secrets = append(secrets, secretPolicyARNs(sec.SecretsManager)...)
		}
	}
	if len(params) > 0 {
		stmts = append(stmts, statement("ReadParameters", []string{"ssm:GetParameters"}, uniqueSorted(params)))
	}
	if len(secrets) > 0 {
		stmts = append(stmts, statement("ReadSecrets", []string{"secretsmanager:GetSecretValue"}, uniqueSorted(secrets)))
	}
	return m{"Version": policyVersion, "Statement": stmts}
}

// serviceRoles adds the execution role (what ECS itself needs to start the
// tasks) and the task role (what the application may do: `permissions`).
func (b *builder) serviceRoles(s *config.Service, logGroupName string) error {
	execName := b.n.executionRole(s.Name)
	if _, err := b.add(servicePart(s.Name, "execution-role"), catalog.IAMRole, execName, m{
		"RoleName":                 execName,
		"AssumeRolePolicyDocument": b.ecsTasksTrust(),
		"Policies": l{m{
			"PolicyName":     "execution",
			"PolicyDocument": b.executionPolicy(s, logGroupName),
		}},
	}); err != nil {
		return err
	}

	taskName := b.n.taskRole(s.Name)
	props := m{
		"RoleName":                 taskName,
		"AssumeRolePolicyDocument": b.ecsTasksTrust(),
	}
	if len(s.Permissions) > 0 {
		var stmts l
		for _, p := range s.Permissions {
			stmts = append(stmts, m{"Effect": "Allow", "Action": strs(p.Actions), "Resource": strs(p.Resources)})
		}
		props["Policies"] = l{m{
			"PolicyName":     "permissions",
			"PolicyDocument": m{"Version": policyVersion, "Statement": stmts},
		}}
	}
	_, err := b.add(servicePart(s.Name, "task-role"), catalog.IAMRole, taskName, props)
	return err
}
