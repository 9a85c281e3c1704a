package aws

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// handler is what the provider knows about one resource type.
type handler struct {
	Type string
	// ARN reports whether an ARN the Tagging API returned is of this type
	// (nil for types it does not list: IAM, Auto Scaling groups, and the
	// untaggable types owned through a parent).
	ARN func(arn string) bool
	// List reads the owned resources of the type. tagged are the ARNs the
	// Tagging API returned for it, with their tags; types it does not list
	// find their own and check their tags.
	List func(ctx context.Context, c *call, tagged []taggedARN) ([]*provider.Observed, error)
	// Create makes the resource, or adopts one with the same identity that
	// carries the scope's ownership tags, and returns it as read back.
	Create func(ctx context.Context, c *call, req provider.Request) (*provider.Observed, error)
	// Update changes live to req with the narrowest calls that change
	// what differs, and returns it as read back.
	Update func(ctx context.Context, c *call, live *provider.Observed, req provider.Request) (*provider.Observed, error)
	// Tag adds or overwrites tags on live.
	Tag func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error
	// Delete removes live; gone already is not an error.
	Delete func(ctx context.Context, c *call, live *provider.Observed) error
	// Children, for a type with catalog Children, reads the live children
	// of the resource with id, owned or not, with their tags (see
	// children.go); Cascades says whether AWS deletes them with it (else
	// it refuses the delete while they exist).
	Children func(ctx context.Context, c *call, id string) ([]child, error)
	Cascades bool
}

// taggedARN is one resource the Tagging API listed.
type taggedARN struct {
	ARN  string
	Tags map[string]string
}

var handlers = map[string]*handler{}

// register adds a handler at init; it panics for a type the catalog does
// not know or a duplicate, so a misspelt name never ships.
func register(h *handler) {
	if _, ok := catalog.Lookup(h.Type); !ok {
		panic("aws: handler for unknown catalog type " + h.Type)
	}
	if _, dup := handlers[h.Type]; dup {
		panic("aws: duplicate handler " + h.Type)
	}
	if h.List == nil || h.Create == nil || h.Update == nil || h.Tag == nil || h.Delete == nil {
		panic("aws: incomplete handler " + h.Type)
	}
	if t, _ := catalog.Lookup(h.Type); len(t.Children) > 0 && h.Children == nil {
		panic("aws: handler " + h.Type + " does not read the children the catalog lists")
	}
	handlers[h.Type] = h
}

// Types lists the resource types the provider implements, sorted.
func Types() []string {
	out := make([]string, 0, len(handlers))
	for t := range handlers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// call is one provider call's context: the provider, the scope, and the
// resource it is about, for error messages.
type call struct {
	p       *Provider
	scope   provider.Scope
	address string
	typ     string
	// listing is shared by the handlers of one ListOwned, for what one
	// type's read tells another's (the task definitions services run).
	listing *listing
}

// err wraps an SDK error as an *provider.OpError naming c's resource.
func (c *call) err(err error) error { return opError(err, c.address, c.typ) }

// errorf is an error of gantry's own about c's resource, in OpError form.
func (c *call) errorf(op, code, format string, a ...any) error {
	return &provider.OpError{Address: c.address, Type: c.typ, Operation: op, Code: code,
		Message: fmt.Sprintf(format, a...)}
}

func (p *Provider) handler(typ, op string) (*handler, error) {
	h := handlers[typ]
	if h == nil {
		return nil, &provider.OpError{Type: typ, Operation: op, Code: "UnsupportedResourceType",
			Message: "the AWS provider has no handler for " + typ}
	}
	return h, nil
}

// Create implements provider.Provider.
func (p *Provider) Create(ctx context.Context, scope provider.Scope, req provider.Request) (*provider.Observed, error) {
	h, err := p.handler(req.Type, "Create")
	if err != nil {
		return nil, err
	}
	if err := checkProps(req, "Create"); err != nil {
		return nil, err
	}
	c := &call{p: p, scope: scope, address: req.Address, typ: req.Type}
	return h.Create(ctx, c, req)
}

// Update implements provider.Provider.
func (p *Provider) Update(ctx context.Context, scope provider.Scope, live *provider.Observed, req provider.Request) (*provider.Observed, error) {
	if live == nil {
		return nil, fmt.Errorf("aws: Update of %s without the live resource", req.Address)
	}
	if req.Type == "" {
		req.Type = live.Type
	}
	if req.Address == "" {
		req.Address = live.Address
	}
	h, err := p.handler(req.Type, "Update")
	if err != nil {
		return nil, err
	}
	if err := checkProps(req, "Update"); err != nil {
		return nil, err
	}
	return h.Update(ctx, &call{p: p, scope: scope, address: req.Address, typ: req.Type}, live, req)
}

// Tag implements provider.Provider: it sets tags, then reads live back.
func (p *Provider) Tag(ctx context.Context, scope provider.Scope, live *provider.Observed, tags map[string]string) (*provider.Observed, error) {
	h, err := p.handler(live.Type, "Tag")
	if err != nil {
		return nil, err
	}
	c := &call{p: p, scope: scope, address: live.Address, typ: live.Type}
	if err := h.Tag(ctx, c, live, tags); err != nil {
		return nil, err
	}
	out := *live
	out.Tags = map[string]string{}
	for k, v := range live.Tags {
		out.Tags[k] = v
	}
	for k, v := range tags {
		out.Tags[k] = v
	}
	if a := out.Tags[graph.TagAddress]; a != "" {
		out.Address = a
	}
	return &out, nil
}

// Delete implements provider.Provider.
func (p *Provider) Delete(ctx context.Context, scope provider.Scope, live *provider.Observed) error {
	h, err := p.handler(live.Type, "Delete")
	if err != nil {
		return err
	}
	c := &call{p: p, scope: scope, address: live.Address, typ: live.Type}
	// Never through a resource gantry does not own: the children first
	// (children.go). A scope without a project is a person's delete.
	if scope.Project != "" {
		if err := checkChildren(ctx, c, live, live.Type, live.ID, true); err != nil {
			return err
		}
	}
	return h.Delete(ctx, c, live)
}

// adopt handles a create that failed because a resource with the same
// identity exists: when it carries the scope's ownership tags and the
// request's address it is the one an interrupted apply made, and is
// updated to the request; otherwise the create's error stands.
func adopt(ctx context.Context, c *call, createErr error, read func(context.Context) (*provider.Observed, error),
	update func(context.Context, *call, *provider.Observed, provider.Request) (*provider.Observed, error), req provider.Request) (*provider.Observed, error) {
	live, err := read(ctx)
	if err != nil || live == nil || !adoptable(live.Tags, c.scope, req.Address) {
		return nil, c.err(createErr)
	}
	c.p.log.Info("aws: adopting a resource an earlier apply created", "address", req.Address, "type", req.Type, "id", live.ID)
	return update(ctx, c, live, req)
}

// syncTags makes have into want with the service's tag and untag calls,
// each made only when there is something to do.
func syncTags(ctx context.Context, c *call, have, want map[string]string,
	tag func(context.Context, map[string]string) error, untag func(context.Context, []string) error) error {
	set, remove := tagDiff(have, want)
	if t, ok := catalog.Lookup(c.typ); ok {
		// Tags AWS or another controller adds (ECS's AmazonECSManaged on
		// the groups its capacity providers manage) are theirs to keep.
		remove = slices.DeleteFunc(remove, func(k string) bool { return slices.Contains(t.IgnoreTags, k) })
	}
	if len(remove) > 0 {
		sort.Strings(remove)
		if err := untag(ctx, remove); err != nil {
			return c.err(err)
		}
	}
	if len(set) > 0 {
		if err := tag(ctx, set); err != nil {
			return c.err(err)
		}
	}
	return nil
}

// mustRead reads back a resource just written; gone is an error (AWS's
// eventual consistency: retryable).
func mustRead(ctx context.Context, c *call, id string, read func(context.Context) (*provider.Observed, error)) (*provider.Observed, error) {
	o, err := read(ctx)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, &provider.OpError{Address: c.address, Type: c.typ, Operation: "read back", Code: "NotYetVisible",
			Message: id + " was written but is not listed yet", Retryable: true}
	}
	if o.Address == "" {
		o.Address = c.address
	}
	return o, nil
}

// childRetag is the Tag of an untaggable type owned through its parent:
// only a new gantry:address means anything (the applier setting a
// replaced resource aside), and it is recorded where the address lives,
// in the parent's child tag.
func childRetag(typ string) func(context.Context, *call, *provider.Observed, map[string]string) error {
	return func(ctx context.Context, c *call, live *provider.Observed, tags map[string]string) error {
		addr, ok := tags[graph.TagAddress]
		if !ok {
			return nil
		}
		return retagChild(ctx, c, typ, live, addr)
	}
}
