package sandbox

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Out-of-band access: what a person does in the AWS console, and what a
// test needs to look at. None of these calls count as API calls or wait a
// latency, and none is subject to injected failures.

// Filter selects resources. Empty fields match anything.
type Filter struct {
	// Project and Environment select by ownership (tags, or the recorded
	// owner of untaggable types).
	Project     string `json:"project,omitempty"`
	Environment string `json:"environment,omitempty"`
	Account     string `json:"account,omitempty"`
	Region      string `json:"region,omitempty"`
	Type        string `json:"type,omitempty"`
	// Unowned includes resources that carry no ownership (when Project
	// and Environment are empty); Inactive includes deregistered task
	// definitions and deleted services.
	Unowned  bool `json:"unowned,omitempty"`
	Inactive bool `json:"inactive,omitempty"`
}

// Resource is a resource as the sandbox holds it, for inspection.
type Resource struct {
	Account     string `json:"account"`
	Region      string `json:"region,omitempty"` // "" for IAM, which is global
	Type        string `json:"type"`
	ID          string `json:"id"`
	Address     string `json:"address,omitempty"`
	Project     string `json:"project,omitempty"`
	Environment string `json:"environment,omitempty"`
	Status      string `json:"status"` // ACTIVE, INACTIVE, DRAINING
	// Properties are as the API reads them back (defaults filled in);
	// Stored as they were last written.
	Properties map[string]any    `json:"properties"`
	Stored     map[string]any    `json:"stored"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    time.Time         `json:"created"`
	Updated    time.Time         `json:"updated"`
	// Generation counts the writes to the resource.
	Generation  int                `json:"generation"`
	Deployments []DeploymentStatus `json:"deployments,omitempty"`
	Health      *provider.Health   `json:"health,omitempty"`
	Images      []string           `json:"images,omitempty"`
	// Instances and InstanceRefreshes, for an Auto Scaling group: its
	// instances now, and its instance refreshes, newest first.
	Instances         []InstanceStatus `json:"instances,omitempty"`
	InstanceRefreshes []RefreshStatus  `json:"instanceRefreshes,omitempty"`
}

// Observed returns the resource as ListOwned would return it.
func (r *Resource) Observed() *provider.Observed {
	return &provider.Observed{Address: r.Address, Type: r.Type, ID: r.ID, Properties: copyMap(r.Properties),
		Attributes: maps.Clone(r.Attributes), Tags: maps.Clone(r.Tags)}
}

func (s *Sandbox) inspect(c *txc, r *record) *Resource {
	p, e, a, _ := r.ownership()
	status := r.Status
	if status == "" {
		status = "ACTIVE"
	}
	if r.Status == "DRAINING" && drained(r, c.now) {
		status = "INACTIVE"
	}
	out := &Resource{
		Account: r.Account, Region: r.Region, Type: r.Type, ID: r.ID,
		Address: a, Project: p, Environment: e, Status: status,
		Properties: c.observe(r).Properties, Stored: copyMap(r.Props),
		Attributes: maps.Clone(r.Attrs), Tags: maps.Clone(r.Tags),
		Created: r.Created, Updated: r.Updated, Generation: r.Gen,
		Images: append([]string(nil), r.Images...),
	}
	if r.Type == catalog.AutoScalingGroup {
		out.Instances, out.InstanceRefreshes = c.fleetStatus(r)
	}
	if r.Type == catalog.Service {
		out.Deployments = deploymentStatuses(r, c.now)
		if r.live() {
			out.Health = serviceHealth(r, c.now)
		}
	}
	return out
}

// each calls fn for every record that f's account, region and type
// select, inside one transaction.
func (s *Sandbox) each(tx *bolt.Tx, f Filter, fn func(c *txc, r *record) error) error {
	root := tx.Bucket(bResources)
	return root.ForEach(func(ar, _ []byte) error {
		account, region, _ := strings.Cut(string(ar), "/")
		if f.Account != "" && account != f.Account {
			return nil
		}
		if f.Region != "" && region != "" && region != f.Region {
			return nil
		}
		c := s.newTxc(tx, account, region)
		if region == "" {
			// Global resources (IAM): read them from the filter's region
			// when it names one, so regional lookups work.
			c.region = f.Region
			if c.region == "" {
				c.region = DefaultRegion
			}
		}
		ab := root.Bucket(ar)
		return ab.ForEach(func(t, _ []byte) error {
			if f.Type != "" && string(t) != f.Type {
				return nil
			}
			return ab.Bucket(t).ForEach(func(_, v []byte) error {
				r, err := decodeRecord(v)
				if err != nil {
					return err
				}
				return fn(c, r)
			})
		})
	})
}

// matches reports whether r passes the ownership and status parts of f.
func (f Filter) matches(r *record) bool {
	if !f.Inactive && !r.live() {
		return false
	}
	p, e, _, owned := r.ownership()
	if f.Project != "" || f.Environment != "" {
		return owned && (f.Project == "" || p == f.Project) && (f.Environment == "" || e == f.Environment)
	}
	return owned || f.Unowned
}

// Resources lists the resources f selects, by account, region, type and
// address (then id).
func (s *Sandbox) Resources(ctx context.Context, f Filter) ([]*Resource, error) {
	var out []*Resource
	err := s.st.view(func(tx *bolt.Tx) error {
		return s.each(tx, f, func(c *txc, r *record) error {
			if f.matches(r) {
				out = append(out, s.inspect(c, r))
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		for _, p := range [][2]string{{a.Account, b.Account}, {a.Region, b.Region}, {a.Type, b.Type}, {a.Address, b.Address}, {a.ID, b.ID}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	return out, err
}

// find resolves ref to one record: a gantry address within f's project
// and environment (a task definition's latest live revision), else an id,
// ARN or name within f's account, region and type.
func (s *Sandbox) find(tx *bolt.Tx, f Filter, ref string) (*txc, *record, error) {
	type hit struct {
		c *txc
		r *record
	}
	var byAddr, byID []hit
	err := s.each(tx, Filter{Account: f.Account, Region: f.Region, Type: f.Type}, func(c *txc, r *record) error {
		if !r.live() && !f.Inactive {
			return nil
		}
		p, e, a, owned := r.ownership()
		if owned && a == ref && (f.Project == "" || p == f.Project) && (f.Environment == "" || e == f.Environment) {
			byAddr = append(byAddr, hit{c, r})
			return nil
		}
		if r.ID == ref || slices.Contains(aliases(r), ref) {
			byID = append(byID, hit{c, r})
			return nil
		}
		if h := handlers[r.Type]; h != nil && h.NameProp != "" && str(r.Props, h.NameProp) == ref {
			byID = append(byID, hit{c, r})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	hits := byAddr
	if len(hits) == 0 {
		hits = byID
	}
	if len(hits) > 1 && hits[0].r.Type == catalog.TaskDefinition {
		// Revisions of one family: the latest.
		best := hits[0]
		same := true
		for _, h := range hits[1:] {
			same = same && h.r.Type == catalog.TaskDefinition && str(h.r.Props, "Family") == str(best.r.Props, "Family")
			if h.r.Revision > best.r.Revision {
				best = h
			}
		}
		if same {
			hits = []hit{best}
		}
	}
	switch len(hits) {
	case 0:
		return nil, nil, fmt.Errorf("no resource %q in the sandbox%s", ref, f.describe())
	case 1:
		return hits[0].c, hits[0].r, nil
	}
	var names []string
	for _, h := range hits {
		p, e, _, _ := h.r.ownership()
		names = append(names, fmt.Sprintf("%s %s (%s/%s, %s %s)", h.r.Type, h.r.ID, p, e, h.r.Account, h.r.Region))
	}
	return nil, nil, fmt.Errorf("%q is ambiguous%s; it names:\n  %s\nname a project, environment, account or region", ref, f.describe(), strings.Join(names, "\n  "))
}

func (f Filter) describe() string {
	var parts []string
	for _, kv := range [][2]string{{"project", f.Project}, {"environment", f.Environment}, {"account", f.Account}, {"region", f.Region}, {"type", f.Type}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// Get returns the resource ref names (see Filter and find).
func (s *Sandbox) Get(ctx context.Context, f Filter, ref string) (*Resource, error) {
	var out *Resource
	err := s.st.view(func(tx *bolt.Tx) error {
		c, r, err := s.find(tx, f, ref)
		if err != nil {
			return err
		}
		out = s.inspect(c, r)
		return nil
	})
	if err == nil && out == nil {
		// A read-only handle on a directory with no database yet.
		return nil, fmt.Errorf("no resource %q in the sandbox%s", ref, f.describe())
	}
	return out, err
}

// Edit changes a resource out of band, as someone would in the console:
// fn edits a copy of its stored properties, and the change goes through
// the type's update (AWS's checks, a new deployment for a service whose
// task definition changed, a new revision for a task definition) but
// costs no API call and is never injected a failure. It returns the
// resource as changed.
func (s *Sandbox) Edit(ctx context.Context, f Filter, ref string, fn func(props map[string]any) error) (*Resource, error) {
	return s.edit(f, ref, func(c *txc, h *handler, r *record) (*record, error) {
		props := copyMap(r.Props)
		if err := fn(props); err != nil {
			return nil, err
		}
		plain, err := h.props(props)
		if err != nil {
			return nil, err
		}
		return c.update(h, r, plain, nil)
	})
}

// EditTags changes a resource's tags out of band (removing gantry's
// ownership tags makes it unowned).
func (s *Sandbox) EditTags(ctx context.Context, f Filter, ref string, fn func(tags map[string]string) error) (*Resource, error) {
	return s.edit(f, ref, func(c *txc, h *handler, r *record) (*record, error) {
		tags := editableTags(r.Tags)
		if err := fn(tags); err != nil {
			return nil, err
		}
		next := *r
		next.Tags = tags
		return &next, c.put(r, &next)
	})
}

func (s *Sandbox) edit(f Filter, ref string, change func(c *txc, h *handler, r *record) (*record, error)) (*Resource, error) {
	var out *Resource
	err := s.st.update(func(tx *bolt.Tx) error {
		c, r, err := s.find(tx, f, ref)
		if err != nil {
			return err
		}
		h := handlers[r.Type]
		c.op, c.typ, c.addr = "console:Edit", r.Type, r.address()
		next, err := change(c, h, r)
		if err != nil {
			return err
		}
		out = s.inspect(c, next)
		return nil
	})
	return out, err
}

// Remove deletes a resource out of band, with AWS's checks (a target
// group a rule uses cannot be deleted from the console either).
func (s *Sandbox) Remove(ctx context.Context, f Filter, ref string) error {
	return s.st.update(func(tx *bolt.Tx) error {
		c, r, err := s.find(tx, f, ref)
		if err != nil {
			return err
		}
		h := handlers[r.Type]
		c.op, c.typ, c.addr = "console:Delete", r.Type, r.address()
		return c.delete(h, r)
	})
}

// CreateUnowned creates a resource that is not gantry's: req.Tags are
// stored as given (without ownership tags it belongs to no project), and
// req.Address only names it in errors. Use it to prove gantry leaves
// other people's resources alone.
func (s *Sandbox) CreateUnowned(ctx context.Context, account, region string, req provider.Request) (*provider.Observed, error) {
	h, err := handlerFor(req.Type, "Create")
	if err != nil {
		return nil, err
	}
	props, err := h.props(req.Properties)
	if err != nil {
		return nil, err
	}
	scope := provider.Scope{Account: account, Region: region}
	return s.writeObserved(scope, "console:Create", req.Type, req.Address, nil, func(c *txc) (*record, error) {
		return c.create(h, provider.Scope{}, provider.Request{Type: req.Type, Tags: req.Tags, Address: req.Address}, props)
	})
}

// PushImage records an image tag in an ECR repository: a repository with
// images cannot be deleted unless EmptyOnDelete is set.
func (s *Sandbox) PushImage(ctx context.Context, f Filter, repository, tag string) error {
	f.Type = catalog.ECRRepository
	_, err := s.edit(f, repository, func(c *txc, h *handler, r *record) (*record, error) {
		next := *r
		next.Images = dedupe(append(append([]string(nil), r.Images...), tag))
		return &next, c.put(r, &next)
	})
	return err
}
