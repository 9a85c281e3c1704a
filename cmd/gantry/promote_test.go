package main

import (
	"context"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/compiler"
	"github.com/gantry-gitops/gantry/provider"
)

// liveFake is a provider with a fixed listing; Health answers for the
// services the listing has no deployment for.
type liveFake struct {
	provider.Provider
	observed []*provider.Observed
	health   map[string]*provider.Health // by service id
	healthed []string
}

func (f *liveFake) ListOwned(context.Context, provider.Scope) ([]*provider.Observed, error) {
	return f.observed, nil
}

func (f *liveFake) Health(_ context.Context, _ provider.Scope, o *provider.Observed) (*provider.Health, error) {
	f.healthed = append(f.healthed, o.ID)
	return f.health[o.ID], nil
}

const tdARN = "arn:aws:ecs:eu-west-1:111111111111:task-definition/acme-staging-api:7"

func taskDef(arn string, containers ...map[string]any) *provider.Observed {
	defs := make([]any, len(containers))
	for i, c := range containers {
		defs[i] = c
	}
	return &provider.Observed{Address: "service/api/task-definition", Type: catalog.TaskDefinition, ID: arn,
		Properties: map[string]any{"ContainerDefinitions": defs}}
}

func service(dep *provider.Health) *provider.Observed {
	return &provider.Observed{Address: compiler.ServiceAddress("api"), Type: catalog.Service, ID: "svc-api", Deployment: dep}
}

func TestLiveImages(t *testing.T) {
	done := &provider.Health{RolloutState: "COMPLETED", TaskDefinition: tdARN}
	containers := []map[string]any{
		{"Name": "otel", "Image": "otel/collector:1"},
		{"Name": "api", "Image": "registry/api:1.8.0"},
	}
	for _, tc := range []struct {
		name      string
		fake      *liveFake
		want      string // the image, or the error's text
		wantError bool
	}{
		{name: "the primary deployment's task definition, the service's own container",
			fake: &liveFake{observed: []*provider.Observed{service(done), taskDef(tdARN, containers...),
				taskDef(tdARN[:len(tdARN)-1]+"6", map[string]any{"Name": "api", "Image": "registry/api:1.7.0"})}},
			want: "registry/api:1.8.0"},
		{name: "deployment read with Health when the listing has none",
			fake: &liveFake{observed: []*provider.Observed{service(nil), taskDef(tdARN, containers...)},
				health: map[string]*provider.Health{"svc-api": done}},
			want: "registry/api:1.8.0"},
		{name: "in progress",
			fake: &liveFake{observed: []*provider.Observed{service(&provider.Health{RolloutState: "IN_PROGRESS", TaskDefinition: tdARN}), taskDef(tdARN, containers...)}},
			want: "staging's deployment of api is IN_PROGRESS, not COMPLETED", wantError: true},
		{name: "rolled back",
			fake: &liveFake{observed: []*provider.Observed{service(&provider.Health{RolloutState: "COMPLETED", RolledBack: true, RolloutStateReason: "circuit breaker", TaskDefinition: tdARN}), taskDef(tdARN, containers...)}},
			want: "staging rolled back its last deployment of api (circuit breaker)", wantError: true},
		{name: "not applied",
			fake: &liveFake{},
			want: "staging runs no service api (not applied yet?)", wantError: true},
		{name: "a task definition gantry does not own",
			fake: &liveFake{observed: []*provider.Observed{service(done)}},
			want: "runs the task definition " + tdARN + ", which gantry does not own", wantError: true},
		{name: "no container of the service's name",
			fake: &liveFake{observed: []*provider.Observed{service(done), taskDef(tdARN, containers[0])}},
			want: "has no container api", wantError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := liveImages(context.Background(), tc.fake, provider.Scope{Environment: "staging"}, []string{"api"})
			switch {
			case tc.wantError && err == nil:
				t.Fatalf("got %v, want an error with %q", got, tc.want)
			case tc.wantError && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			case !tc.wantError && err != nil:
				t.Fatal(err)
			case !tc.wantError && got["api"] != tc.want:
				t.Fatalf("image %q, want %q", got["api"], tc.want)
			}
		})
	}
}
