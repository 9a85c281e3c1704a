package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/provider"
)

// The instances of a group with NewInstancesProtectedFromScaleIn (ECS
// managed termination protection: every instance running tasks is
// protected) are launched protected. A refresh that leaves
// ScaleInProtectedInstances to AWS's default (Wait) replaces none of
// them, waits "one hour" (protectedBatches batch times) and fails with
// its reason; Ignore succeeds without them; Refresh replaces them.
func TestInstanceRefreshOfProtectedInstances(t *testing.T) {
	const batch = 10 * time.Second
	s, clk := newSandbox(t, Knobs{DeploymentDuration: Duration(batch)})
	lt, group := createFleetWith(t, s, 2, seededAMIs[amiParameters["arm64"]], m{"NewInstancesProtectedFromScaleIn": true})
	r, err := s.Get(ctx, Filter{Project: testScope.Project, Environment: testScope.Environment}, group.Address)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range r.Instances {
		if !in.Protected {
			t.Fatalf("instance %s of a protected group is not protected from scale-in", in.ID)
		}
	}
	_, _, next, err := s.PublishAMI("", "arm64", "")
	if err != nil {
		t.Fatal(err)
	}
	group = newVersion(t, s, lt, group, next)

	for _, wait := range []string{"", provider.ScaleInProtectedWait} {
		ref, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 50, SkipMatching: true, ScaleInProtectedInstances: wait})
		if err != nil || !ref.Started {
			t.Fatalf("StartRefresh %q: %+v, %v", wait, ref, err)
		}
		start := ref0(t, s, group, ref.ID)
		clk.t = start.Add(protectedBatches*batch - time.Second)
		got, err := s.Refresh(ctx, testScope, group, ref.ID)
		if err != nil || got.Status != provider.RefreshInProgress || got.InstancesToUpdate != 2 || got.PercentageComplete != 0 ||
			!strings.Contains(got.StatusReason, "Waiting for 2 instance(s) protected from scale in") {
			t.Errorf("%q, before the hour is up: %+v, %v", wait, got, err)
		}
		clk.t = start.Add(protectedBatches * batch)
		got, err = s.Refresh(ctx, testScope, group, ref.ID)
		if err != nil || got.Status != provider.RefreshFailed ||
			!strings.Contains(got.StatusReason, "2 instance(s) were still protected from scale in after one hour") {
			t.Errorf("%q, after the hour: %+v, %v", wait, got, err)
		}
		if f := fleetOf(t, s, group); f.Outdated != 2 {
			t.Errorf("%q: a failed refresh replaced protected instances: %+v", wait, f)
		}
	}

	ignored, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 50, SkipMatching: true,
		ScaleInProtectedInstances: provider.ScaleInProtectedIgnore})
	if err != nil || ignored.Status != provider.RefreshSuccessful || ignored.InstancesToUpdate != 0 {
		t.Errorf("Ignore: %+v, %v", ignored, err)
	}

	ref, err := s.StartRefresh(ctx, testScope, group, provider.RefreshPreferences{MinHealthyPercentage: 50, SkipMatching: true,
		ScaleInProtectedInstances: provider.ScaleInProtectedRefresh, StandbyInstances: provider.StandbyIgnore})
	if err != nil || ref.Status != provider.RefreshInProgress || ref.InstancesToUpdate != 2 {
		t.Fatalf("Refresh: %+v, %v", ref, err)
	}
	clk.t = ref0(t, s, group, ref.ID).Add(2 * batch)
	if got, err := s.Refresh(ctx, testScope, group, ref.ID); err != nil || !got.Succeeded() || got.StatusReason != "" {
		t.Errorf("Refresh, after two batches: %+v, %v", got, err)
	}
	r, _ = s.Get(ctx, Filter{Project: testScope.Project, Environment: testScope.Environment}, group.Address)
	for _, in := range r.Instances {
		if in.ImageID != next || !in.Protected {
			t.Errorf("after the refresh: %+v, want %s, protected as the group launches them", in, next)
		}
	}

	for _, bad := range []provider.RefreshPreferences{{ScaleInProtectedInstances: "Replace"}, {StandbyInstances: "Refresh"}} {
		if _, err := s.StartRefresh(ctx, testScope, group, bad); err == nil || !strings.Contains(err.Error(), "failed to satisfy constraint") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// fleetOf is the group's Fleet as the listing reads it now.
func fleetOf(t *testing.T, s *Sandbox, group *provider.Observed) *provider.Fleet {
	t.Helper()
	live, err := s.ListOwned(ctx, testScope)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range live {
		if o.Address == group.Address && o.Fleet != nil {
			return o.Fleet
		}
	}
	t.Fatalf("%s not listed with its fleet", group.Address)
	return nil
}
