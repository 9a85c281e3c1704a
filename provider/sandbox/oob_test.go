package sandbox

import (
	"testing"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/provider"
)

func TestEditIsDrift(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	s.ResetStats()
	res, err := s.Edit(ctx, Filter{Project: "shop", Environment: "staging"}, "service/svc0/target-group", func(p map[string]any) error {
		p["HealthCheckPath"] = "/console"
		return SetPath(p, "TargetGroupAttributes.0.Value", "120")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties["HealthCheckPath"] != "/console" {
		t.Errorf("edited %+v", res.Properties)
	}
	live := liveByAddress(t, s, testScope)["service/svc0/target-group"]
	if live.Properties["HealthCheckPath"] != "/console" || keyValues(live.Properties, "TargetGroupAttributes")["deregistration_delay.timeout_seconds"] != "120" {
		t.Errorf("ListOwned does not show the edit: %v", live.Properties)
	}
	if live.ID != a.live["service/svc0/target-group"].ID {
		t.Error("an edit changed the id")
	}
	if st := s.Stats(); st.Calls["elasticloadbalancing:ModifyTargetGroup"] != 0 {
		t.Errorf("an out-of-band edit counted as an API call: %v", st.Calls)
	}
	// Edits go through AWS's checks.
	_, err = s.Edit(ctx, Filter{}, a.live["service/svc0/target-group"].ID, func(p map[string]any) error {
		p["Port"] = 1
		return nil
	})
	wantCode(t, err, "console:Edit", "NotUpdatable")
	// Editing a service's task definition starts a deployment; editing a
	// task definition registers a revision.
	res, err = s.Edit(ctx, Filter{Project: "shop"}, "service/svc0/task-definition", func(p map[string]any) error {
		return SetPath(p, "ContainerDefinitions.0.Image", "nginx:console")
	})
	if err != nil || res.ID == a.live["service/svc0/task-definition"].ID {
		t.Fatalf("task definition edit: %v %v", res, err)
	}
}

func TestRemovingOwnershipTagsMakesAResourceUnowned(t *testing.T) {
	s, _, _ := liveFixture(t, Knobs{})
	if _, err := s.EditTags(ctx, Filter{Environment: "staging"}, "service/svc0/alarm/errors", func(tags map[string]string) error {
		delete(tags, "gantry:project")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if liveByAddress(t, s, testScope)["service/svc0/alarm/errors"] != nil {
		t.Error("an alarm without gantry:project is still listed as owned")
	}
}

func TestUnownedResourcesAreInvisibleAndUntouched(t *testing.T) {
	s, _, before := liveFixture(t, Knobs{})
	o, err := s.CreateUnowned(ctx, testScope.Account, testScope.Region, provider.Request{
		Type: catalog.SecurityGroup, Tags: map[string]string{"owner": "someone-else"},
		Properties: m{"GroupName": "legacy", "GroupDescription": "not gantry's", "VpcId": testVPC},
	})
	if err != nil {
		t.Fatal(err)
	}
	after := liveByAddress(t, s, testScope)
	if len(after) != len(before) {
		t.Errorf("ListOwned: %d resources with an unowned one added, want %d", len(after), len(before))
	}
	all, _ := s.Resources(ctx, Filter{Unowned: true, Type: catalog.SecurityGroup})
	found := false
	for _, r := range all {
		found = found || r.ID == o.ID
	}
	if !found {
		t.Error("Resources does not list the unowned group")
	}
	// A provider write to it is counted (and logged): gantry must make none.
	if err := s.Delete(ctx, testScope, o); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.UnownedWrites != 1 {
		t.Errorf("UnownedWrites %d, want 1", st.UnownedWrites)
	}
	// Its name is taken for gantry too.
	_, err = s.CreateUnowned(ctx, testScope.Account, testScope.Region, provider.Request{
		Type: catalog.SecurityGroup, Properties: m{"GroupName": "legacy2", "GroupDescription": "x", "VpcId": testVPC}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Create(ctx, testScope, provider.Request{Address: "sg/legacy2", Type: catalog.SecurityGroup,
		Properties: m{"GroupName": "legacy2", "GroupDescription": "x", "VpcId": testVPC},
		Tags:       map[string]string{"gantry:project": "shop", "gantry:environment": "staging", "gantry:address": "sg/legacy2"}})
	wantCode(t, err, "ec2:CreateSecurityGroup", "InvalidGroup.Duplicate")
}

func TestRepositoryWithImages(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	if err := s.PushImage(ctx, Filter{Project: "shop"}, "repository/api", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	err := s.Delete(ctx, testScope, a.live["repository/api"])
	wantCode(t, err, "ecr:DeleteRepository", "RepositoryNotEmptyException")
	req := a.request(t, "repository/api")
	req.Properties["EmptyOnDelete"] = true
	o, err := s.Update(ctx, testScope, a.live["repository/api"], req)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Properties["EmptyOnDelete"]; ok {
		t.Error("EmptyOnDelete read back: ECR does not hold it")
	}
	if err := s.Delete(ctx, testScope, o); err != nil {
		t.Errorf("delete with EmptyOnDelete: %v", err)
	}
}

func TestGetResolvesAddressesIDsAndNames(t *testing.T) {
	s, a, _ := liveFixture(t, Knobs{})
	for _, ref := range []string{"service/svc0", a.live["service/svc0"].ID, "shop-staging-main/shop-staging-svc0"} {
		r, err := s.Get(ctx, Filter{}, ref)
		if err != nil || r.ID != a.live["service/svc0"].ID {
			t.Errorf("Get(%q): %v %v", ref, r, err)
		}
	}
	r, err := s.Get(ctx, Filter{}, "service/svc0")
	if err != nil || len(r.Deployments) == 0 || r.Health == nil {
		t.Errorf("service inspection: %+v %v", r, err)
	}
	if _, err := s.Get(ctx, Filter{}, "nothing/here"); err == nil {
		t.Error("Get of nothing succeeded")
	}
}

func TestPaths(t *testing.T) {
	p := m{"A": l{m{"B": 1}}, "Options": m{"awslogs-group": "x"}}
	if err := SetPath(p, "A.0.B", 2.0); err != nil || at(t, p, "A", 0, "B") != 2.0 {
		t.Errorf("%v %v", p, err)
	}
	if err := SetPath(p, "A.1.B", 3.0); err != nil || at(t, p, "A", 1, "B") != 3.0 {
		t.Errorf("append: %v %v", p, err)
	}
	if err := SetPath(p, "Options[a.b]", "y"); err != nil || at(t, p, "Options", "a.b") != "y" {
		t.Errorf("bracket: %v %v", p, err)
	}
	if err := DeletePath(p, "A.0"); err != nil || len(p["A"].([]any)) != 1 {
		t.Errorf("delete: %v %v", p, err)
	}
	if err := SetPath(p, "A.7", 1); err == nil {
		t.Error("set past the end")
	}
	MergePatch(p, m{"Options": m{"awslogs-group": nil, "new": "z"}, "C": 1.0})
	want(t, "merge", p["Options"], m{"a.b": "y", "new": "z"})
}
