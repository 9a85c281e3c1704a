package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

// instance is one EC2 instance of an Auto Scaling group as the sandbox
// stores it: what it was launched from (EC2 Auto Scaling API Reference:
// Instance, LaunchTemplate and InstanceType). Instances are not resources
// of their own; the group's record holds them.
type instance struct {
	ID           string    `json:"id"`
	Template     string    `json:"launchTemplateId"`
	Version      int       `json:"version"`
	ImageID      string    `json:"imageId"`
	InstanceType string    `json:"instanceType,omitempty"`
	Lifecycle    string    `json:"lifecycle"` // on-demand, spot
	Launched     time.Time `json:"launched"`
	// Protected is the instance's protection from scale-in: set at
	// launch from the group's NewInstancesProtectedFromScaleIn (EC2 Auto
	// Scaling API Reference: Instance, ProtectedFromScaleIn). ECS
	// managed termination protection keeps it on every instance that
	// runs tasks; the sandbox places no tasks on instances and leaves it
	// on, as if each instance ran some.
	Protected bool `json:"protectedFromScaleIn,omitempty"`
}

// refresh is one instance refresh as the sandbox stores it. Like a
// deployment, its progress is a function of time: the instances in
// Replace are replaced Batch at a time, one batch every BatchTime, so
// that MinHealthyPercentage of the group stays in service (EC2 Auto
// Scaling User Guide: How instance refresh works, "replaces instances in
// batches ... the minimum healthy percentage").
type refresh struct {
	ID      string                      `json:"id"`
	Created time.Time                   `json:"created"`
	Prefs   provider.RefreshPreferences `json:"preferences"`
	// The desired configuration: the group's launch template and
	// version when the refresh started, and that version's image.
	Template string `json:"launchTemplateId"`
	Version  int    `json:"version"`
	ImageID  string `json:"imageId"`
	// Types are the instance types the desired configuration launches
	// (the mix's overrides, else the template's), in turn.
	Types []string `json:"types,omitempty"`
	// Replace lists the instances to replace, in order; Batch how many at
	// a time; BatchTime how long a batch takes.
	Replace   []string `json:"replace"`
	Batch     int      `json:"batch"`
	BatchTime Duration `json:"batchTime"`
	// NoImage records that ImageID did not exist when the refresh
	// started: it fails, and stays failed once the image is published.
	NoImage bool `json:"noImage,omitempty"`
	// Waiting lists the instances protected from scale-in that the
	// refresh waits for (ScaleInProtectedInstances Wait, AWS's default):
	// it never replaces them, and fails once protectedWait has passed
	// after its batches.
	Waiting []string `json:"waiting,omitempty"`
}

// protectedBatches is how long a refresh waits for scale-in protection
// to go, in batches: AWS waits one hour (RefreshPreferences,
// ScaleInProtectedInstances: Wait); a batch stands for an instance's
// warmup, 300 seconds for ECS capacity, so an hour is twelve batches.
const protectedBatches = 12

// protectedWaitReason and protectedFailReason are the status reasons of a
// refresh waiting for, then failed by, instances protected from scale-in.
const (
	protectedWaitReason = "Waiting for %d instance(s) protected from scale in to lose their protection; " +
		"the instance refresh fails if they are still protected after one hour"
	protectedFailReason = "Instance refresh failed: %d instance(s) were still protected from scale in after one hour. " +
		"Set ScaleInProtectedInstances to Refresh to replace protected instances"
)

// refreshView is a refresh as DescribeInstanceRefreshes reports it at
// some time.
type refreshView struct {
	provider.Refresh
	// replaced is how many of Replace have been replaced by then.
	replaced int
}

// RefreshStatus is an instance refresh as `gantry sandbox show` prints
// it.
type RefreshStatus struct {
	provider.Refresh
	StartTime   time.Time                   `json:"startTime"`
	Preferences provider.RefreshPreferences `json:"preferences"`
	ImageID     string                      `json:"imageId"`
	Version     int                         `json:"launchTemplateVersion"`
}

// InstanceStatus is an instance as `gantry sandbox show` prints it.
type InstanceStatus struct {
	ID           string `json:"instanceId"`
	ImageID      string `json:"imageId"`
	Version      int    `json:"launchTemplateVersion"`
	InstanceType string `json:"instanceType,omitempty"`
	Lifecycle    string `json:"lifecycle"`
	Protected    bool   `json:"protectedFromScaleIn"`
}

// view reports the refresh at now, given how many instances it had to
// replace: batches complete one BatchTime after another; a refresh with
// nothing to replace succeeds at once (SkipMatching found every instance
// matching). A refresh whose image does not exist fails at its first
// batch, as EC2 cannot launch the replacements (EC2 API Reference:
// InvalidAMIID.NotFound).
func (f *refresh) view(now time.Time) refreshView {
	v := refreshView{Refresh: provider.Refresh{ID: f.ID, InstancesToUpdate: len(f.Replace)}}
	total := len(f.Replace)
	batches := 0
	if total > 0 {
		batches = (total + f.Batch - 1) / f.Batch
	}
	done := batches
	if d := f.BatchTime.D(); d > 0 {
		done = min(batches, int(now.Sub(f.Created)/d))
	}
	switch {
	case total > 0 && f.NoImage:
		v.Status = provider.RefreshInProgress
		if done > 0 || f.BatchTime.D() == 0 {
			v.Status = provider.RefreshFailed
			v.StatusReason = fmt.Sprintf("Failed to launch replacement instances: the image id '[%s]' does not exist (InvalidAMIID.NotFound)", f.ImageID)
		}
		return v
	case done < batches:
		v.Status = provider.RefreshInProgress
	case len(f.Waiting) > 0:
		v.Status, v.StatusReason = f.waitProtected(now, batches)
	default:
		v.Status = provider.RefreshSuccessful
	}
	v.replaced = min(total, done*f.Batch)
	v.InstancesToUpdate = total - v.replaced + len(f.Waiting)
	v.PercentageComplete = 100
	if all := total + len(f.Waiting); all > 0 {
		v.PercentageComplete = v.replaced * 100 / all
	}
	return v
}

// waitProtected is the state of a refresh that has replaced what it could
// and waits for the protected instances it may not replace: InProgress
// for protectedBatches batch times, then Failed (at once when batches
// take no time).
func (f *refresh) waitProtected(now time.Time, batches int) (status, reason string) {
	d := f.BatchTime.D()
	if d > 0 && now.Sub(f.Created) < time.Duration(batches+protectedBatches)*d {
		return provider.RefreshInProgress, fmt.Sprintf(protectedWaitReason, len(f.Waiting))
	}
	return provider.RefreshFailed, fmt.Sprintf(protectedFailReason, len(f.Waiting))
}

// successor is the id of the instance that replaces old in refresh id.
func successor(refreshID, old string) string {
	h := sha256.Sum256([]byte(refreshID + "\x00" + old))
	return "i-0" + hex.EncodeToString(h[:])[:16]
}

// fleetAt returns a group's instances and its refreshes at now: the
// launched instances with every refresh's replacements so far applied in
// order (a refresh starts only when the one before it ended).
func (c *txc) fleetAt(r *record, now time.Time) ([]instance, []refreshView) {
	fleet := append([]instance(nil), r.Instances...)
	views := make([]refreshView, 0, len(r.Refreshes))
	for _, f := range r.Refreshes {
		v := f.view(now)
		replaced := map[string]bool{}
		for _, id := range f.Replace[:v.replaced] {
			replaced[id] = true
		}
		for i, in := range fleet {
			if !replaced[in.ID] {
				continue
			}
			typ := in.InstanceType
			if len(f.Types) > 0 {
				typ = f.Types[i%len(f.Types)]
			}
			fleet[i] = instance{ID: successor(f.ID, in.ID), Template: f.Template, Version: f.Version, ImageID: f.ImageID,
				InstanceType: typ, Lifecycle: in.Lifecycle, Launched: f.Created, Protected: in.Protected}
		}
		views = append(views, v)
	}
	return fleet, views
}

// imageExists reports whether an AMI can be launched in the sandbox's
// region: one AWS published as an ECS-optimised AMI there (the seeded
// ones, and every id gantry sandbox publish-ami published since).
func (c *txc) imageExists(id string) bool {
	for _, v := range seededAMIs {
		if v == id {
			return true
		}
	}
	b := c.tx.Bucket(bMeta)
	if b == nil {
		return false
	}
	return b.Get(key("ami", c.region, id)) != nil || b.Get(key("ami", "", id)) != nil
}

// groupTemplate is the launch template an Auto Scaling group launches
// from (LaunchTemplate, or MixedInstancesPolicy's
// LaunchTemplateSpecification): the template's record, the version
// number its Version names ($Latest, $Default or a number; EC2 Auto
// Scaling API Reference: LaunchTemplateSpecification, Version: default
// $Default) and that version's data.
func (c *txc) groupTemplate(p map[string]any) (*record, int, map[string]any, error) {
	spec := obj(p, "LaunchTemplate")
	if spec == nil {
		spec = obj(obj(obj(p, "MixedInstancesPolicy"), "LaunchTemplate"), "LaunchTemplateSpecification")
	}
	if spec == nil {
		return nil, 0, nil, nil
	}
	ref := str(spec, "LaunchTemplateId")
	if ref == "" {
		ref = str(spec, "LaunchTemplateName")
	}
	t, err := c.liveByAlias(catalog.LaunchTemplate, ref)
	if err != nil || t == nil || len(t.Versions) == 0 {
		return nil, 0, nil, err
	}
	n := len(t.Versions)
	switch v := str(spec, "Version"); v {
	case "$Latest":
	case "", "$Default":
		if d, err := strconv.Atoi(t.Attrs["DefaultVersionNumber"]); err == nil {
			n = d
		}
	default:
		if d, err := strconv.Atoi(v); err == nil && d >= 1 && d <= len(t.Versions) {
			n = d
		}
	}
	return t, n, t.Versions[n-1].Data, nil
}

// launch returns the group's instances after it is created or its
// capacity changes: as many as its desired capacity (its minimum size when
// it has none), new ones launched from its launch template now, the
// newest terminated first when there are too many (EC2 Auto Scaling
// User Guide: default termination policy, simplified). New instances get
// the mix's instance types in turn, and are on-demand up to the
// InstancesDistribution's base and percentage, Spot beyond. An image that
// does not exist launches nothing.
func (c *txc) launch(r *record) error {
	want, ok := num(r.Props, "DesiredCapacity")
	if !ok {
		want, _ = num(r.Props, "MinSize")
	}
	fleet, _ := c.fleetAt(r, c.now)
	n := len(fleet)
	for n > int(want) && len(r.Instances) > 0 {
		r.Instances = r.Instances[:len(r.Instances)-1]
		n--
	}
	if n >= int(want) {
		return nil
	}
	t, version, data, err := c.groupTemplate(r.Props)
	if err != nil || t == nil {
		return err
	}
	image := str(data, "ImageId")
	if !c.imageExists(image) {
		return nil
	}
	types := instanceTypes(r.Props, data)
	protected, _ := boolean(r.Props, "NewInstancesProtectedFromScaleIn")
	for i := n; i < int(want); i++ {
		b, err := c.newIDs("instance", r.Key)
		if err != nil {
			return err
		}
		r.Instances = append(r.Instances, instance{ID: "i-0" + b.hex(16), Template: t.ID, Version: version, ImageID: image,
			InstanceType: types[i%len(types)], Lifecycle: lifecycle(r.Props, i), Launched: c.now, Protected: protected})
	}
	return nil
}

// instanceTypes are the types a group launches: MixedInstancesPolicy's
// overrides, else the launch template's one type.
func instanceTypes(p, data map[string]any) []string {
	var out []string
	for _, o := range list(obj(obj(p, "MixedInstancesPolicy"), "LaunchTemplate"), "Overrides") {
		if s := str(asObj(o), "InstanceType"); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{str(data, "InstanceType")}
	}
	return out
}

// lifecycle is whether the i-th instance (from 0) of a group is on-demand
// or Spot: OnDemandBaseCapacity instances on-demand, then
// OnDemandPercentageAboveBaseCapacity percent of the rest (EC2 Auto
// Scaling API Reference: InstancesDistribution; defaults 0 and 100).
func lifecycle(p map[string]any, i int) string {
	mip := obj(p, "MixedInstancesPolicy")
	if mip == nil {
		return "on-demand"
	}
	d := obj(mip, "InstancesDistribution")
	base, ok := num(d, "OnDemandBaseCapacity")
	if !ok {
		base = 0
	}
	pct, ok := num(d, "OnDemandPercentageAboveBaseCapacity")
	if !ok {
		pct = 100
	}
	if i < int(base) {
		return "on-demand"
	}
	above := i - int(base) + 1
	if int(math.Ceil(float64(above)*pct/100)) > int(math.Ceil(float64(above-1)*pct/100)) {
		return "on-demand"
	}
	return "spot"
}

func asObj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// groupRecord finds a live Auto Scaling group for a refresh call.
func (s *Sandbox) groupRecord(c *txc, group *provider.Observed) (*record, error) {
	h := handlers[catalog.AutoScalingGroup]
	r, err := c.get(catalog.AutoScalingGroup, group.ID)
	if err != nil {
		return nil, err
	}
	if r == nil || !r.live() {
		return nil, h.NotFound(c, group.ID)
	}
	return r, nil
}

// StartRefresh starts an instance refresh of the group toward its
// current launch template (StartInstanceRefresh). When one is already
// under way AWS refuses a second (InstanceRefreshInProgress); the
// sandbox then returns that one, Started false, as the provider contract
// says.
func (s *Sandbox) StartRefresh(ctx context.Context, scope provider.Scope, group *provider.Observed, prefs provider.RefreshPreferences) (*provider.Refresh, error) {
	const op = "autoscaling:StartInstanceRefresh"
	if msg := checkPreferences(prefs); msg != "" {
		return nil, &provider.OpError{Address: group.Address, Type: catalog.AutoScalingGroup, Operation: op, Code: "ValidationError", Message: msg}
	}
	after, err := s.call(ctx, op, catalog.AutoScalingGroup, group.Address, true)
	if err != nil {
		return nil, err
	}
	var out *provider.Refresh
	err = s.write(scope, op, catalog.AutoScalingGroup, group.Address, func(c *txc) error {
		old, err := s.groupRecord(c, group)
		if err != nil {
			return err
		}
		fleet, views := c.fleetAt(old, c.now)
		if n := len(views); n > 0 && views[n-1].Active() {
			out = &views[n-1].Refresh
			return nil
		}
		t, version, data, err := c.groupTemplate(old.Props)
		if err != nil {
			return err
		}
		if t == nil {
			return c.errorf("ValidationError", "The group %s has no launch template to refresh its instances to.", old.ID)
		}
		f := &refresh{Created: c.now, Prefs: prefs, Template: t.ID, Version: version, ImageID: str(data, "ImageId"),
			BatchTime: c.knobs.DeploymentDuration}
		f.NoImage = !c.imageExists(f.ImageID)
		f.Types = instanceTypes(old.Props, data)
		b, err := c.newIDs("instance-refresh", old.Key)
		if err != nil {
			return err
		}
		f.ID = b.uuid()
		f.Replace, f.Waiting = toReplace(fleet, f, prefs)
		// Replacing Batch instances at a time keeps MinHealthyPercentage
		// of the group in service; at least one moves at a time.
		f.Batch = max(1, len(fleet)*(100-prefs.MinHealthyPercentage)/100)
		r := *old
		r.Refreshes = append(append([]*refresh(nil), old.Refreshes...), f)
		v := f.view(c.now)
		v.Started = true
		out = &v.Refresh
		return c.put(old, &r)
	})
	if err != nil {
		return nil, err
	}
	if after != nil {
		return nil, after
	}
	return out, nil
}

// checkPreferences returns StartInstanceRefresh's validation error for
// prefs, "" when they are valid (EC2 Auto Scaling API Reference:
// RefreshPreferences: MinHealthyPercentage 0 to 100; the enums of
// ScaleInProtectedInstances and StandbyInstances).
func checkPreferences(prefs provider.RefreshPreferences) string {
	if prefs.MinHealthyPercentage < 0 || prefs.MinHealthyPercentage > 100 {
		return fmt.Sprintf("MinHealthyPercentage must be between 0 and 100, got %d", prefs.MinHealthyPercentage)
	}
	switch prefs.ScaleInProtectedInstances {
	case "", provider.ScaleInProtectedRefresh, provider.ScaleInProtectedIgnore, provider.ScaleInProtectedWait:
	default:
		return fmt.Sprintf("1 validation error detected: Value '%s' at 'preferences.scaleInProtectedInstances' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [Ignore, Wait, Refresh]", prefs.ScaleInProtectedInstances)
	}
	switch prefs.StandbyInstances {
	case "", provider.StandbyTerminate, provider.StandbyIgnore, provider.StandbyWait:
	default:
		return fmt.Sprintf("1 validation error detected: Value '%s' at 'preferences.standbyInstances' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [Terminate, Ignore, Wait]", prefs.StandbyInstances)
	}
	return ""
}

// toReplace splits a group's instances for a new refresh f: those it
// replaces, in order, and the protected ones it waits for. SkipMatching
// skips instances already on f's template version; an instance protected
// from scale-in is replaced with ScaleInProtectedInstances Refresh,
// skipped with Ignore, and waited for with Wait or none (AWS's default).
// The sandbox has no Standby state: StandbyInstances changes nothing.
func toReplace(fleet []instance, f *refresh, prefs provider.RefreshPreferences) (replace, waiting []string) {
	for _, in := range fleet {
		if prefs.SkipMatching && in.Template == f.Template && in.Version == f.Version {
			continue
		}
		if in.Protected {
			switch prefs.ScaleInProtectedInstances {
			case provider.ScaleInProtectedIgnore:
				continue
			case provider.ScaleInProtectedRefresh:
			default:
				waiting = append(waiting, in.ID)
				continue
			}
		}
		replace = append(replace, in.ID)
	}
	return replace, waiting
}

// Refresh reports the group's instance refresh id, or its newest one when
// id is "" (DescribeInstanceRefreshes lists the newest first); nil when
// the group has none.
func (s *Sandbox) Refresh(ctx context.Context, scope provider.Scope, group *provider.Observed, id string) (*provider.Refresh, error) {
	const op = "autoscaling:DescribeInstanceRefreshes"
	if err := s.readCall(ctx, op, catalog.AutoScalingGroup, group.Address); err != nil {
		return nil, err
	}
	account, region := scopeAccount(scope)
	var out *provider.Refresh
	err := s.st.view(func(tx *bolt.Tx) error {
		c := s.newTxc(tx, account, region)
		c.op, c.typ, c.addr = op, catalog.AutoScalingGroup, group.Address
		r, err := s.groupRecord(c, group)
		if err != nil {
			return err
		}
		_, views := c.fleetAt(r, c.now)
		for i := len(views) - 1; i >= 0; i-- {
			if id == "" || views[i].ID == id {
				out = &views[i].Refresh
				return nil
			}
		}
		if id != "" {
			return c.notFound("ValidationError", "Instance refresh %s not found for group %s.", id, r.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fleetStatus is what `gantry sandbox show` prints of a group: its
// instances and refreshes at now, newest refresh first.
func (c *txc) fleetStatus(r *record) ([]InstanceStatus, []RefreshStatus) {
	fleet, views := c.fleetAt(r, c.now)
	var ins []InstanceStatus
	for _, in := range fleet {
		ins = append(ins, InstanceStatus{ID: in.ID, ImageID: in.ImageID, Version: in.Version, InstanceType: in.InstanceType,
			Lifecycle: in.Lifecycle, Protected: in.Protected})
	}
	var rs []RefreshStatus
	for i := len(views) - 1; i >= 0; i-- {
		f := r.Refreshes[i]
		rs = append(rs, RefreshStatus{Refresh: views[i].Refresh, StartTime: f.Created, Preferences: f.Prefs, ImageID: f.ImageID, Version: f.Version})
	}
	return ins, rs
}

// fleet is the group's Observed.Fleet: its instances now, those not on
// its launch template and version, and its newest refresh
// (DescribeAutoScalingGroups returns each instance's LaunchTemplate; the
// sandbox's listing reads the refreshes with it).
func fleet(c *txc, r *record) *provider.Fleet {
	instances, views := c.fleetAt(r, c.now)
	f := &provider.Fleet{Instances: len(instances)}
	t, version, _, _ := c.groupTemplate(r.Props)
	for _, in := range instances {
		if t == nil || in.Template != t.ID || in.Version != version {
			f.Outdated++
		}
	}
	if n := len(views); n > 0 {
		ref := views[n-1].Refresh
		f.Refresh = &ref
	}
	return f
}
