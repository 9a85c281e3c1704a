package planner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// flakyLister is a provider whose first listings fail with a throttling
// error; it lists nothing once they are used up.
type flakyLister struct {
	provider.Provider
	fails, calls int
}

func (f *flakyLister) ListOwned(context.Context, provider.Scope) ([]*provider.Observed, error) {
	f.calls++
	if f.calls <= f.fails {
		return nil, &provider.OpError{Operation: "tag:GetResources", Code: "ThrottlingException", Retryable: true}
	}
	return nil, nil
}

// TestMakeRetriesTheListingAsOptionsSay: Options.ReadRetry bounds how
// often Make lists live state before it gives up.
func TestMakeRetriesTheListingAsOptionsSay(t *testing.T) {
	scope := provider.Scope{Project: "shop", Environment: "prod"}
	empty := func(map[string]int) (*graph.Graph, error) { return &graph.Graph{}, nil }
	retry := ReadRetry{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}

	f := &flakyLister{fails: 2}
	if _, err := Make(context.Background(), f, scope, empty, Options{Provider: "fake", ReadRetry: retry}); err != nil || f.calls != 3 {
		t.Errorf("two failures, three attempts: err %v after %d listings", err, f.calls)
	}

	f = &flakyLister{fails: 3}
	_, err := Make(context.Background(), f, scope, empty, Options{Provider: "fake", ReadRetry: retry})
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || f.calls != 3 {
		t.Errorf("three failures, three attempts: err %v after %d listings", err, f.calls)
	}
}

// TestReadRetryDefaults: the zero ReadRetry is the planner's defaults.
func TestReadRetryDefaults(t *testing.T) {
	got := ReadRetry{}.withDefaults()
	want := ReadRetry{Attempts: 3, Base: 200 * time.Millisecond, Max: 2 * time.Second}
	if got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
}
