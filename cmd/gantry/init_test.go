package main

import "testing"

// Only revisions that exist: a release tag or a full, clean commit.
func TestRevisionOf(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct{ version, commit, rev, install string }{
		{"v1.2.3", sha, "v1.2.3", "v1.2.3"},
		{"v1.2.3-rc.1", "unknown", "v1.2.3-rc.1", "v1.2.3-rc.1"},
		{"v0.0.0-20261206203203-0123456789ab", sha, sha, "v0.0.0-20261206203203-0123456789ab"},
		{"v0.0.0-20261206203203-0123456789ab", "unknown", "", "v0.0.0-20261206203203-0123456789ab"},
		{"v1.2.4-0.20261206203203-0123456789ab+dirty", sha + "+dirty", "", ""},
		{"devel", sha, sha, sha},
		{"devel", "unknown", "", ""},
	} {
		if got := revisionOf(tc.version, tc.commit); got != tc.rev {
			t.Errorf("revisionOf(%q, %q) = %q, want %q", tc.version, tc.commit, got, tc.rev)
		}
		if got := installVersionOf(tc.version, tc.commit); got != tc.install {
			t.Errorf("installVersionOf(%q, %q) = %q, want %q", tc.version, tc.commit, got, tc.install)
		}
	}
}
