package catalog

import (
	"reflect"
	"testing"
)

// A launch template's image named by its SSM parameter resolves to the
// parameter's value; other strings, and props itself, stay as they are.
func TestResolveParameters(t *testing.T) {
	lt := MustLookup(LaunchTemplate)
	const name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
	props := map[string]any{
		"LaunchTemplateName": ParameterPrefix + "not-a-resolves-path",
		"LaunchTemplateData": map[string]any{"ImageId": ParameterPrefix + name, "InstanceType": "c7g.large"},
	}
	if got := lt.Parameters(props); !reflect.DeepEqual(got, []string{name}) {
		t.Fatalf("Parameters = %v, want [%s]", got, name)
	}
	out, missing := lt.ResolveParameters(props, map[string]string{name: "ami-0a9d0bd3f4a1e6b52"})
	if len(missing) != 0 {
		t.Fatalf("missing = %v", missing)
	}
	if got := out["LaunchTemplateData"].(map[string]any)["ImageId"]; got != "ami-0a9d0bd3f4a1e6b52" {
		t.Errorf("ImageId = %v", got)
	}
	if out["LaunchTemplateName"] != props["LaunchTemplateName"] {
		t.Errorf("a reference outside Resolves was rewritten: %v", out["LaunchTemplateName"])
	}
	if got := props["LaunchTemplateData"].(map[string]any)["ImageId"]; got != ParameterPrefix+name {
		t.Errorf("props changed: ImageId = %v", got)
	}
	_, missing = lt.ResolveParameters(props, nil)
	if !reflect.DeepEqual(missing, []string{name}) {
		t.Errorf("missing = %v, want [%s]", missing, name)
	}
	pinned := map[string]any{"LaunchTemplateData": map[string]any{"ImageId": "ami-0123456789abcdef0"}}
	if got := lt.Parameters(pinned); len(got) != 0 {
		t.Errorf("a pinned image has parameters %v", got)
	}
}

// A group's launch template or instance mix changing leaves running
// instances behind; its sizes do not.
func TestRefreshTriggered(t *testing.T) {
	r := MustLookup(AutoScalingGroup).Refresh
	if r == nil {
		t.Fatal("Auto Scaling groups declare no Refresh")
	}
	for path, want := range map[string]bool{
		"LaunchTemplate.Version": true,
		"MixedInstancesPolicy.LaunchTemplate.Overrides[c7g.large].InstanceType": true,
		"MixedInstancesPolicy": true,
		"MaxSize":              false,
		"LaunchTemplateX":      false,
	} {
		if got := r.Triggered(path); got != want {
			t.Errorf("Triggered(%q) = %v, want %v", path, got, want)
		}
	}
	if got := r.Warmup(map[string]any{}); got != 300 {
		t.Errorf("Warmup without DefaultInstanceWarmup = %d, want 300", got)
	}
	if got := r.Warmup(map[string]any{"DefaultInstanceWarmup": 120.0}); got != 120 {
		t.Errorf("Warmup = %d, want 120", got)
	}
}
