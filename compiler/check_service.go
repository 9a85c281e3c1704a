package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gantry-gitops/gantry/config"
)

// fargateSizes lists, per task CPU, the memory sizes Fargate accepts (Linux,
// platform version 1.4.0; the same on x86_64 and arm64).
var fargateSizes = map[int][]int{
	256:   {512, 1024, 2048},
	512:   steps(1024, 4096, 1024),
	1024:  steps(2048, 8192, 1024),
	2048:  steps(4096, 16384, 1024),
	4096:  steps(8192, 30720, 1024),
	8192:  steps(16384, 61440, 4096),
	16384: steps(32768, 122880, 8192),
}

func steps(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// FargateMemories returns the memory sizes Fargate accepts with a task CPU,
// or nil when the CPU is not a Fargate size.
func FargateMemories(cpu int) []int { return fargateSizes[cpu] }

// logRetentionDays are the values CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	containerNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$`)
	alarmNameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	envNameVarRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	iamActionRE     = regexp.MustCompile(`^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$`)
)

// checkService runs the checks on one service in one environment.
func (c *checker) checkService(e *config.Environment, s *config.Service) {
	env := e.Name
	p := func(rest ...string) []string { return svcPath(s.Name, rest...) }

	cl := e.Cluster(s.Cluster)
	_, refInError := c.nameInError("clusters", s.Cluster)
	if cl == nil && !refInError {
		c.errorf(env, p("cluster"), c.noSuch("clusters", s.Cluster))
	} else if cl != nil && !c.isBroken(env, "clusters", cl.Name) && c.svcInputsOK(env, s.Name, "cpu", "memory", "platform", "cluster") {
		c.checkCapacityFit(e, cl, s)
	}

	c.checkImage(env, p("image"), s.Image)
	if c.svcInputsOK(env, s.Name, "cpu", "memory", "port", "sidecars") {
		c.checkTaskContainers(env, s)
	}
	if c.svcInputsOK(env, s.Name, "route", "port") {
		c.checkRoute(e, s)
	}
	if c.svcInputsOK(env, s.Name, "scale", "route") {
		c.checkScale(env, s)
	}
	if c.svcInputsOK(env, s.Name, "alarms", "route") {
		c.checkAlarms(e, s)
	}
	if c.svcInputsOK(env, s.Name, "deploy", "scale", "alarms") {
		c.checkDeploy(env, s)
	}

	if !slices.Contains(logRetentionDays, s.Logs.RetentionDays) {
		c.errorf(env, p("logs", "retentionDays"), fmt.Sprintf("%d is not a retention CloudWatch Logs accepts (%s)",
			s.Logs.RetentionDays, joinInts(logRetentionDays)))
	}
	if s.HealthCheck != nil {
		c.checkHealthCommand(env, p("healthCheck", "command"), s.HealthCheck.Command)
	}
	c.checkEnvAndSecrets(env, p(), s.Env, s.Secrets)
	if c.svcInputsOK(env, s.Name, "env", "secrets", "sidecars", "command", "entryPoint", "healthCheck", "image") {
		c.checkTaskDefinitionSize(e, s)
	}
	c.checkContainerCount(env, s)
	c.checkPlainSecrets(env, p(), s.Env)
	for _, sc := range s.Sidecars {
		c.checkPlainSecrets(env, p("sidecars", sc.Name), sc.Env)
	}
	for i, perm := range s.Permissions {
		c.checkPermission(env, p("permissions", fmt.Sprint(i)), perm)
	}
}

// checkCapacityFit checks the task against the cluster's capacity: a
// Fargate size, or the EC2 instance type's CPU, memory and architecture.
func (c *checker) checkCapacityFit(e *config.Environment, cl *config.Cluster, s *config.Service) {
	env := e.Name
	p := func(rest ...string) []string { return svcPath(s.Name, rest...) }
	if ec2 := cl.Capacity.EC2; ec2 != nil {
		c.checkFleetFit(env, cl, s)
		return
	}
	mems := FargateMemories(s.CPU)
	switch {
	case mems == nil:
		c.errorf(env, p("cpu"), fmt.Sprintf("cpu %d is not a Fargate task size (256, 512, 1024, 2048, 4096, 8192 or 16384)", s.CPU))
	case !slices.Contains(mems, s.Memory):
		c.errorf(env, p("memory"), fmt.Sprintf("memory %d is not a Fargate size for cpu %d (with cpu %d: %s)",
			s.Memory, s.CPU, s.CPU, describeSizes(mems)))
	}
	if s.Platform == "linux/arm64" && cl.Capacity.FargateSpot != nil && (cl.Capacity.FargateSpot.Weight > 0 || cl.Capacity.FargateSpot.Base > 0) {
		c.errorf(env, p("platform"), fmt.Sprintf("cluster %s uses Fargate Spot, which does not run linux/arm64 tasks; use linux/amd64 or a cluster without fargateSpot", cl.Name))
	}
}

// describeSizes writes a list of sizes compactly: "512, 1024, 2048" or
// "4096 to 16384 in steps of 1024".
func describeSizes(ms []int) string {
	if len(ms) > 4 {
		return fmt.Sprintf("%d to %d in steps of %d", ms[0], ms[len(ms)-1], ms[1]-ms[0])
	}
	return joinInts(ms)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

// checkImage warns about an image without a tag or with "latest": the
// deployed version would change without a change in git.
func (c *checker) checkImage(env string, path []string, image string) {
	if image == "" || strings.Contains(image, "@sha256:") {
		return
	}
	last := image[strings.LastIndex(image, "/")+1:]
	_, tag, hasTag := strings.Cut(last, ":")
	switch {
	case !hasTag:
		c.warnf(env, path, fmt.Sprintf("image %q has no tag (it means latest): pin a version so that what runs is what git says", image))
	case tag == "latest":
		c.warnf(env, path, fmt.Sprintf("image %q uses the tag latest: pin a version so that what runs is what git says", image))
	}
}

// checkTaskContainers checks the sidecars against the task: names, ports,
// and the CPU and memory they reserve.
func (c *checker) checkTaskContainers(env string, s *config.Service) {
	p := func(rest ...string) []string { return svcPath(s.Name, rest...) }
	ports := map[int]string{}
	if s.Port != 0 {
		ports[s.Port] = s.Name
	}
	cpu, mem := 0, 0
	for _, sc := range s.Sidecars {
		sp := func(rest ...string) []string { return p(append([]string{"sidecars", sc.Name}, rest...)...) }
		switch {
		case sc.Name == s.Name:
			c.errorAt(c.keyPos(env, sp()...), env, sp(), fmt.Sprintf("sidecar %q has the service's name, which its main container uses", sc.Name))
		case !containerNameRE.MatchString(sc.Name):
			c.errorAt(c.keyPos(env, sp()...), env, sp(), fmt.Sprintf("sidecar name %q: want letters, digits, '-' and '_' (at most 255)", sc.Name))
		}
		if sc.Port != 0 {
			if other, dup := ports[sc.Port]; dup {
				c.errorf(env, sp("port"), fmt.Sprintf("port %d is already used by container %s: containers of a task share its network", sc.Port, other))
			}
			ports[sc.Port] = sc.Name
		}
		cpu += sc.CPU
		mem += sc.Memory
		c.checkImage(env, sp("image"), sc.Image)
		c.checkEnvAndSecrets(env, sp(), sc.Env, sc.Secrets)
	}
	if len(s.Sidecars) > 0 && s.CPU > 0 && cpu >= s.CPU {
		c.errorf(env, p("cpu"), fmt.Sprintf("the sidecars reserve %d CPU units of the task's %d, leaving none for the main container", cpu, s.CPU))
	}
	if len(s.Sidecars) > 0 && s.Memory > 0 && mem >= s.Memory {
		c.errorf(env, p("memory"), fmt.Sprintf("the sidecars reserve %d MiB of the task's %d, leaving none for the main container", mem, s.Memory))
	}
}

// checkHealthCommand checks a container health check's command form.
func (c *checker) checkHealthCommand(env string, path []string, cmd []string) {
	switch {
	case len(cmd) == 0:
		c.errorf(env, path, `the health check command is empty: want ["CMD", "executable", ...] or ["CMD-SHELL", "command"]`)
	case cmd[0] == "CMD-SHELL" && len(cmd) != 2:
		c.errorf(env, path, `a CMD-SHELL health check takes exactly one command string: ["CMD-SHELL", "command"]`)
	case cmd[0] == "CMD" && len(cmd) < 2:
		c.errorf(env, path, `a CMD health check needs the executable: ["CMD", "executable", ...]`)
	case cmd[0] != "CMD" && cmd[0] != "CMD-SHELL":
		c.errorf(env, path, fmt.Sprintf(`the health check command starts with %q: want "CMD" or "CMD-SHELL"`, cmd[0]))
	}
}

// checkEnvAndSecrets checks environment variable and secret names, and
// that each secret has exactly one source.
func (c *checker) checkEnvAndSecrets(env string, base []string, vars map[string]config.EnvVar, secrets map[string]config.Secret) {
	at := func(rest ...string) []string { return append(append([]string{}, base...), rest...) }
	for _, k := range sortedKeys(vars) {
		if !envNameVarRE.MatchString(k) {
			c.errorAt(c.keyPos(env, at("env", k)...), env, at("env", k),
				fmt.Sprintf("environment variable name %q: want letters, digits and '_', not starting with a digit", k))
		}
	}
	for _, k := range sortedKeys(secrets) {
		sec := secrets[k]
		sp := at("secrets", k)
		if !envNameVarRE.MatchString(k) {
			c.errorAt(c.keyPos(env, sp...), env, sp, fmt.Sprintf("secret name %q: it becomes an environment variable; want letters, digits and '_', not starting with a digit", k))
		}
		if _, dup := vars[k]; dup {
			c.errorAt(c.keyPos(env, sp...), env, sp, fmt.Sprintf("%s is both an environment variable and a secret", k))
		}
		switch {
		case sec.SSM == "" && sec.SecretsManager == "":
			c.errorf(env, sp, "a secret needs its source: ssm (a parameter name) or secretsManager (a secret ARN)")
		case sec.SSM != "" && sec.SecretsManager != "":
			c.errorf(env, sp, "a secret has exactly one source: ssm or secretsManager, not both")
		}
	}
}

// checkPermission checks one task role policy statement.
func (c *checker) checkPermission(env string, path []string, p config.Permission) {
	at := func(rest ...string) []string { return append(append([]string{}, path...), rest...) }
	if len(p.Actions) == 0 {
		c.errorf(env, at("actions"), "a permission needs at least one action")
	}
	if len(p.Resources) == 0 {
		c.errorf(env, at("resources"), `a permission needs at least one resource (an ARN, or "*")`)
	}
	for i, a := range p.Actions {
		if !iamActionRE.MatchString(a) {
			c.errorf(env, at("actions", fmt.Sprint(i)), fmt.Sprintf(`%q is not an IAM action: want "service:Action" (wildcards allowed)`, a))
		}
	}
	for i, r := range p.Resources {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			c.errorf(env, at("resources", fmt.Sprint(i)), fmt.Sprintf(`%q is not a resource: want an ARN (arn:...) or "*"`, r))
		}
	}
}

// checkScale checks the task counts and scaling targets.
func (c *checker) checkScale(env string, s *config.Service) {
	p := func(rest ...string) []string { return svcPath(s.Name, rest...) }
	sc := s.Scale
	if sc.Min > sc.Max && c.findingOK(env, p("scale")) {
		c.errorf(env, p("scale", "min"), fmt.Sprintf("scale.min %d is greater than scale.max %d", sc.Min, sc.Max))
	}
	if sc.RequestsPerTarget > 0 && s.Route == nil {
		c.errorf(env, p("scale", "requestsPerTarget"), "requestsPerTarget needs route: requests are counted by the service's target group")
	}
	if sc.Autoscaled() && sc.Min == sc.Max && sc.Min <= sc.Max {
		c.warnf(env, p("scale"), fmt.Sprintf("scaling targets are set but min and max are both %d: autoscaling cannot change the count", sc.Min))
	}
}

// checkDeploy checks that a deployment can make progress: at the service's
// task counts, maxPercent must allow starting a new task or
// minHealthyPercent must allow stopping an old one.
func (c *checker) checkDeploy(env string, s *config.Service) {
	d := s.Deploy
	if d.MaxPercent <= d.MinHealthyPercent {
		if c.findingOK(env, svcPath(s.Name, "deploy")) { // neither is in error
			c.errorf(env, svcPath(s.Name, "deploy", "maxPercent"), fmt.Sprintf("maxPercent %d must be greater than minHealthyPercent %d, or no deployment can make progress",
				d.MaxPercent, d.MinHealthyPercent))
		}
		return
	}
	lo := max(1, s.Scale.Min)
	hi := min(max(lo, s.Scale.Max), lo+1000)
	for n := lo; n <= hi; n++ {
		canStart := n*d.MaxPercent/100 > n               // floor(n*max/100) tasks may run
		canStop := n-(n*d.MinHealthyPercent+99)/100 >= 1 // ceil(n*min/100) must stay
		if !canStart && !canStop {
			c.errorf(env, svcPath(s.Name, "deploy", "maxPercent"), fmt.Sprintf(
				"with %s, maxPercent %d allows no extra task and minHealthyPercent %d allows none to stop: deployments would never progress (raise maxPercent or lower minHealthyPercent)",
				countTasks(n), d.MaxPercent, d.MinHealthyPercent))
			return
		}
	}
	for i, name := range d.RollbackOnAlarms {
		if !slices.ContainsFunc(s.Alarms, func(a *config.Alarm) bool { return a.Name == name }) {
			msg := fmt.Sprintf("rollbackOnAlarms names %q, which is not one of the service's alarms", name)
			var names []string
			for _, a := range s.Alarms {
				names = append(names, a.Name)
			}
			if sug := suggest(name, names); sug != "" {
				msg += fmt.Sprintf("; did you mean %q?", sug)
			} else if len(names) > 0 {
				msg += " (" + strings.Join(names, ", ") + ")"
			}
			c.errorf(env, svcPath(s.Name, "deploy", "rollbackOnAlarms", fmt.Sprint(i)), msg)
		}
	}
}

// checkAlarms checks a service's alarms: known metrics, ALB metrics only
// with a route, exactly one threshold, and somewhere to notify.
func (c *checker) checkAlarms(e *config.Environment, s *config.Service) {
	env := e.Name
	for _, a := range s.Alarms {
		ap := svcPath(s.Name, "alarms", a.Name)
		if !alarmNameRE.MatchString(a.Name) {
			c.errorAt(c.keyPos(env, ap...), env, ap, fmt.Sprintf("alarm name %q: want letters, digits, '-' and '_' (at most 64)", a.Name))
		}
		m, ok := LookupMetric(a.Metric)
		switch {
		case !ok:
			msg := fmt.Sprintf("unknown metric %q", a.Metric)
			if sug := suggest(a.Metric, sortedKeys(metrics)); sug != "" {
				msg += fmt.Sprintf("; did you mean %q?", sug)
			} else {
				msg += " (ECS: CPUUtilization, MemoryUtilization; with a route, the target group's ALB metrics: " + strings.Join(albMetricNames(), ", ") + ")"
			}
			c.errorf(env, append(ap, "metric"), msg)
		case m.NeedsRoute && s.Route == nil:
			c.errorf(env, append(ap, "metric"), fmt.Sprintf("%s is a load balancer metric of the service's target group: the service needs a route", a.Metric))
		}
		switch {
		case a.Above == nil && a.Below == nil:
			c.errorf(env, ap, "an alarm needs a threshold: above or below")
		case a.Above != nil && a.Below != nil:
			c.errorf(env, append(ap, "below"), "an alarm has one threshold: above or below, not both")
		}
	}
	if len(s.Alarms) > 0 && e.Notifications.AlarmTopic == "" {
		c.warnf(env, svcPath(s.Name, "alarms"), "the environment has no notifications.alarmTopic: these alarms notify nobody")
	}
}

func albMetricNames() []string {
	var out []string
	for _, n := range sortedKeys(metrics) {
		if metrics[n].NeedsRoute {
			out = append(out, n)
		}
	}
	return out
}

func countTasks(n int) string {
	if n == 1 {
		return "1 running task"
	}
	return fmt.Sprintf("%d running tasks", n)
}
