package applier

import (
	"context"
	"fmt"

	"github.com/gantry-gitops/gantry/provider"
)

// The fake's SSM parameters and instance refreshes: parameters answer
// from fakeParams; a refresh's state on its nth poll comes from
// refreshes (Successful on the first poll when nil).

// fakeParams are the parameters every fake resolves.
var fakeParams = map[string]string{
	"/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id": "ami-0a9d0bd3f4a1e6b52",
}

func (f *fake) Resolve(ctx context.Context, scope provider.Scope, names []string) (map[string]string, error) {
	defer f.leave()
	if _, err := f.enter("Resolve"); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		v, ok := fakeParams[n]
		if !ok {
			return nil, &provider.OpError{Operation: "fake:GetParameters", Code: "ParameterNotFound", NotFound: true, Message: n}
		}
		out[n] = v
	}
	return out, nil
}

func (f *fake) StartRefresh(ctx context.Context, scope provider.Scope, group *provider.Observed, prefs provider.RefreshPreferences) (*provider.Refresh, error) {
	defer f.leave()
	n, err := f.enter("StartRefresh " + group.Address)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prefs = append(f.prefs, prefs)
	if f.busy != nil && f.busy.Active() {
		r := *f.busy
		return &r, nil
	}
	f.busy = &provider.Refresh{ID: fmt.Sprintf("refresh-%d", n), Status: provider.RefreshPending, Started: true}
	f.polls[group.Address] = 0
	r := *f.busy
	return &r, nil
}

func (f *fake) Refresh(ctx context.Context, scope provider.Scope, group *provider.Observed, id string) (*provider.Refresh, error) {
	defer f.leave()
	if _, err := f.enter("Refresh " + group.Address); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy == nil {
		return nil, nil
	}
	f.polls[group.Address]++
	r := provider.Refresh{ID: f.busy.ID, Status: provider.RefreshSuccessful, PercentageComplete: 100}
	if f.refreshes != nil {
		r = f.refreshes(group.Address, f.polls[group.Address])
		r.ID = f.busy.ID
	}
	*f.busy = r
	return &r, nil
}
