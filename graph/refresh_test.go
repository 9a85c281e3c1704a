package graph

import (
	"encoding/json"
	"strings"
	"testing"
)

// Refresh survives a JSON round trip (gantry compile --format json, the
// desired graph in a plan file) and is left out when nil.
func TestRefreshJSON(t *testing.T) {
	r := &Resource{Address: "cluster/c/auto-scaling-group", Type: "AWS::AutoScaling::AutoScalingGroup",
		Properties: map[string]any{"MinSize": "0"}, Refresh: &InstanceRefresh{MinHealthyPercentage: 75, SkipMatching: true}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"refresh":{"minHealthyPercentage":75,"skipMatching":true}`) {
		t.Errorf("JSON %s", b)
	}
	var back Resource
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Refresh == nil || *back.Refresh != *r.Refresh {
		t.Errorf("round trip: %+v", back.Refresh)
	}
	r.Refresh = nil
	if b, _ := json.Marshal(r); strings.Contains(string(b), "refresh") {
		t.Errorf("nil Refresh written: %s", b)
	}
}
