package provider

import (
	"context"
	"time"
)

// Scope is the slice of an account one plan or apply works on: everything
// tagged with this project and environment.
type Scope struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Account     string `json:"account"`
	Region      string `json:"region"`
}

// Observed is a resource as the provider read it from the account.
type Observed struct {
	// Address is the gantry:address tag of the resource.
	Address string `json:"address"`
	Type    string `json:"type"`
	// ID is the resource's primary identifier in AWS (an ARN, a name, a
	// security group id): what Update and Delete are given back.
	ID string `json:"id"`
	// Properties are read back in CloudFormation shape, including whatever
	// defaults AWS filled in. Values are plain JSON values.
	Properties map[string]any `json:"properties"`
	// Attributes are the values other resources may reference (Arn,
	// GroupId, DNSName, ...), by CloudFormation attribute name.
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	// UsedBy lists the ids of the resources that run this one now (the
	// services whose PRIMARY or ACTIVE deployment runs a task definition
	// revision): a plan deletes it only with all of them; destroy does.
	UsedBy []string `json:"usedBy,omitempty"`
	// Deployment, for health-gated types (services), is the state of the
	// newest deployment as the listing read it (DescribeServices returns
	// it with the service), without target health; nil when the provider
	// did not read it, and the planner then asks Health. It is how a plan
	// tells of unsettled deployments without a call per service, and is
	// not kept in plan files.
	Deployment *Health `json:"-"`
	// Fleet, for Auto Scaling groups, is the state of the group's
	// instances (and, when the provider read it with the listing, its
	// newest instance refresh); nil when the provider did not read it.
	// Not kept in plan files.
	Fleet *Fleet `json:"-"`
}

// Fleet is the state of an Auto Scaling group's instances.
type Fleet struct {
	Instances int `json:"instances"`
	// Outdated counts the instances not launched from the group's launch
	// template and version (DescribeAutoScalingGroups, Instances'
	// LaunchTemplate): left behind by a refresh that failed or never
	// started.
	Outdated int `json:"outdated"`
	// Refresh is the newest instance refresh, nil when there is none or
	// the listing did not read it.
	Refresh *Refresh `json:"refresh,omitempty"`
}

// Request is a resource to create or update: the desired properties with
// every reference resolved and sensitive wrappers removed.
type Request struct {
	Address    string            `json:"address"`
	Type       string            `json:"type"`
	Properties map[string]any    `json:"properties"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// Provider reads and changes resources in one account and region.
type Provider interface {
	// Name identifies the provider in plan files and messages ("sandbox", "aws").
	Name() string
	// ListOwned returns every resource tagged as owned by scope's project
	// and environment, with properties and attributes, sorted by address.
	// Revisioned types (task definitions) are listed with every ACTIVE
	// revision: the latest at its address, each older one at the address
	// with a "#REVISION" suffix (the same "#" convention as a replaced
	// resource set aside during an apply), with UsedBy naming the
	// services whose deployments run it.
	// It is the plan's only read of live state, so implementations batch
	// and page and read types in parallel.
	ListOwned(ctx context.Context, scope Scope) ([]*Observed, error)
	// Create creates a resource. If one with the same identity already
	// exists and carries this scope's ownership tags, it is adopted
	// (updated to the request) instead of failing, so a retried or
	// interrupted apply never duplicates anything. For task definitions,
	// Create registers a new revision.
	Create(ctx context.Context, scope Scope, req Request) (*Observed, error)
	// Update changes live (as returned by ListOwned or Create) to req in place.
	Update(ctx context.Context, scope Scope, live *Observed, req Request) (*Observed, error)
	// Tag sets tags on live (adding them, or overwriting the values of
	// keys it has) and changes nothing else: AWS's TagResource (AddTags,
	// CreateTags, ...). The applier sets a replaced resource aside with
	// it; unlike Update, it never re-sends properties, which may no
	// longer be valid (a scalable target whose service is gone). A
	// resource that is gone fails with a NotFound *OpError.
	Tag(ctx context.Context, scope Scope, live *Observed, tags map[string]string) (*Observed, error)
	// Delete removes live. Deleting something already gone is not an error.
	//
	// Never through a resource gantry does not own: before deleting a
	// resource whose type has Children in the catalog (a load balancer,
	// a listener, a target group, a cluster), Delete reads its children
	// — the live resources of each child type whose References name it,
	// owned or not (DescribeListeners of the load balancer,
	// DescribeRules of each listener, DescribeRules and
	// DescribeListeners for the forwards to a target group and
	// DescribeServices for services registering in it, ListServices of
	// a cluster), and their children in turn — with their tags. When a
	// child does not carry scope's ownership tags (gantry:project and
	// gantry:environment equal to scope's), or carries graph.TagRetain
	// "true", Delete deletes nothing and returns a *ChildError naming
	// the resource, the child (type, id, owner or address, retained)
	// and whether AWS would delete the child with it (Cascades). A
	// scope without a project (a person's delete, outside gantry)
	// skips the check. The check comes before any other refusal, so an
	// unowned service in a cluster is named, not reported as AWS's
	// retryable ClusterContainsServicesException.
	Delete(ctx context.Context, scope Scope, live *Observed) error
	// Health reports the progress of a service's newest deployment and its
	// load balancer targets; the applier's health gates poll it. For a
	// deleted service still draining it reports Status DRAINING, not
	// NotFound: the applier polls it after a delete until the service is
	// INACTIVE or not found.
	Health(ctx context.Context, scope Scope, service *Observed) (*Health, error)
	// Resolve returns the current values of SSM parameters, by name (the
	// NAME of a ParameterPrefix reference), as GetParameters reads them:
	// the public ECS-optimised AMI parameters a launch template's image
	// names. Plans resolve the references in desired properties with it,
	// so a newly published AMI shows as a change. A name that does not
	// exist fails the call with a NotFound *OpError naming it.
	Resolve(ctx context.Context, scope Scope, names []string) (map[string]string, error)
	// StartRefresh starts an instance refresh of an Auto Scaling group
	// (live, as ListOwned, Create or Update returned it) toward its
	// current launch template, with prefs (StartInstanceRefresh). AWS
	// allows one refresh at a time: when one is under way, StartRefresh
	// starts nothing and returns that one, Started false.
	StartRefresh(ctx context.Context, scope Scope, group *Observed, prefs RefreshPreferences) (*Refresh, error)
	// Refresh reports an Auto Scaling group's instance refresh id, or its
	// newest one when id is "" (DescribeInstanceRefreshes); nil, nil when
	// the group has none. The applier's refresh gates poll it.
	Refresh(ctx context.Context, scope Scope, group *Observed, id string) (*Refresh, error)
	// Lock takes the apply lock of scope, or fails with *LockedError
	// naming the holder. The returned release func drops the lock.
	Lock(ctx context.Context, scope Scope, info LockInfo) (release func() error, err error)
	// Unlock breaks a lock by id, for a holder that crashed.
	Unlock(ctx context.Context, scope Scope, id string) error
}

// Health is the state of a service and its newest (primary) deployment.
type Health struct {
	// Status is the service's own status, as ECS reports it: ACTIVE,
	// DRAINING (deleted, its tasks stopping; its name stays taken and its
	// cluster cannot be deleted) or INACTIVE (gone). Empty means ACTIVE.
	// A provider may report an INACTIVE service as NotFound instead.
	Status       string `json:"status,omitempty"`
	DeploymentID string `json:"deploymentId"`
	// RolloutState is IN_PROGRESS, COMPLETED or FAILED, as ECS reports it.
	RolloutState       string `json:"rolloutState"`
	RolloutStateReason string `json:"rolloutStateReason,omitempty"`
	// TaskDefinition is the ARN the primary deployment runs.
	TaskDefinition string `json:"taskDefinition"`
	Desired        int    `json:"desired"`
	// Running counts the service's running tasks, every deployment's
	// (ECS's service-level runningCount); Pending those of the primary
	// deployment.
	Running int `json:"running"`
	Pending int `json:"pending"`
	// OlderRunning counts the running tasks of deployments older than
	// DeploymentID (the ones it replaces), included in Running: the new
	// deployment runs Running-OlderRunning.
	OlderRunning int `json:"olderRunning,omitempty"`
	// RolledBack is true when the circuit breaker or an alarm rolled the
	// deployment back: a failure, however healthy the service now is.
	RolledBack bool `json:"rolledBack"`
	// Targets counts the service's load balancer targets by state
	// (healthy, unhealthy, initial, draining); empty without a load balancer.
	Targets map[string]int `json:"targets,omitempty"`
	// Refresh is set when the state is an Auto Scaling group's instance
	// refresh rather than a service's deployment (the applier's refresh
	// gates report their progress as Health): DeploymentID is then the
	// refresh's id, RolloutState its status mapped to ECS's three.
	Refresh *Refresh `json:"refresh,omitempty"`
}

// LockInfo says who holds a lock.
type LockInfo struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	User      string    `json:"user"`
	PID       int       `json:"pid"`
	Commit    string    `json:"commit,omitempty"`
	Operation string    `json:"operation"` // apply, destroy
	Since     time.Time `json:"since"`
	// Deadline is when the holder's run must have ended, by its own
	// timeouts; zero when it set none. A lock held past Deadline plus
	// StaleMargin is stale: its holder died without releasing it.
	Deadline time.Time `json:"deadline,omitzero"`
}

// StaleMargin is how long past its holder's deadline a lock must be held
// before it is called stale: clocks differ between hosts, and a holder
// releasing at its deadline is not dead.
const StaleMargin = 5 * time.Minute

// Stale reports whether the lock is held past its holder's deadline plus
// StaleMargin at now.
func (l LockInfo) Stale(now time.Time) bool {
	return !l.Deadline.IsZero() && now.After(l.Deadline.Add(StaleMargin))
}

// Service statuses (Health.Status), as ECS reports them.
const (
	ServiceActive   = "ACTIVE"
	ServiceDraining = "DRAINING"
	ServiceInactive = "INACTIVE"
)
