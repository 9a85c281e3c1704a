package applier

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// The engine's unit tests run against this small in-memory provider; the
// behaviour tests against the sandbox are in sandbox_test.go.

func init() {
	// Register the types the tests use unless the real catalog already
	// has them (it decides stage and flags the same way).
	for _, t := range []*catalog.Type{
		{Name: catalog.IAMRole, Short: "role", Stage: catalog.StageIdentity},
		{Name: catalog.SecurityGroup, Short: "security group", Stage: catalog.StageIdentity},
		{Name: catalog.ECRRepository, Short: "repository", Stage: catalog.StageFoundation},
		{Name: catalog.LogGroup, Short: "log group", Stage: catalog.StageFoundation},
		{Name: catalog.Cluster, Short: "cluster", Stage: catalog.StageFoundation},
		{Name: catalog.TaskDefinition, Short: "task definition", Stage: catalog.StageRouting, Revisioned: true},
		{Name: catalog.TargetGroup, Short: "target group", Stage: catalog.StageRouting},
		{Name: catalog.ListenerRule, Short: "listener rule", Stage: catalog.StageRouting},
		{Name: catalog.Service, Short: "service", Stage: catalog.StageServices, HealthGated: true},
		{Name: catalog.ScalableTarget, Short: "scalable target", Stage: catalog.StageScaling},
	} {
		if _, ok := catalog.Lookup(t.Name); !ok {
			catalog.Register(t)
		}
	}
}

type fakeObj struct {
	obs     *provider.Observed
	deleted bool
}

// fake is an in-memory provider. Identity is the "Name" property (else
// the address); task definitions get a new revision on every Create.
type fake struct {
	mu       sync.Mutex
	objs     []*fakeObj
	seq      int
	calls    []string
	inFlight int
	maxIn    int
	// fail returns an error for a call ("Create service/a"), or nil.
	fail func(call string, n int) error
	// health returns the health of a service on its nth poll (from 1).
	health func(addr string, n int) *provider.Health
	polls  map[string]int
	delay  time.Duration
	// gate, when set, blocks every call until it is closed.
	gate chan struct{}
	// started gets the call name as each call starts, when set.
	started chan string
	lock    *provider.LockInfo
	// busy is the instance refresh under way (or last), prefs the
	// preferences of every StartRefresh; refreshes, when set, gives a
	// refresh's state on its nth poll (fake_refresh_test.go).
	busy      *provider.Refresh
	prefs     []provider.RefreshPreferences
	refreshes func(addr string, n int) provider.Refresh
}

func newFake() *fake { return &fake{polls: map[string]int{}} }

func (f *fake) Name() string { return "fake" }

func (f *fake) enter(call string) (int, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	fail := f.fail
	f.mu.Unlock()
	if f.started != nil {
		f.started <- call
	}
	if f.gate != nil {
		<-f.gate
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if fail != nil {
		if err := fail(call, n); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (f *fake) leave() {
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
}

func (f *fake) ListOwned(ctx context.Context, scope provider.Scope) ([]*provider.Observed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*provider.Observed
	for _, o := range f.objs {
		if !o.deleted {
			out = append(out, o.obs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

func identity(addr string, props map[string]any) string {
	if n, ok := props["Name"].(string); ok {
		return n
	}
	return addr
}

func (f *fake) Create(ctx context.Context, scope provider.Scope, req provider.Request) (*provider.Observed, error) {
	defer f.leave()
	if _, err := f.enter("Create " + req.Address); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	name := identity(req.Address, req.Properties)
	if req.Type != catalog.TaskDefinition {
		for _, o := range f.objs {
			if !o.deleted && identity(o.obs.Address, o.obs.Properties) == name && o.obs.Type == req.Type {
				o.obs.Properties = req.Properties // adopt
				o.obs.Tags = req.Tags
				return o.obs, nil
			}
		}
	}
	f.seq++
	id := fmt.Sprintf("arn:fake:%s:%d", name, f.seq)
	o := &provider.Observed{
		Address: req.Address, Type: req.Type, ID: id,
		Properties: maps.Clone(req.Properties), Tags: maps.Clone(req.Tags),
		Attributes: map[string]string{"Arn": id, "Name": name},
	}
	f.objs = append(f.objs, &fakeObj{obs: o})
	return o, nil
}

func (f *fake) Update(ctx context.Context, scope provider.Scope, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	defer f.leave()
	if _, err := f.enter("Update " + req.Address); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.objs {
		if o.obs.ID == live.ID && !o.deleted {
			o.obs.Properties = maps.Clone(req.Properties)
			o.obs.Tags = maps.Clone(req.Tags)
			return o.obs, nil
		}
	}
	return nil, &provider.OpError{Address: req.Address, Operation: "fake:Update", Code: "NotFound", NotFound: true}
}

func (f *fake) Tag(ctx context.Context, scope provider.Scope, live *provider.Observed, tags map[string]string) (*provider.Observed, error) {
	defer f.leave()
	if _, err := f.enter("Tag " + live.Address); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.objs {
		if o.obs.ID == live.ID && !o.deleted {
			o.obs.Tags = maps.Clone(o.obs.Tags)
			if o.obs.Tags == nil {
				o.obs.Tags = map[string]string{}
			}
			maps.Copy(o.obs.Tags, tags)
			return o.obs, nil
		}
	}
	return nil, &provider.OpError{Address: live.Address, Operation: "fake:Tag", Code: "NotFound", NotFound: true}
}

func (f *fake) Delete(ctx context.Context, scope provider.Scope, live *provider.Observed) error {
	defer f.leave()
	if _, err := f.enter("Delete " + live.Address + " " + live.ID); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range f.objs {
		if o.obs.ID == live.ID && !o.deleted {
			if o.obs.Properties["Images"] != nil && o.obs.Properties["EmptyOnDelete"] != true {
				return &provider.OpError{Address: live.Address, Operation: "ecr:DeleteRepository", Code: "RepositoryNotEmptyException", Message: "still contains images"}
			}
			// In use while another live resource names it.
			for _, p := range f.objs {
				if p.deleted || p == o {
					continue
				}
				used := false
				graph.WalkStrings(p.obs.Properties, func(s string) { used = used || s == live.ID })
				if used {
					return &provider.OpError{Address: live.Address, Operation: "fake:Delete", Code: "ResourceInUse", Message: "used by " + p.obs.Address}
				}
			}
			o.deleted = true
		}
	}
	return nil
}

func (f *fake) Health(ctx context.Context, scope provider.Scope, svc *provider.Observed) (*provider.Health, error) {
	defer f.leave()
	if _, err := f.enter("Health " + svc.Address); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.gone(svc.ID) {
		// A deleted service is INACTIVE at once here: reported as gone.
		f.mu.Unlock()
		return nil, &provider.OpError{Address: svc.Address, Operation: "fake:Health", Code: "ServiceNotFoundException", NotFound: true}
	}
	f.polls[svc.Address]++
	n := f.polls[svc.Address]
	hf := f.health
	f.mu.Unlock()
	if hf == nil {
		td, _ := svc.Properties["TaskDefinition"].(string)
		return &provider.Health{DeploymentID: "d-1", RolloutState: rolloutCompleted, TaskDefinition: td, Desired: 1, Running: 1}, nil
	}
	return hf(svc.Address, n), nil
}

// gone reports whether the resource with id was deleted (and not
// created again); f.mu held.
func (f *fake) gone(id string) bool {
	seen := false
	for _, o := range f.objs {
		if o.obs.ID == id {
			if !o.deleted {
				return false
			}
			seen = true
		}
	}
	return seen
}

func (f *fake) Lock(ctx context.Context, scope provider.Scope, info provider.LockInfo) (func() error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lock != nil {
		return nil, &provider.LockedError{Holder: *f.lock}
	}
	f.lock = &info
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.lock != nil && f.lock.ID == info.ID {
			f.lock = nil
		}
		return nil
	}, nil
}

func (f *fake) Unlock(ctx context.Context, scope provider.Scope, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lock == nil || f.lock.ID != id {
		return fmt.Errorf("no lock %s", id)
	}
	f.lock = nil
	return nil
}

// callsMatching returns the calls that start with prefix, in order.
func (f *fake) callsMatching(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fake) indexOf(t *testing.T, call string) int {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.calls {
		if c == call || strings.HasPrefix(c, call+" ") {
			return i
		}
	}
	t.Fatalf("no call %q in %v", call, f.calls)
	return -1
}

// --- plan building helpers ---

var testScope = provider.Scope{Project: "shop", Environment: "test", Account: "111111111111", Region: "eu-west-1"}

func res(addr, typ string, props map[string]any, deps ...string) *graph.Resource {
	if props == nil {
		props = map[string]any{}
	}
	return &graph.Resource{Address: addr, Type: typ, Properties: props, Tags: map[string]string{graph.TagAddress: addr}, DependsOn: deps}
}

func ref(addr, attr string) graph.Ref { return graph.Ref{Address: addr, Attribute: attr} }

// planFor builds a plan that creates every resource of g that live lacks
// (by address) and applies the given extra changes.
func planFor(g *graph.Graph, live []*provider.Observed, extra ...*planner.Change) *planner.Plan {
	g.Sort()
	seen := map[string]bool{}
	for _, o := range live {
		seen[o.Address] = true
	}
	override := map[string]bool{}
	for _, c := range extra {
		override[c.Address+string(c.Action)] = true
		override[c.Address] = c.Action != planner.Delete || override[c.Address]
	}
	p := &planner.Plan{Scope: testScope, Desired: g, Live: live}
	for _, r := range g.Resources {
		if override[r.Address] {
			continue
		}
		c := &planner.Change{Address: r.Address, Type: r.Type, Stage: catalog.MustLookup(r.Type).Stage, Action: planner.Create}
		if seen[r.Address] {
			c.Action = planner.NoOp
		}
		p.Changes = append(p.Changes, c)
	}
	for _, c := range extra {
		if c.Stage == 0 {
			c.Stage = catalog.MustLookup(c.Type).Stage
		}
		p.Changes = append(p.Changes, c)
	}
	return p
}

func testGraph(rs ...*graph.Resource) *graph.Graph {
	return &graph.Graph{Project: "shop", Environment: "test", Resources: rs}
}

// fastOpts: no real waiting anywhere.
func fastOpts() Options {
	return Options{
		Parallelism:  4,
		Retry:        Retry{Attempts: 5, Base: time.Microsecond, Max: time.Millisecond},
		PollInterval: time.Millisecond,
		PollMax:      2 * time.Millisecond,
	}
}
