package imageref

import (
	"strings"
	"testing"
)

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseValid(t *testing.T) {
	for _, tc := range []struct {
		in                string
		name, tag, digest string
		summary           string
	}{
		{"nginx", "nginx", "", "", "nginx"},
		{"nginx:1.27", "nginx", "1.27", "", "nginx:1.27"},
		{"localhost:5000/team/api:v2", "localhost:5000/team/api", "v2", "", "localhost:5000/team/api:v2"},
		{"111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.8.0", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api", "1.8.0", "",
			"111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.8.0"},
		{"registry/api@sha256:" + hex64, "registry/api", "", "sha256:" + hex64, "registry/api (sha256:0123456789ab)"},
		{"registry/api:1.4.2@sha256:" + hex64, "registry/api", "1.4.2", "sha256:" + hex64, "registry/api:1.4.2 (sha256:0123456789ab)"},
		{"a/b__c/d-e.f:T_1", "a/b__c/d-e.f", "T_1", "", "a/b__c/d-e.f:T_1"},
		{"Registry.Example.com/web:1", "Registry.Example.com/web", "1", "", "Registry.Example.com/web:1"},
	} {
		r, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if r.Name != tc.name || r.Tag != tc.tag || r.Digest != tc.digest {
			t.Errorf("Parse(%q) = %+v, want name %q tag %q digest %q", tc.in, r, tc.name, tc.tag, tc.digest)
		}
		if r.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, r.String())
		}
		if r.Summary() != tc.summary {
			t.Errorf("Parse(%q).Summary() = %q, want %q", tc.in, r.Summary(), tc.summary)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty image reference"},
		{"api 1.0", "white space"},
		{"Registry/API:1", `invalid repository name "Registry/API"`},
		{"api:", `invalid tag ""`},
		{"api:-x", `invalid tag "-x"`},
		{"api@sha256:abc", `invalid digest "sha256:abc"`},
		{"api@sha256:" + strings.ToUpper(hex64), "sha256 takes 64 lowercase hex digits"},
		{"api@sha256:" + hex64 + "00", "sha256 takes 64 lowercase hex digits"},
		{"/api", `invalid repository name "/api"`},
		{"Registry/web:1", `invalid repository name "Registry/web"`},
		{"api//x", `invalid repository name "api//x"`},
		{strings.Repeat("a", 256), "longer than 255"},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}
