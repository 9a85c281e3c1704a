package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Warning kinds.
const (
	// WarnDeployment: a service's newest deployment failed, was rolled
	// back or has not finished (Make reads each service's Health).
	WarnDeployment = "deployment"
	// WarnConfig: a warning of the configuration's checks (gantry
	// validate's), at the user's file:line.
	WarnConfig = "config"
)

// ECS rollout states, as provider.Health reports them.
const (
	rolloutInProgress = "IN_PROGRESS"
	rolloutFailed     = "FAILED"
)

// deploymentWarnings reads the Health of every live resource of a
// health-gated type (services) the plan keeps, once each, a few at a
// time, and returns a warning for each whose newest deployment failed,
// was rolled back or is still in progress: a plan whose properties all
// match may still describe a service that never became healthy (an
// apply killed while a deployment crash-looped). A Health that cannot be
// read is a warning too, never silence.
func deploymentWarnings(ctx context.Context, prov provider.Provider, scope provider.Scope, p *Plan) []Warning {
	var services []*provider.Observed
	for _, o := range p.Live {
		t, ok := catalog.Lookup(o.Type)
		if !ok || !t.HealthGated || strings.Contains(o.Address, "#") {
			continue
		}
		if c := p.Change(o.Address); c == nil || c.Action == Delete {
			continue
		}
		services = append(services, o)
	}
	out := make([]*Warning, len(services))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, o := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			h, err := o.Deployment, error(nil)
			if h == nil { // the listing did not read it
				h, err = prov.Health(ctx, scope, o)
			}
			switch {
			case err != nil:
				out[i] = &Warning{Kind: WarnDeployment, Address: o.Address,
					Message: fmt.Sprintf("its deployment state could not be read: %v", err)}
			case h != nil:
				if msg := unsettled(h); msg != "" {
					out[i] = &Warning{Kind: WarnDeployment, Address: o.Address, Message: msg, Health: h}
				}
			}
		}()
	}
	wg.Wait()
	var ws []Warning
	for _, w := range out {
		if w != nil {
			ws = append(ws, *w)
		}
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].Address < ws[j].Address })
	return ws
}

// unsettled describes a deployment that is not done and healthy, "" for
// one that is (or a service that is draining: it is being deleted).
func unsettled(h *provider.Health) string {
	id := "its newest deployment"
	if h.DeploymentID != "" {
		id += " " + h.DeploymentID
	}
	state := h.RolloutState
	counts := fmt.Sprintf("%d/%d running", h.Running, h.Desired)
	if h.Pending > 0 {
		counts += fmt.Sprintf(", %d pending", h.Pending)
	}
	why := ""
	if h.RolloutStateReason != "" {
		why = ": " + h.RolloutStateReason
	}
	switch {
	case h.Status != "" && h.Status != provider.ServiceActive:
		return ""
	case h.RolledBack:
		return fmt.Sprintf("%s was rolled back by the circuit breaker or an alarm (%s)%s; the service does not run the configured version, and apply verifies it", id, counts, why)
	case state == rolloutFailed:
		return fmt.Sprintf("%s failed (%s)%s; apply verifies it", id, counts, why)
	case state == rolloutInProgress:
		return fmt.Sprintf("%s is still in progress (%s): it has not proven healthy; apply waits for it", id, counts)
	}
	return ""
}
