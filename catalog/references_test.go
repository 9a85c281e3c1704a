package catalog

import "testing"

// Every declared reference names a registered type, and finds the value
// at its path through lists.
func TestReferencesNameRegisteredTypes(t *testing.T) {
	for _, typ := range All() {
		for _, r := range typ.References {
			if _, ok := Lookup(r.Type); !ok {
				t.Errorf("%s: reference %s names unknown type %s", typ.Name, r.Path, r.Type)
			}
		}
	}
	var got []string
	r := Reference{Path: "Actions.ForwardConfig.TargetGroups.TargetGroupArn", Type: TargetGroup}
	r.Referenced(map[string]any{"Actions": []any{
		map[string]any{"Type": "forward", "ForwardConfig": map[string]any{"TargetGroups": []any{
			map[string]any{"TargetGroupArn": "tg-a"}, map[string]any{"TargetGroupArn": "tg-b"},
		}}},
	}}, func(s string) { got = append(got, s) })
	if len(got) != 2 || got[0] != "tg-a" || got[1] != "tg-b" {
		t.Errorf("referenced: %v", got)
	}
}

// Widen keeps the rules desired drops; Revoked lists them.
func TestWidenKeepsRemovedRules(t *testing.T) {
	sg := MustLookup(SecurityGroup)
	rule := func(port int) map[string]any {
		return map[string]any{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "SourceSecurityGroupId": "sg-lb"}
	}
	live := map[string]any{"SecurityGroupIngress": []any{rule(3000)}}
	desired := map[string]any{"SecurityGroupIngress": []any{rule(3001)}}
	w := sg.Widen(desired, live)
	if n := len(List(w, "SecurityGroupIngress")); n != 2 {
		t.Fatalf("widened: %v", w)
	}
	if rv := sg.Revoked(desired, live)["SecurityGroupIngress"]; len(rv) != 1 || !Equal(rv[0], sg.Canonical(live)["SecurityGroupIngress"].([]any)[0]) {
		t.Errorf("revoked: %v", rv)
	}
	if rv := sg.Revoked(w, live); len(rv) != 0 {
		t.Errorf("the widened rules revoke %v", rv)
	}
}
