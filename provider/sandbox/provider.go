package sandbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// write runs fn in a write transaction for scope's account and region,
// with the transaction context naming the call.
func (s *Sandbox) write(scope provider.Scope, op, typ, address string, fn func(c *txc) error) error {
	account, region := scopeAccount(scope)
	return s.st.update(func(tx *bolt.Tx) error {
		c := s.newTxc(tx, account, region)
		c.op, c.typ, c.addr = op, typ, address
		return fn(c)
	})
}

// read runs fn in a read transaction.
func (s *Sandbox) read(account, region string, fn func(c *txc) error) error {
	return s.st.view(func(tx *bolt.Tx) error {
		return fn(s.newTxc(tx, account, region))
	})
}

// Create creates the resource req describes, or adopts one that exists
// with the same identity and this scope's ownership tags (and address),
// updating it to req: a retried create never duplicates anything. For
// task definitions it registers a new revision (or returns the latest one
// when it already is exactly req).
func (s *Sandbox) Create(ctx context.Context, scope provider.Scope, req provider.Request) (*provider.Observed, error) {
	h, err := handlerFor(req.Type, "Create")
	if err != nil {
		return nil, err
	}
	props, err := h.props(req.Properties)
	if err != nil {
		return nil, &provider.OpError{Address: req.Address, Type: req.Type, Operation: h.CreateOp, Code: "ValidationError", Message: err.Error()}
	}
	after, err := s.call(ctx, h.CreateOp, req.Type, req.Address, true)
	if err != nil {
		return nil, err
	}
	return s.writeObserved(scope, h.CreateOp, req.Type, req.Address, after, func(c *txc) (*record, error) {
		return c.create(h, scope, req, props)
	})
}

// writeObserved runs fn in a write transaction and returns the record fn
// wrote as the API reads it back. after is the failure s.call injects once
// the write is done: the write stays and the caller gets the error.
func (s *Sandbox) writeObserved(scope provider.Scope, op, typ, address string, after *provider.OpError, fn func(c *txc) (*record, error)) (*provider.Observed, error) {
	var obs *provider.Observed
	err := s.write(scope, op, typ, address, func(c *txc) error {
		r, err := fn(c)
		if err != nil {
			return err
		}
		obs = c.observe(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if after != nil {
		return nil, after
	}
	return obs, nil
}

// create is Create inside the transaction.
func (c *txc) create(h *handler, scope provider.Scope, req provider.Request, props map[string]any) (*record, error) {
	if h.NameProp != "" && str(props, h.NameProp) == "" {
		name, err := c.generateName(h, scope, req.Address)
		if err != nil {
			return nil, err
		}
		props[h.NameProp] = name
	}
	own := scopeOwner(h, scope, req.Address)
	if h.Revisioned {
		return c.register(h, scope, req.Address, props, req.Tags, own)
	}
	k := ""
	if h.Key != nil {
		var err error
		if k, err = h.Key(c, props); err != nil {
			return nil, err
		}
	}
	if k != "" {
		ex, err := c.byAlias(h.Type, k)
		if err != nil {
			return nil, err
		}
		if ex != nil && ex.Key == k && indexed(ex) && !drained(ex, c.now) {
			return c.createOver(h, scope, req, props, ex)
		}
	}
	r := &record{Type: h.Type, Key: k, Props: props, Tags: maps.Clone(req.Tags), Owner: own}
	if h.Validate != nil {
		if err := h.Validate(c, r, nil); err != nil {
			return nil, err
		}
	}
	if err := h.Create(c, r); err != nil {
		return nil, err
	}
	if old, err := c.get(h.Type, r.ID); err != nil {
		return nil, err
	} else if old != nil {
		// A deleted resource with the same identifier (a recreated cluster
		// or service has the same ARN): the new one replaces it.
		if err := c.remove(old); err != nil {
			return nil, err
		}
	}
	return r, c.put(nil, r)
}

// createOver answers a create whose key ex already holds. The provider
// contract (provider.Provider.Create) adopts ex when it carries this
// scope's ownership tags and the request's address: a retried create
// updates it to the request. Any other resource is never taken over by
// gantry, even where AWS's own create would answer with it or overwrite
// it (CreateCluster, PutMetricAlarm): the provider refuses, naming it.
// Outside gantry (the console, CreateUnowned: no scope) the create does
// what the AWS API does (handler.Upsert).
func (c *txc) createOver(h *handler, scope provider.Scope, req provider.Request, props map[string]any, ex *record) (*record, error) {
	if !ex.live() {
		return nil, h.Duplicate(c, ex)
	}
	if adoptable(ex, scope, req.Address) {
		return c.update(h, ex, props, req.Tags)
	}
	if scope.Project != "" {
		return nil, h.Duplicate(c, ex)
	}
	switch h.Upsert {
	case upsertReturn:
		return ex, nil
	case upsertSameSettings:
		if jsonEqual(ex.Props, props) {
			return ex, nil
		}
	case upsertReplace:
		// Tags nil: an update keeps the tags (PutMetricAlarm ignores
		// Tags on an existing alarm; TagResource changes them).
		return c.update(h, ex, props, nil)
	case upsertMerge:
		merged := copyMap(ex.Props)
		maps.Copy(merged, props)
		return c.update(h, ex, merged, nil)
	}
	return nil, h.Duplicate(c, ex)
}

// scopeOwner is the Owner of a resource of an untaggable type created for
// scope at address (nil for taggable types and unscoped creates).
func scopeOwner(h *handler, scope provider.Scope, address string) *owner {
	if h.Taggable || scope.Project == "" {
		return nil
	}
	return &owner{Project: scope.Project, Environment: scope.Environment, Address: address}
}

// adoptable reports whether an existing resource is the one a create is
// retrying: it carries scope's ownership tags and the same address.
func adoptable(ex *record, scope provider.Scope, address string) bool {
	if scope.Project == "" || !ex.ownedBy(scope.Project, scope.Environment) {
		return false
	}
	a := ex.address()
	return address == "" || a == "" || a == address
}

// Update changes the live resource to req in place. Properties AWS cannot
// change in place fail with NotUpdatable; a task definition registers a
// new revision (unless only its tags change).
func (s *Sandbox) Update(ctx context.Context, scope provider.Scope, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if live == nil {
		return nil, fmt.Errorf("sandbox: Update without the live resource")
	}
	typ := req.Type
	if typ == "" {
		typ = live.Type
	}
	h, err := handlerFor(typ, "Update")
	if err != nil {
		return nil, err
	}
	address := req.Address
	if address == "" {
		address = live.Address
	}
	props, err := h.props(req.Properties)
	if err != nil {
		return nil, &provider.OpError{Address: address, Type: typ, Operation: h.UpdateOp, Code: "ValidationError", Message: err.Error()}
	}
	after, err := s.call(ctx, h.UpdateOp, typ, address, true)
	if err != nil {
		return nil, err
	}
	return s.writeObserved(scope, h.UpdateOp, typ, address, after, func(c *txc) (*record, error) {
		old, err := s.liveRecord(c, h, scope, typ, live.ID)
		if err != nil {
			return nil, err
		}
		return c.update(h, old, props, req.Tags)
	})
}

// liveRecord returns the live record a write changes in place (Update,
// Tag), failing with the type's NotFound error when it is gone, and
// counts the write when scope does not own the resource.
func (s *Sandbox) liveRecord(c *txc, h *handler, scope provider.Scope, typ, id string) (*record, error) {
	old, err := c.get(typ, id)
	if err != nil {
		return nil, err
	}
	if old == nil || !old.live() {
		return nil, h.NotFound(c, id)
	}
	if !old.ownedBy(scope.Project, scope.Environment) {
		s.countUnownedWrite(old, c.op)
	}
	return old, nil
}

func (s *Sandbox) countUnownedWrite(r *record, op string) {
	s.mu.Lock()
	s.stats.UnownedWrites++
	s.mu.Unlock()
	s.log.Warn("sandbox: write to a resource without this scope's ownership tags",
		"operation", op, "type", r.Type, "id", r.ID)
}

// update is Update inside the transaction: old becomes props and tags
// (tags nil keeps the old tags).
func (c *txc) update(h *handler, old *record, props map[string]any, tags map[string]string) (*record, error) {
	if h.NameProp != "" && str(props, h.NameProp) == "" {
		props[h.NameProp] = old.Props[h.NameProp]
	}
	if tags == nil {
		tags = old.Tags
	}
	if err := c.checkCreateOnly(h, old, props); err != nil {
		return nil, err
	}
	if h.Revisioned {
		if jsonEqual(old.Props, props) {
			r := *old
			r.Tags = maps.Clone(tags)
			return &r, c.put(old, &r)
		}
		return c.register(h, provider.Scope{}, "", props, tags, old.Owner)
	}
	k := old.Key
	if h.Key != nil {
		var err error
		if k, err = h.Key(c, props); err != nil {
			return nil, err
		}
		if k != old.Key {
			if ex, err := c.byAlias(h.Type, k); err != nil {
				return nil, err
			} else if ex != nil && ex.ID != old.ID && ex.Key == k && indexed(ex) {
				return nil, h.Duplicate(c, ex)
			}
		}
	}
	r := *old
	r.Key = k
	r.Props = props
	r.Tags = maps.Clone(tags)
	if h.Validate != nil {
		if err := h.Validate(c, &r, old); err != nil {
			return nil, err
		}
	}
	if h.Update != nil {
		if err := h.Update(c, old, &r); err != nil {
			return nil, err
		}
	}
	return &r, c.put(old, &r)
}

// checkCreateOnly refuses an in-place change of a create-only property,
// comparing both sides as AWS reads them back (so a cluster named by name
// or ARN is the same cluster). NotUpdatable is the CloudFormation resource
// handlers' code for it (CloudFormation CLI User Guide: Resource type
// handler error codes); the AWS APIs have no update call for these
// properties.
func (c *txc) checkCreateOnly(h *handler, old *record, props map[string]any) error {
	if len(h.CreateOnly) == 0 {
		return nil
	}
	quiet := *c
	quiet.knobs.NoShuffle = true
	a := quiet.observe(old).Properties
	tmp := *old
	tmp.Props = props
	b := quiet.observe(&tmp).Properties
	for _, p := range h.CreateOnly {
		if !jsonEqual(a[p], b[p]) {
			return c.errorf("NotUpdatable", "Resource of type '%s' with identifier '%s' cannot be updated in place: property %s is create-only (replace the resource)", h.Type, old.ID, p)
		}
	}
	return nil
}

// Delete deletes the live resource. A resource that is already gone is
// not an error (the provider contract; AWS's own answer varies: ELBv2
// DeleteLoadBalancer succeeds, most others say not found); one still in
// use fails with AWS's error for it.
func (s *Sandbox) Delete(ctx context.Context, scope provider.Scope, live *provider.Observed) error {
	if live == nil {
		return fmt.Errorf("sandbox: Delete without the live resource")
	}
	h, err := handlerFor(live.Type, "Delete")
	if err != nil {
		return err
	}
	after, err := s.call(ctx, h.DeleteOp, live.Type, live.Address, true)
	if err != nil {
		return err
	}
	err = s.write(scope, h.DeleteOp, live.Type, live.Address, func(c *txc) error {
		r, err := c.get(live.Type, live.ID)
		if err != nil || r == nil || !r.live() {
			return err
		}
		if !r.ownedBy(scope.Project, scope.Environment) {
			s.countUnownedWrite(r, c.op)
		}
		if scope.Project != "" {
			if err := c.checkChildren(scope, live.Address, r, h, r, true); err != nil {
				return err
			}
		}
		return c.delete(h, r)
	})
	if err != nil {
		s.noteInUse(live, err)
		return err
	}
	if after != nil {
		return after
	}
	return nil
}

// checkChildren refuses the delete of top (at address) when r, top
// itself or one of its descendants, has a child (handler.Children) that
// scope does not own or that gantry keeps (graph.TagRetain): deleting
// top would delete it (cascades, every step so far deleting with its
// parent) or AWS refuses because of it. The children and their tags are
// read as DescribeListeners, DescribeRules, DescribeServices would.
func (c *txc) checkChildren(scope provider.Scope, address string, top *record, h *handler, r *record, cascades bool) error {
	if len(h.Children) == 0 {
		return nil
	}
	kids, err := c.referrers(r, h.Children...)
	if err != nil {
		return err
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].ID < kids[j].ID })
	for _, k := range kids {
		project, env, addr, ok := k.ownership()
		mine := ok && project == scope.Project && env == scope.Environment
		retained := mine && k.Tags[graph.TagRetain] == "true"
		if !mine || retained {
			ce := &provider.ChildError{Address: address, Type: top.Type, ID: top.ID,
				ChildType: k.Type, ChildID: k.ID, ChildAddress: addr, Retained: retained,
				Cascades: cascades && h.Cascades}
			if ok && !mine {
				ce.ChildOwner = "project " + project + ", environment " + env
			}
			if !ok {
				ce.ChildAddress = ""
			}
			return ce
		}
		if kh := handlers[k.Type]; kh != nil {
			if err := c.checkChildren(scope, address, top, kh, k, cascades && h.Cascades); err != nil {
				return err
			}
		}
	}
	return nil
}

// inUseCodes are the error codes of a delete AWS refuses because
// something still uses the resource (EC2 DeleteSecurityGroup, ELBv2
// DeleteTargetGroup, ECS PutClusterCapacityProviders and DeleteCluster,
// IAM DeleteRole: each its API reference's error).
var inUseCodes = map[string]bool{
	"DependencyViolation": true, "ResourceInUse": true, "ResourceInUseException": true,
	"DeleteConflict": true, "ClusterContainsServicesException": true,
	"ClusterContainsTasksException": true, "ClusterContainsContainerInstancesException": true,
}

// noteInUse counts a delete refused as in use (Stats.InUse).
func (s *Sandbox) noteInUse(live *provider.Observed, err error) {
	var op *provider.OpError
	if !errors.As(err, &op) || !inUseCodes[op.Code] {
		return
	}
	s.mu.Lock()
	s.stats.InUse = append(s.stats.InUse, fmt.Sprintf("%s %s: %s", op.Operation, live.Address, op.Code))
	s.mu.Unlock()
}

func (c *txc) delete(h *handler, r *record) error {
	if h.CheckDelete != nil {
		if err := h.CheckDelete(c, r); err != nil {
			return err
		}
	}
	if h.Delete != nil {
		return h.Delete(c, r)
	}
	return c.remove(r)
}

// observe returns r as the API reads it back.
func (c *txc) observe(r *record) *provider.Observed {
	h := handlers[r.Type]
	p := copyMap(r.Props)
	if h != nil && h.Read != nil {
		h.Read(c, r, p)
	}
	o := &provider.Observed{
		Address:    r.address(),
		Type:       r.Type,
		ID:         r.ID,
		Properties: p,
		Attributes: maps.Clone(r.Attrs),
		Tags:       maps.Clone(r.Tags),
	}
	if h != nil && h.Deployment != nil && r.live() {
		o.Deployment = h.Deployment(c, r)
	}
	if h != nil && h.Fleet != nil && r.live() {
		o.Fleet = h.Fleet(c, r)
	}
	return o
}

// ListOwned returns every live resource tagged as owned by scope's project
// and environment in its account and region, sorted by address (then id).
// For task definitions, the latest ACTIVE revision of each family is at
// its address; older ACTIVE revisions (left by an apply that stopped
// before deregistering them) are listed too, each at the address with a
// "#REVISION" suffix; every revision's UsedBy names the live services
// whose deployments (PRIMARY or ACTIVE) run it.
//
// The read is one snapshot of the database; the API calls an AWS
// provider would need (see handler.Reads: paginated describes, a few
// per-item calls) are simulated, with latency, injected failures and the
// SDK's retries, in parallel up to Options.ReadConcurrency.
func (s *Sandbox) ListOwned(ctx context.Context, scope provider.Scope) ([]*provider.Observed, error) {
	account, region := scopeAccount(scope)
	byType := map[string][]*provider.Observed{}
	err := s.read(account, region, func(c *txc) error {
		families := map[string][]*record{} // task definition family → ACTIVE revisions
		// This region's resources, then the account's global ones (IAM).
		for _, rg := range []string{region, ""} {
			if err := scanPrefix(c.tx.Bucket(bOwners), prefix(scope.Project, scope.Environment, account, rg), func(k, _ []byte) error {
				parts := splitKey(k)
				typ, id := parts[4], parts[5]
				r, err := c.getIn(rg, typ, id)
				if err != nil || r == nil || !r.live() {
					return err
				}
				if h := handlers[typ]; h != nil && h.Revisioned {
					fam := typ + "\x00" + str(r.Props, "Family")
					families[fam] = append(families[fam], r)
					return nil
				}
				byType[typ] = append(byType[typ], c.observe(r))
				return nil
			}); err != nil {
				return err
			}
		}
		if len(families) == 0 {
			return nil
		}
		inUse, err := c.revisionsInUse()
		if err != nil {
			return err
		}
		for _, revs := range families {
			sort.Slice(revs, func(i, j int) bool { return revs[i].Revision > revs[j].Revision })
			for i, r := range revs {
				o := c.observe(r)
				if i > 0 {
					// An older revision: at an address of its own.
					o.Address = fmt.Sprintf("%s#%d", o.Address, r.Revision)
					if o.Tags != nil && o.Tags[graph.TagAddress] != "" {
						o.Tags[graph.TagAddress] = o.Address
					}
				}
				o.UsedBy = inUse[r.ID]
				byType[r.Type] = append(byType[r.Type], o)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.simulateReads(ctx, byType); err != nil {
		return nil, err
	}
	var out []*provider.Observed
	for _, obs := range byType {
		out = append(out, obs...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Address != out[j].Address {
			return out[i].Address < out[j].Address
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// revisionsInUse returns, by task definition ARN, the services in this
// region (whoever owns them, draining ones too) that a deployment (PRIMARY
// or ACTIVE) of it runs.
func (c *txc) revisionsInUse() (map[string][]string, error) {
	out := map[string][]string{}
	add := func(td, svc string) {
		if !slices.Contains(out[td], svc) {
			out[td] = append(out[td], svc)
		}
	}
	err := c.scan(catalog.Service, func(svc *record) error {
		if !indexed(svc) {
			return nil
		}
		if td := str(svc.Props, "TaskDefinition"); td != "" {
			if r, _ := c.taskDefinition(td); r != nil {
				add(r.ID, svc.ID)
			}
		}
		for _, st := range deploymentStatuses(svc, c.now) {
			if st.Status != "INACTIVE" {
				add(st.TaskDefinition, svc.ID)
			}
		}
		return nil
	})
	return out, err
}

// simulateReads makes the API calls listing these resources would take:
// for every type, its paginated calls one page after another, and its
// per-item calls, all types and items in parallel up to ReadConcurrency.
func (s *Sandbox) simulateReads(ctx context.Context, byType map[string][]*provider.Observed) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.ReadConcurrency)
	for _, typ := range Types() {
		h := handlers[typ]
		items := byType[typ]
		for _, rc := range h.Reads {
			if rc.PerItem {
				for _, o := range items {
					addr := o.Address
					g.Go(func() error { return s.readCall(ctx, rc.Op, typ, addr) })
				}
				continue
			}
			pages := (len(items) + rc.Page - 1) / rc.Page
			if pages == 0 {
				pages = 1
			}
			g.Go(func() error {
				for i := 0; i < pages; i++ {
					if err := s.readCall(ctx, rc.Op, typ, ""); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	return g.Wait()
}
