package sandbox

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// Built-in capacity providers every cluster may use; they cannot be
// deleted (ECS API Reference: DeleteCapacityProvider).
var fargateProviders = map[string]bool{"FARGATE": true, "FARGATE_SPOT": true}

// Family: up to 255 letters, numbers, underscores and hyphens (ECS API
// Reference: RegisterTaskDefinition, family).
var familyPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`)

func init() {
	register(&handler{
		Type:     catalog.Cluster,
		Taggable: true,
		NameProp: "ClusterName",
		// Up to 255 letters, numbers, underscores and hyphens (ECS API
		// Reference: CreateCluster, clusterName).
		NameMax:  255,
		CreateOp: "ecs:CreateCluster",
		UpdateOp: "ecs:UpdateCluster",
		DeleteOp: "ecs:DeleteCluster",
		// Up to 100 clusters a call (ECS API Reference: DescribeClusters).
		Reads:      []readCall{{Op: "ecs:DescribeClusters", Page: 100}},
		CreateOnly: []string{"ClusterName"},
		Prepare:    func(p map[string]any) { prepareStrategy(p, "DefaultCapacityProviderStrategy") },
		// Names are unique in the region (ECS API Reference: CreateCluster).
		Key: nameKey("ClusterName"),
		// CreateCluster with the name of an ACTIVE cluster answers with
		// that cluster; it has no duplicate error (ECS API Reference:
		// CreateCluster lists none; the answer is observed behaviour).
		Upsert:    upsertReturn,
		Duplicate: alreadyExists,
		// ECS API Reference: ClusterNotFoundException.
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ClusterNotFoundException", "Cluster not found.")
		},
		Validate: func(c *txc, r, old *record) error {
			return validateCapacityProviders(c, strList(r.Props, "CapacityProviders"), list(r.Props, "DefaultCapacityProviderStrategy"))
		},
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "ClusterName")
			r.ID = name
			r.Attrs = map[string]string{"Arn": "arn:aws:ecs:" + c.region + ":" + c.account + ":cluster/" + name}
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			has := false
			objs(p, "ClusterSettings", func(s map[string]any) { has = has || str(s, "Name") == "containerInsights" })
			// Without the setting, the account's containerInsights
			// default applies: disabled unless PutAccountSetting turned
			// it on (ECS API Reference: CreateCluster, settings;
			// ClusterSetting).
			if !has {
				p["ClusterSettings"] = append(list(p, "ClusterSettings"), map[string]any{"Name": "containerInsights", "Value": "disabled"})
			}
			// DescribeClusters reports the capacity providers the cluster
			// has, whoever set them: an associations resource overrides
			// what the cluster was created with.
			if a := clusterAssociation(c, r.ID); a != nil {
				p["CapacityProviders"] = deepCopy(a.Props["CapacityProviders"])
				p["DefaultCapacityProviderStrategy"] = deepCopy(a.Props["DefaultCapacityProviderStrategy"])
				if p["CapacityProviders"] == nil {
					delete(p, "CapacityProviders")
				}
				if p["DefaultCapacityProviderStrategy"] == nil {
					delete(p, "DefaultCapacityProviderStrategy")
				}
			}
			readStrategy(c, r, p, "DefaultCapacityProviderStrategy")
			c.shuffleKey(r, "", p, "CapacityProviders")
			c.shuffleKey(r, "", p, "ClusterSettings")
		},
		NameRefs: func(p map[string]any) []string { return capacityProviderRefs(p) },
		RefName:  func(r *record) string { return "ecs-cluster:" + r.ID },
		// A cluster with services cannot be deleted (ECS API Reference:
		// DeleteCluster; ClusterContainsServicesException), nor while a
		// deleted service is DRAINING (DeleteService: its status stays
		// DRAINING until its tasks stop).
		// Its services keep it from being deleted
		// (ClusterContainsServicesException, ECS API Reference:
		// DeleteCluster).
		Children: []string{catalog.Service},
		CheckDelete: func(c *txc, r *record) error {
			users, err := c.referrers(r, catalog.Service)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				return c.errorf("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
			}
			// A deleted service still draining holds its cluster too,
			// until it is INACTIVE.
			if draining, err := drainingServices(c, r.ID); err != nil {
				return err
			} else if draining > 0 {
				return c.errorf("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
			}
			return nil
		},
		// Deleting a cluster removes its capacity providers from it (ECS
		// API Reference: DeleteCapacityProvider: "use
		// PutClusterCapacityProviders or delete the cluster").
		Delete: func(c *txc, r *record) error {
			if a := clusterAssociation(c, r.ID); a != nil {
				if err := c.remove(a); err != nil {
					return err
				}
			}
			return c.remove(r)
		},
	})

	register(&handler{
		Type: catalog.ClusterCapacityProviderAssoc,
		// CloudFormation's resource for PutClusterCapacityProviders, which
		// sets a cluster's providers and default strategy whole: omitted
		// providers are removed (ECS API Reference:
		// PutClusterCapacityProviders).
		CreateOp:   "ecs:PutClusterCapacityProviders",
		UpdateOp:   "ecs:PutClusterCapacityProviders",
		DeleteOp:   "ecs:PutClusterCapacityProviders",
		Reads:      []readCall{{Op: "ecs:DescribeClusters", Page: 100}},
		CreateOnly: []string{"Cluster"},
		Prepare: func(p map[string]any) {
			if s := str(p, "Cluster"); strings.HasPrefix(s, "arn:") {
				p["Cluster"] = lastSegment(s, "/")
			}
			prepareStrategy(p, "DefaultCapacityProviderStrategy")
		},
		Key: func(c *txc, p map[string]any) (string, error) {
			n := str(p, "Cluster")
			if n == "" {
				return "", c.errorf("InvalidParameterException", "Cluster must be specified")
			}
			return n, nil
		},
		Upsert:    upsertReplace,
		Duplicate: alreadyExists,
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ClusterNotFoundException", "Cluster not found.")
		},
		Validate: func(c *txc, r, old *record) error {
			if cl, err := c.liveByAlias(catalog.Cluster, str(r.Props, "Cluster")); err != nil {
				return err
			} else if cl == nil {
				return c.notFound("ClusterNotFoundException", "Cluster not found.")
			}
			if err := validateCapacityProviders(c, strList(r.Props, "CapacityProviders"), list(r.Props, "DefaultCapacityProviderStrategy")); err != nil {
				return err
			}
			if old != nil {
				return capacityProvidersInUse(c, old, strList(r.Props, "CapacityProviders"))
			}
			return nil
		},
		Create: func(c *txc, r *record) error {
			r.ID = str(r.Props, "Cluster")
			return nil
		},
		Read: func(c *txc, r *record, p map[string]any) {
			readStrategy(c, r, p, "DefaultCapacityProviderStrategy")
			c.shuffleKey(r, "", p, "CapacityProviders")
		},
		NameRefs: func(p map[string]any) []string {
			return append(capacityProviderRefs(p), "ecs-cluster:"+str(p, "Cluster"))
		},
		RefName: func(r *record) string { return "ecs-cluster-associations:" + r.ID },
		CheckDelete: func(c *txc, r *record) error {
			return capacityProvidersInUse(c, r, nil)
		},
	})

	register(&handler{
		Type:     catalog.CapacityProvider,
		Taggable: true,
		NameProp: "Name",
		// Up to 255 characters (ECS API Reference: CreateCapacityProvider,
		// name).
		NameMax:  255,
		CreateOp: "ecs:CreateCapacityProvider",
		UpdateOp: "ecs:UpdateCapacityProvider",
		DeleteOp: "ecs:DeleteCapacityProvider",
		// Up to 10 a page (ECS API Reference: DescribeCapacityProviders,
		// maxResults).
		Reads:      []readCall{{Op: "ecs:DescribeCapacityProviders", Page: 10}},
		CreateOnly: []string{"Name", "AutoScalingGroupProvider.AutoScalingGroupArn"},
		Prepare: func(p map[string]any) {
			if ms := obj(obj(p, "AutoScalingGroupProvider"), "ManagedScaling"); ms != nil {
				asNumber(ms, "TargetCapacity", "MinimumScalingStepSize", "MaximumScalingStepSize", "InstanceWarmupPeriod")
			}
		},
		Key: nameKey("Name"),
		// A taken name is a ClientException (ECS API Reference:
		// CreateCapacityProvider errors; the message is observed).
		Duplicate: func(c *txc, ex *record) *provider.OpError {
			return c.errorf("ClientException", "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.")
		},
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ClientException", "The specified capacity provider does not exist. Specify a valid name or ARN and try again.")
		},
		Validate: validateCapacityProvider,
		Create: func(c *txc, r *record) error {
			name := str(r.Props, "Name")
			r.ID = name
			r.Attrs = map[string]string{"Arn": "arn:aws:ecs:" + c.region + ":" + c.account + ":capacity-provider/" + name, "Name": name}
			return markManagedGroup(c, r)
		},
		Update: func(c *txc, old, r *record) error { return markManagedGroup(c, r) },
		Read: func(c *txc, r *record, p map[string]any) {
			asg := obj(p, "AutoScalingGroupProvider")
			if asg == nil {
				return
			}
			// DescribeCapacityProviders names the group by its ARN, though
			// a name is accepted (ECS API Reference:
			// AutoScalingGroupProvider, autoScalingGroupArn).
			if g, _ := c.liveByAlias(catalog.AutoScalingGroup, str(asg, "AutoScalingGroupArn")); g != nil {
				asg["AutoScalingGroupArn"] = g.Attrs["Arn"]
			}
			// ECS API Reference: AutoScalingGroupProvider,
			// managedTerminationProtection: default off.
			setDefault(asg, "ManagedTerminationProtection", "DISABLED")
			// AutoScalingGroupProvider, managedDraining: the reference
			// states no default; DescribeCapacityProviders reports
			// ENABLED for a provider created without it.
			setDefault(asg, "ManagedDraining", "ENABLED")
			if ms := obj(asg, "ManagedScaling"); ms != nil {
				setDefaults(ms, map[string]any{
					// ManagedScaling, status: no default stated; a
					// provider created without it reports DISABLED.
					"Status": "DISABLED",
					// ManagedScaling: targetCapacity default 100,
					// minimumScalingStepSize 1, maximumScalingStepSize
					// 10000, instanceWarmupPeriod 300 (ECS API
					// Reference: ManagedScaling).
					"TargetCapacity":         100.0,
					"MinimumScalingStepSize": 1.0,
					"MaximumScalingStepSize": 10000.0,
					"InstanceWarmupPeriod":   300.0,
				})
			}
		},
		NameRefs: func(p map[string]any) []string {
			if g := str(obj(p, "AutoScalingGroupProvider"), "AutoScalingGroupArn"); g != "" && !strings.HasPrefix(g, "arn:") {
				return []string{"autoscaling-group:" + g}
			}
			return nil
		},
		RefName: func(r *record) string { return "ecs-capacity-provider:" + r.ID },
		// Only a provider no cluster has and no service's strategy names
		// can be deleted (ECS API Reference: DeleteCapacityProvider).
		// DeleteCapacityProvider itself accepts the call and reports
		// UpdateStatus DELETE_FAILED; the sandbox answers at once with
		// the error PutClusterCapacityProviders gives for a provider in
		// use (ResourceInUseException), as a provider waiting on the
		// status would report it.
		CheckDelete: func(c *txc, r *record) error {
			users, err := c.referrers(r, catalog.Cluster, catalog.ClusterCapacityProviderAssoc, catalog.Service)
			if err != nil {
				return err
			}
			if len(users) > 0 {
				return c.errorf("ResourceInUseException", "The specified capacity provider is in use and cannot be removed.")
			}
			return nil
		},
	})

	register(&handler{
		Type:     catalog.TaskDefinition,
		Taggable: true,
		NameProp: "Family",
		NameMax:  255, // familyPattern

		CreateOp: "ecs:RegisterTaskDefinition",
		UpdateOp: "ecs:RegisterTaskDefinition",
		DeleteOp: "ecs:DeregisterTaskDefinition",
		// Tagged task definitions found through the tagging API (up to 100
		// a page: Resource Groups Tagging API Reference: GetResources,
		// ResourcesPerPage), each described on its own (ECS API
		// Reference: DescribeTaskDefinition takes one).
		Reads: []readCall{{Op: "tag:GetResources", Page: 100}, {Op: "ecs:DescribeTaskDefinition", PerItem: true}},
		// Every registration is a new revision, one more than the last,
		// even over deregistered ones (ECS API Reference: TaskDefinition,
		// revision).
		Revisioned: true,
		Prepare:    prepareTaskDefinition,
		NotFound: func(c *txc, id string) *provider.OpError {
			return c.notFound("ClientException", "Unable to describe task definition.")
		},
		Validate: validateTaskDefinition,
		Read:     readTaskDefinition,
		// Deregistering marks the revision INACTIVE; it stays describable
		// (ECS API Reference: DeregisterTaskDefinition).
		Delete: func(c *txc, r *record) error {
			next := *r
			next.Status = "INACTIVE"
			return c.put(r, &next)
		},
	})
}

// alreadyExists is gantry's refusal to create over a resource it does not
// own, for types whose AWS create has no duplicate error of its own
// (CreateCluster answers with the existing cluster, PutMetricAlarm and
// the other Put/Register calls overwrite): the error names the resource
// and its owner. The code is the CloudFormation resource handlers' code
// for a create whose resource existed before it (CloudFormation CLI User
// Guide: Resource type handler error codes, AlreadyExists).
func alreadyExists(c *txc, ex *record) *provider.OpError {
	does := map[upsert]string{upsertReturn: "answer with", upsertReplace: "overwrite", upsertMerge: "change"}[handlers[ex.Type].Upsert]
	if does == "" {
		does = "take over"
	}
	return c.errorf("AlreadyExists", "Resource of type '%s' with identifier '%s' already exists and %s; %s would %s it, so gantry does not create over it.",
		ex.Type, ex.ID, ownerDescription(ex), handlers[ex.Type].CreateOp, does)
}

// ownerDescription says whose a resource is, for errors.
func ownerDescription(r *record) string {
	p, e, a, ok := r.ownership()
	switch {
	case !ok:
		return "carries no gantry ownership tags"
	case a == "":
		return fmt.Sprintf("belongs to project %s, environment %s", p, e)
	}
	return fmt.Sprintf("belongs to project %s, environment %s, at address %s", p, e, a)
}

func prepareStrategy(p map[string]any, k string) {
	objs(p, k, func(s map[string]any) { asNumber(s, "Base", "Weight") })
}

// readStrategy fills Base and Weight, 0 when not given (ECS API
// Reference: CapacityProviderStrategyItem), and shuffles.
func readStrategy(c *txc, r *record, p map[string]any, k string) {
	objs(p, k, func(s map[string]any) {
		setDefault(s, "Base", 0.0)
		setDefault(s, "Weight", 0.0)
	})
	c.shuffleKey(r, "", p, k)
}

// capacityProviderRefs are the capacity providers p names, as typed refs.
func capacityProviderRefs(p map[string]any) []string {
	var out []string
	for _, cp := range strList(p, "CapacityProviders") {
		if !fargateProviders[cp] {
			out = append(out, "ecs-capacity-provider:"+cp)
		}
	}
	for _, k := range []string{"DefaultCapacityProviderStrategy", "CapacityProviderStrategy"} {
		objs(p, k, func(s map[string]any) {
			if cp := str(s, "CapacityProvider"); cp != "" && !fargateProviders[cp] {
				out = append(out, "ecs-capacity-provider:"+cp)
			}
		})
	}
	return out
}

// validateCapacityProviders checks a cluster's providers exist and its
// default strategy uses only them: a provider must be associated with
// the cluster before a strategy names it (ECS API Reference:
// CreateCluster, capacityProviders; PutClusterCapacityProviders).
func validateCapacityProviders(c *txc, providers []string, strategy []any) error {
	have := map[string]bool{}
	for _, cp := range providers {
		have[cp] = true
		if fargateProviders[cp] {
			continue
		}
		if x, err := c.liveByAlias(catalog.CapacityProvider, cp); err != nil {
			return err
		} else if x == nil {
			return c.errorf("InvalidParameterException", "The specified capacity provider '%s' is not in an ACTIVE state. Specify a valid capacity provider and try again.", cp)
		}
	}
	for _, e := range strategy {
		s, _ := e.(map[string]any)
		if !have[str(s, "CapacityProvider")] {
			return c.errorf("InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
		}
	}
	return nil
}

// clusterAssociation returns the capacity provider associations of a
// cluster, or nil.
func clusterAssociation(c *txc, cluster string) *record {
	a, _ := c.liveByAlias(catalog.ClusterCapacityProviderAssoc, cluster)
	return a
}

// clusterProviders returns the capacity providers a cluster has and its
// default strategy, wherever they were set.
func clusterProviders(c *txc, cl *record) ([]string, []any) {
	if a := clusterAssociation(c, cl.ID); a != nil {
		return strList(a.Props, "CapacityProviders"), list(a.Props, "DefaultCapacityProviderStrategy")
	}
	return strList(cl.Props, "CapacityProviders"), list(cl.Props, "DefaultCapacityProviderStrategy")
}

// capacityProvidersInUse refuses to remove from a cluster a capacity
// provider that one of its services' strategies uses: only a provider no
// task uses can be removed, ResourceInUseException (ECS API Reference:
// PutClusterCapacityProviders; ResourceInUseException).
func capacityProvidersInUse(c *txc, assoc *record, keep []string) error {
	kept := map[string]bool{}
	for _, cp := range keep {
		kept[cp] = true
	}
	cl, err := c.liveByAlias(catalog.Cluster, str(assoc.Props, "Cluster"))
	if err != nil || cl == nil {
		return err
	}
	services, err := c.referrers(cl, catalog.Service)
	if err != nil {
		return err
	}
	for _, svc := range services {
		for _, e := range list(svc.Props, "CapacityProviderStrategy") {
			cp := str(e.(map[string]any), "CapacityProvider")
			if !kept[cp] {
				return c.errorf("ResourceInUseException", "The specified capacity provider is in use and cannot be removed.")
			}
		}
	}
	return nil
}

// validateCapacityProvider checks what CreateCapacityProvider checks (ECS
// API Reference: CreateCapacityProvider, AutoScalingGroupProvider): a
// name not prefixed aws, ecs or fargate; an existing Auto Scaling group no
// other provider uses; managed termination protection only on a group
// whose instances are protected from scale-in. All ClientException.
func validateCapacityProvider(c *txc, r, old *record) error {
	name := str(r.Props, "Name")
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ecs") || strings.HasPrefix(lower, "fargate") {
		return c.errorf("ClientException", "The capacity provider name cannot begin with 'aws', 'ecs', or 'fargate'.")
	}
	asgp := obj(r.Props, "AutoScalingGroupProvider")
	if asgp == nil {
		return c.errorf("ClientException", "An Auto Scaling group provider must be specified.")
	}
	g, err := c.liveByAlias(catalog.AutoScalingGroup, str(asgp, "AutoScalingGroupArn"))
	if err != nil {
		return err
	}
	if g == nil {
		return c.errorf("ClientException", "The specified Auto Scaling group %s could not be found.", str(asgp, "AutoScalingGroupArn"))
	}
	users, err := c.referrers(g, catalog.CapacityProvider)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID != r.ID && u.ID != name {
			return c.errorf("ClientException", "The specified Auto Scaling group is already in use by another capacity provider.")
		}
	}
	if str(asgp, "ManagedTerminationProtection") == "ENABLED" {
		if on, _ := boolean(g.Props, "NewInstancesProtectedFromScaleIn"); !on {
			return c.errorf("ClientException", "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled.")
		}
	}
	return nil
}

// markManagedGroup tags the Auto Scaling group of a capacity provider with
// managed scaling AmazonECSManaged, as ECS does when it manages the
// group's scaling (Amazon ECS Developer Guide: Amazon ECS capacity
// providers for EC2 workloads, managed scaling).
func markManagedGroup(c *txc, r *record) error {
	asgp := obj(r.Props, "AutoScalingGroupProvider")
	if str(obj(asgp, "ManagedScaling"), "Status") != "ENABLED" {
		return nil
	}
	g, err := c.liveByAlias(catalog.AutoScalingGroup, str(asgp, "AutoScalingGroupArn"))
	if err != nil || g == nil {
		return err
	}
	if _, ok := g.Tags["AmazonECSManaged"]; ok {
		return nil
	}
	next := *g
	next.Tags = editableTags(g.Tags)
	next.Tags["AmazonECSManaged"] = ""
	return c.put(g, &next)
}

// register registers a task definition revision: a new one, or the latest
// revision of the family when it already is exactly this one and belongs
// to the same scope and address (a retried create). AWS registers a new
// revision every time (ECS API Reference: RegisterTaskDefinition); not
// registering a duplicate is the provider contract's retry rule
// (provider.Provider.Create).
func (c *txc) register(h *handler, scope provider.Scope, address string, props map[string]any, tags map[string]string, own *owner) (*record, error) {
	family := str(props, "Family")
	if scope.Project != "" {
		latest, err := c.latestRevision(family)
		if err != nil {
			return nil, err
		}
		if latest != nil && adoptable(latest, scope, address) && jsonEqual(latest.Props, props) && jsonEqual(latest.Tags, tags) {
			return latest, nil
		}
	}
	r := &record{Type: h.Type, Props: props, Tags: maps.Clone(tags), Owner: own}
	if err := h.Validate(c, r, nil); err != nil {
		return nil, err
	}
	rev, err := c.seq("td-revision", family)
	if err != nil {
		return nil, err
	}
	r.Revision = rev
	r.ID = "arn:aws:ecs:" + c.region + ":" + c.account + ":task-definition/" + family + ":" + strconv.Itoa(rev)
	r.Attrs = map[string]string{"TaskDefinitionArn": r.ID}
	return r, c.put(nil, r)
}

// latestRevision returns the latest ACTIVE revision of a family, or nil.
func (c *txc) latestRevision(family string) (*record, error) {
	b, err := c.typeBucket(catalog.TaskDefinition, false)
	if b == nil || err != nil {
		return nil, err
	}
	var latest *record
	p := []byte("arn:aws:ecs:" + c.region + ":" + c.account + ":task-definition/" + family + ":")
	err = scanPrefix(b, p, func(k, v []byte) error {
		r, err := decodeRecord(v)
		if err != nil {
			return err
		}
		if r.live() && (latest == nil || r.Revision > latest.Revision) {
			latest = r
		}
		return nil
	})
	return latest, err
}

// taskDefinition resolves what a service names its task definition by: an
// ARN, family:revision, or a family (its latest ACTIVE revision) (ECS API
// Reference: CreateService, taskDefinition).
func (c *txc) taskDefinition(ref string) (*record, error) {
	if strings.HasPrefix(ref, "arn:") {
		return c.get(catalog.TaskDefinition, ref)
	}
	if fam, rev, ok := strings.Cut(ref, ":"); ok {
		return c.get(catalog.TaskDefinition, "arn:aws:ecs:"+c.region+":"+c.account+":task-definition/"+fam+":"+rev)
	}
	return c.latestRevision(ref)
}

func prepareTaskDefinition(p map[string]any) {
	for _, k := range []string{"Cpu", "Memory"} {
		if v, ok := p[k]; ok {
			p[k] = taskSize(v, k)
		}
	}
	objs(p, "ContainerDefinitions", func(ct map[string]any) {
		asNumber(ct, "Cpu", "Memory", "MemoryReservation", "StartTimeout", "StopTimeout")
		objs(ct, "PortMappings", func(pm map[string]any) { asNumber(pm, "ContainerPort", "HostPort") })
		if hc := obj(ct, "HealthCheck"); hc != nil {
			asNumber(hc, "Interval", "Timeout", "Retries", "StartPeriod")
		}
	})
}

// taskSize converts a task-level Cpu or Memory to the units ECS stores:
// 256, "256", "0.25 vCPU" → "256"; "2 GB" → "2048". Strings in vCPU or GB
// are converted to CPU units and MiB when registered (ECS API Reference:
// RegisterTaskDefinition, cpu and memory).
func taskSize(v any, kind string) any {
	unit := "vcpu"
	if kind == "Memory" {
		unit = "gb"
	}
	switch x := v.(type) {
	case float64:
		return formatNumber(x)
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		if strings.HasSuffix(s, unit) {
			if n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, unit)), 64); err == nil {
				return formatNumber(n * 1024)
			}
		}
	}
	return v
}

// fargateSizes are the task sizes Fargate accepts: CPU units → memory
// range in MiB (min, max, step) (ECS API Reference:
// RegisterTaskDefinition, memory).
var fargateSizes = map[int][3]int{
	256:   {512, 2048, 512},
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

func validTaskSize(cpu, mem int) bool {
	r, ok := fargateSizes[cpu]
	if !ok {
		return false
	}
	if cpu == 256 && (mem == 512 || mem == 1024 || mem == 2048) {
		return true
	}
	return mem >= r[0] && mem <= r[1] && (mem-r[0])%r[2] == 0
}

// validateTaskDefinition checks what RegisterTaskDefinition checks (ECS API
// Reference: RegisterTaskDefinition, ContainerDefinition, PortMapping),
// each a ClientException: the family's characters; Fargate needs awsvpc
// and task-level cpu and memory of a valid size; each container a unique
// name and an image; at least one essential container (essential when
// not said otherwise); on EC2, memory at task or container level; in
// awsvpc and host modes, hostPort equal to containerPort.
func validateTaskDefinition(c *txc, r, old *record) error {
	family := str(r.Props, "Family")
	if !familyPattern.MatchString(family) {
		return c.errorf("ClientException", "Family contains invalid characters: %q", family)
	}
	containers := list(r.Props, "ContainerDefinitions")
	if len(containers) == 0 {
		return c.errorf("ClientException", "Container list cannot be empty.")
	}
	mode := str(r.Props, "NetworkMode")
	if err := validateFargate(c, r.Props); err != nil {
		return err
	}
	names := map[string]bool{}
	essential := false
	for _, e := range containers {
		ct, _ := e.(map[string]any)
		name := str(ct, "Name")
		if name == "" {
			return c.errorf("ClientException", "Container.name should not be null or empty.")
		}
		if names[name] {
			return c.errorf("ClientException", "Duplicate container name '%s'.", name)
		}
		names[name] = true
		if str(ct, "Image") == "" {
			return c.errorf("ClientException", "Container.image should not be null or empty.")
		}
		if ess, ok := boolean(ct, "Essential"); !ok || ess {
			essential = true
		}
		if str(r.Props, "Memory") == "" && str(ct, "Memory") == "" && str(ct, "MemoryReservation") == "" {
			return c.errorf("ClientException", "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", name)
		}
		var err error
		objs(ct, "PortMappings", func(pm map[string]any) {
			cp, _ := num(pm, "ContainerPort")
			hp, hasHost := num(pm, "HostPort")
			if err == nil && (mode == "awsvpc" || mode == "host") && hasHost && hp != cp {
				err = c.errorf("ClientException", "When networkMode=%s, the host ports and container ports in port mappings must match.", mode)
			}
		})
		if err != nil {
			return err
		}
	}
	if !essential {
		return c.errorf("ClientException", "Task definition must contain at least one essential container.")
	}
	return nil
}

// validateFargate checks a task definition that requires Fargate:
// awsvpc, and task-level cpu and memory of a size Fargate has.
func validateFargate(c *txc, p map[string]any) error {
	fargate := false
	for _, rc := range strList(p, "RequiresCompatibilities") {
		fargate = fargate || rc == "FARGATE"
	}
	if !fargate {
		return nil
	}
	if str(p, "NetworkMode") != "awsvpc" {
		return c.errorf("ClientException", "Fargate only supports network mode 'awsvpc'.")
	}
	if str(p, "Cpu") == "" {
		return c.errorf("ClientException", "Fargate requires that 'cpu' be defined at the task level.")
	}
	if str(p, "Memory") == "" {
		return c.errorf("ClientException", "Fargate requires that 'memory' be defined at the task level.")
	}
	cpu, _ := strconv.Atoi(str(p, "Cpu"))
	mem, _ := strconv.Atoi(str(p, "Memory"))
	if !validTaskSize(cpu, mem) {
		return c.errorf("ClientException", "No Fargate configuration exists for given values: %d CPU, %d memory. See the Amazon ECS documentation for the valid values.", cpu, mem)
	}
	return nil
}

// readTaskDefinition fills what RegisterTaskDefinition fills in and
// DescribeTaskDefinition returns.
func readTaskDefinition(c *txc, r *record, p map[string]any) {
	// ECS API Reference: RegisterTaskDefinition, networkMode: default
	// bridge; enableFaultInjection: default false. Empty volumes and
	// placement constraints are listed as [] (observed in
	// DescribeTaskDefinition; the reference states no default).
	setDefault(p, "NetworkMode", "bridge")
	setDefault(p, "Volumes", []any{})
	setDefault(p, "PlacementConstraints", []any{})
	setDefault(p, "EnableFaultInjection", false)
	c.shuffleKey(r, "", p, "RequiresCompatibilities")
	mode := str(p, "NetworkMode")
	for i, e := range list(p, "ContainerDefinitions") {
		ct, ok := e.(map[string]any)
		if !ok {
			continue
		}
		path := fmt.Sprintf("ContainerDefinitions.%d", i)
		setDefaults(ct, map[string]any{
			// ContainerDefinition, cpu: optional; DescribeTaskDefinition
			// reports 0 when unset (observed).
			"Cpu": 0.0,
			// ContainerDefinition, essential: omitted means essential.
			"Essential": true,
			// Empty lists are listed as [] (observed).
			"Environment":    []any{},
			"MountPoints":    []any{},
			"VolumesFrom":    []any{},
			"SystemControls": []any{},
			"PortMappings":   []any{},
			// ContainerDefinition, versionConsistency: default enabled.
			"VersionConsistency": "enabled",
		})
		// PortMapping: protocol default tcp; hostPort equals containerPort
		// in awsvpc and host modes, and is 0 (an ephemeral port) in
		// bridge mode when omitted.
		objs(ct, "PortMappings", func(pm map[string]any) {
			setDefault(pm, "Protocol", "tcp")
			if mode == "awsvpc" || mode == "host" {
				setDefault(pm, "HostPort", pm["ContainerPort"])
			} else {
				setDefault(pm, "HostPort", 0.0)
			}
		})
		// HealthCheck: interval 30, timeout 5, retries 3 by default.
		if hc := obj(ct, "HealthCheck"); hc != nil {
			setDefaults(hc, map[string]any{"Interval": 30.0, "Timeout": 5.0, "Retries": 3.0})
		}
		for _, k := range []string{"Environment", "Secrets", "PortMappings", "EnvironmentFiles", "Ulimits", "ExtraHosts", "DnsServers", "SystemControls"} {
			c.shuffleKey(r, path, ct, k)
		}
	}
}
