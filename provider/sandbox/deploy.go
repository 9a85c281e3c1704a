package sandbox

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// deployment is one ECS service deployment as the sandbox stores it. Its
// progress is a function of time: a deployment of a healthy image
// completes Duration after it was created; one whose image never becomes
// healthy (a tag ending in "-crashloop") fails at that point when the
// circuit breaker is on, and with rollback a new deployment of the last
// completed task definition starts then (ECS API Reference:
// DeploymentCircuitBreaker: a deployment that cannot reach a steady state
// fails and, with rollback, the service goes back to the last completed
// deployment).
type deployment struct {
	ID             string    `json:"id"`
	TaskDefinition string    `json:"taskDefinition"`
	Created        time.Time `json:"created"`
	Duration       Duration  `json:"duration"`
	Crashloop      bool      `json:"crashloop,omitempty"`
	CircuitBreaker bool      `json:"circuitBreaker,omitempty"`
	Rollback       bool      `json:"rollback,omitempty"`
	// A rollback deployment names the deployment that failed and the one
	// whose task definition it restores.
	RollbackOf string `json:"rollbackOf,omitempty"`
	RollbackTo string `json:"rollbackTo,omitempty"`
	// TargetGroups are the target groups the deployment's tasks register
	// in: the service's LoadBalancers when the deployment started (ECS
	// registers a deployment's tasks in the groups it was started with).
	TargetGroups []string `json:"targetGroups,omitempty"`
}

func (d *deployment) due() time.Time { return d.Created.Add(d.Duration.D()) }

// DeploymentStatus is a deployment as DescribeServices reports it (ECS API
// Reference: Deployment: status PRIMARY, ACTIVE or INACTIVE; rolloutState
// IN_PROGRESS, COMPLETED or FAILED).
type DeploymentStatus struct {
	ID                 string    `json:"id"`
	Status             string    `json:"status"` // PRIMARY, ACTIVE, INACTIVE
	TaskDefinition     string    `json:"taskDefinition"`
	Desired            int       `json:"desiredCount"`
	Running            int       `json:"runningCount"`
	Pending            int       `json:"pendingCount"`
	Failed             int       `json:"failedTasks"`
	RolloutState       string    `json:"rolloutState"` // IN_PROGRESS, COMPLETED, FAILED
	RolloutStateReason string    `json:"rolloutStateReason"`
	CreatedAt          time.Time `json:"createdAt"`
	// RollbackOf is set on a deployment the circuit breaker started.
	RollbackOf string `json:"rollbackOf,omitempty"`
}

// settle returns the service's deployments at time now: any rollback the
// circuit breaker has made by then is added. It does not change r.
func settle(r *record, now time.Time) []*deployment {
	ds := append([]*deployment(nil), r.Deployments...)
	if len(ds) == 0 {
		return ds
	}
	last := ds[len(ds)-1]
	if !last.Crashloop || !last.CircuitBreaker || !last.Rollback || now.Before(last.due()) {
		return ds
	}
	// Roll back to the newest deployment that completed.
	for i := len(ds) - 2; i >= 0; i-- {
		prev := ds[i]
		if prev.Crashloop {
			continue
		}
		h := sha256.Sum256([]byte(r.ID + "\x00rollback\x00" + last.ID))
		return append(ds, &deployment{
			ID:             "ecs-svc/" + ids(h[:]).digits(19),
			TaskDefinition: prev.TaskDefinition,
			Created:        last.due(),
			Duration:       last.Duration,
			CircuitBreaker: last.CircuitBreaker,
			Rollback:       last.Rollback,
			RollbackOf:     last.ID,
			RollbackTo:     prev.ID,
			TargetGroups:   prev.TargetGroups,
		})
	}
	return ds
}

// failed reports whether the circuit breaker has failed d by now.
func (d *deployment) failed(now time.Time) bool {
	return d.Crashloop && d.CircuitBreaker && !now.Before(d.due())
}

// deploymentStatuses reports every deployment of a service at now, newest
// first, as DescribeServices lists them.
func deploymentStatuses(r *record, now time.Time) []DeploymentStatus {
	ds := settle(r, now)
	desired := 0
	if d, ok := num(r.Props, "DesiredCount"); ok {
		desired = int(d)
	} else {
		desired = 1
	}
	if r.Status == "DRAINING" {
		desired = 0
	}
	out := make([]DeploymentStatus, 0, len(ds))
	newRunning := 0
	primaryDone := false
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		st := DeploymentStatus{ID: d.ID, TaskDefinition: d.TaskDefinition, CreatedAt: d.Created, RollbackOf: d.RollbackOf}
		elapsed := now.Sub(d.Created)
		if i == len(ds)-1 {
			st.Status = "PRIMARY"
			st.Desired = desired
			switch {
			case d.Crashloop && d.failed(now):
				st.RolloutState = "FAILED"
				st.RolloutStateReason = circuitBreakerPrefix + "tasks failed to start."
				st.Failed = crashCount(d, now, desired)
			case d.Crashloop:
				st.RolloutState = "IN_PROGRESS"
				st.RolloutStateReason = "ECS deployment " + d.ID + " in progress."
				st.Pending = desired
				st.Failed = crashCount(d, now, desired)
			case d.Duration == 0 || elapsed >= d.Duration.D():
				st.RolloutState = "COMPLETED"
				st.RolloutStateReason = "ECS deployment " + d.ID + " completed."
				st.Running = desired
				primaryDone = true
			default:
				st.RolloutState = "IN_PROGRESS"
				st.RolloutStateReason = "ECS deployment " + d.ID + " in progress."
				st.Running = int(float64(desired) * float64(elapsed) / float64(d.Duration.D()))
				st.Pending = desired - st.Running
			}
			if d.RollbackOf != "" && st.RolloutState == "IN_PROGRESS" {
				st.RolloutStateReason = circuitBreakerPrefix + "rolling back to deploymentId " + d.RollbackTo + "."
			}
			newRunning = st.Running
			out = append(out, st)
			continue
		}
		// Older deployments keep serving until the primary completes.
		if primaryDone || newRunning >= desired {
			st.Status = "INACTIVE"
		} else {
			st.Status = "ACTIVE"
			st.Running = desired - newRunning
			newRunning = desired
		}
		st.Desired = st.Running
		switch {
		case d.failed(now):
			st.RolloutState = "FAILED"
			st.RolloutStateReason = circuitBreakerPrefix + "tasks failed to start."
			st.Running, st.Desired = 0, 0
			st.Failed = crashCount(d, d.due(), desired)
		default:
			st.RolloutState = "COMPLETED"
			st.RolloutStateReason = "ECS deployment " + d.ID + " completed."
		}
		out = append(out, st)
	}
	return out
}

// crashCount is how many tasks of a crash-looping deployment have failed
// by now: one every tenth of the deployment duration, at least one.
func crashCount(d *deployment, now time.Time, desired int) int {
	if desired == 0 {
		return 0
	}
	step := d.Duration.D() / 10
	if step <= 0 {
		return 10
	}
	n := int(now.Sub(d.Created)/step) + 1
	if n < 1 {
		n = 1
	}
	return n
}

// primaryTaskDefinition is the task definition a service runs now.
func primaryTaskDefinition(r *record, now time.Time) string {
	ds := settle(r, now)
	if len(ds) == 0 {
		return str(r.Props, "TaskDefinition")
	}
	return ds[len(ds)-1].TaskDefinition
}

// imageTag returns the tag of an image reference ("" without one).
func imageTag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	rest := image[strings.LastIndex(image, "/")+1:]
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		return rest[i+1:]
	}
	return ""
}

// crashloops reports whether a task definition has an essential container
// whose image tag ends in "-crashloop": its tasks never become healthy.
func crashloops(td *record) bool {
	if td == nil {
		return false
	}
	bad := false
	objs(td.Props, "ContainerDefinitions", func(ct map[string]any) {
		ess, ok := boolean(ct, "Essential")
		if (!ok || ess) && strings.HasSuffix(imageTag(str(ct, "Image")), "-crashloop") {
			bad = true
		}
	})
	return bad
}

// startDeployment adds a new primary deployment of the task definition.
func (c *txc) startDeployment(r *record, td *record) error {
	b, err := c.newIDs("ecs-deployment", r.ID)
	if err != nil {
		return err
	}
	cb := obj(obj(r.Props, "DeploymentConfiguration"), "DeploymentCircuitBreaker")
	enable, _ := boolean(cb, "Enable")
	rollback, _ := boolean(cb, "Rollback")
	r.Deployments = append(r.Deployments, &deployment{
		ID:             "ecs-svc/" + b.digits(19),
		TaskDefinition: td.ID,
		Created:        c.now,
		Duration:       c.knobs.DeploymentDuration,
		Crashloop:      crashloops(td),
		CircuitBreaker: enable,
		Rollback:       rollback,
		TargetGroups:   serviceTargetGroups(r.Props),
	})
	// Keep the history short, as ECS does: the primary and the
	// deployments it may still need.
	if n := len(r.Deployments); n > 5 {
		r.Deployments = r.Deployments[n-5:]
	}
	return nil
}

// Health reports the state of the newest deployment gantry started on the
// service (not a rollback the circuit breaker started after it) and of
// the service's load balancer targets. A deployment the circuit breaker
// failed is FAILED, and RolledBack when the service went back to the
// previous task definition.
func (s *Sandbox) Health(ctx context.Context, scope provider.Scope, service *provider.Observed) (*provider.Health, error) {
	if service == nil {
		return nil, fmt.Errorf("sandbox: Health without a service")
	}
	if err := s.readCall(ctx, "ecs:DescribeServices", catalog.Service, service.Address); err != nil {
		return nil, err
	}
	account, region := scopeAccount(scope)
	var h *provider.Health
	var hasTargets bool
	err := s.read(account, region, func(c *txc) error {
		c.op, c.typ, c.addr = "ecs:DescribeServices", catalog.Service, service.Address
		r, err := c.get(catalog.Service, service.ID)
		if err != nil {
			return err
		}
		// A deleted service drains first (its tasks stop): DescribeServices
		// reports it DRAINING until it is INACTIVE, reported as not found.
		if r == nil || (!r.live() && (r.Status != "DRAINING" || drained(r, c.now))) {
			return c.notFound("ServiceNotFoundException", "Service not found.")
		}
		h, hasTargets = serviceHealth(r, c.now), len(list(r.Props, "LoadBalancers")) > 0
		h.Status = provider.ServiceActive
		if r.Status == "DRAINING" {
			h.Status = provider.ServiceDraining
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if h == nil { // a read-only handle on a directory with no database yet
		return nil, &provider.OpError{Address: service.Address, Type: catalog.Service, Operation: "ecs:DescribeServices",
			Code: "ServiceNotFoundException", Message: "Service not found.", NotFound: true}
	}
	if hasTargets {
		if err := s.readCall(ctx, "elasticloadbalancing:DescribeTargetHealth", catalog.Service, service.Address); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func serviceHealth(r *record, now time.Time) *provider.Health {
	statuses := deploymentStatuses(r, now) // newest first
	h := &provider.Health{}
	if len(statuses) == 0 {
		return h
	}
	primary := statuses[0]
	tracked := primary
	for _, st := range statuses {
		if st.RollbackOf == "" {
			tracked = st
			break
		}
	}
	h.DeploymentID = tracked.ID
	h.TaskDefinition = tracked.TaskDefinition
	h.RolloutState = tracked.RolloutState
	h.RolloutStateReason = tracked.RolloutStateReason
	h.Desired = primary.Desired
	for _, st := range statuses {
		if st.Status != "INACTIVE" {
			h.Running += st.Running
		}
	}
	h.Pending = primary.Pending
	h.OlderRunning = h.Running - tracked.Running
	if primary.RollbackOf != "" && primary.RollbackOf == tracked.ID {
		h.RolledBack = true
		h.RolloutState = "FAILED"
		// Both reasons start with "ECS deployment circuit breaker:";
		// say it once.
		h.RolloutStateReason = tracked.RolloutStateReason + " Now " + strings.TrimPrefix(primary.RolloutStateReason, circuitBreakerPrefix)
		if primary.RolloutState == "COMPLETED" {
			h.RolloutStateReason = tracked.RolloutStateReason + " Rolled back to " + primary.TaskDefinition + " (deployment " + primary.ID + ")."
		}
	}
	if len(list(r.Props, "LoadBalancers")) > 0 {
		h.Targets = targetStates(r, statuses, now)
	}
	return h
}

// targetStates counts load balancer targets by state (ELBv2 API Reference:
// TargetHealth, State: initial, healthy, unhealthy, draining, ...): new
// tasks are "initial" while their deployment rolls, then "healthy"; the
// tasks of a crash-looping image are "unhealthy"; old tasks drain for a
// deployment's duration after the new ones are in.
func targetStates(r *record, statuses []DeploymentStatus, now time.Time) map[string]int {
	t := map[string]int{}
	primary := statuses[0]
	switch primary.RolloutState {
	case "COMPLETED":
		t["healthy"] += primary.Running
	case "IN_PROGRESS", "FAILED":
		if primary.Failed > 0 || primary.Pending > 0 && primary.Running == 0 && isCrashloop(r, primary.ID) {
			t["unhealthy"] += primary.Desired
		} else {
			t["initial"] += primary.Running
		}
	}
	// The deployment the primary replaces: serving while the primary
	// rolls, draining for a while after it completed.
	if len(statuses) > 1 {
		prev := statuses[1]
		switch {
		case prev.Status == "ACTIVE":
			t["healthy"] += prev.Running
		case prev.RolloutState == "COMPLETED" && primary.RolloutState == "COMPLETED":
			if d := deploymentByID(r, primary.ID, now); d != nil && d.Duration > 0 && now.Before(d.due().Add(d.Duration.D())) {
				t["draining"] += primary.Desired
			}
		}
	}
	for k, v := range t {
		if v == 0 {
			delete(t, k)
		}
	}
	return t
}

// circuitBreakerPrefix starts the reasons ECS gives for what the circuit
// breaker did (Deployment, rolloutStateReason; the wording is observed).
const circuitBreakerPrefix = "ECS deployment circuit breaker: "

func isCrashloop(r *record, id string) bool {
	for _, d := range r.Deployments {
		if d.ID == id {
			return d.Crashloop
		}
	}
	return false
}

func deploymentByID(r *record, id string, now time.Time) *deployment {
	for _, d := range settle(r, now) {
		if d.ID == id {
			return d
		}
	}
	return nil
}
