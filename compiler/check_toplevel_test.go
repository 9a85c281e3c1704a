package compiler

import (
	"strings"
	"testing"
)

// A top-level field no file declares comes from an embedding or a
// comprehension at the top level: the error names where it was made.
func TestUnknownTopLevelFieldFromEmbedding(t *testing.T) {
	for name, tc := range map[string]struct {
		file, want string
	}{
		"embedding": {
			file: "package acme\n\nclusters\n",
			want: `base.cue:13:11: apps: unknown top-level field "apps" (want one of project, environments, clusters, loadBalancers, services, repositories; use _apps or #apps for your own helpers) (added at the top level by extra.cue:3:1)`,
		},
		"comprehension": {
			file: "package acme\n\nfor k, v in {svc: 1} {\n\t\"\\(k)\": v\n}\n",
			want: `extra.cue:4:10: svc: unknown top-level field "svc" (want one of project, environments, clusters, loadBalancers, services, repositories; use _svc or #svc for your own helpers) (added at the top level by extra.cue:3:1)`,
		},
		"declared": {
			file: "package acme\n\napps: 1\n",
			want: `extra.cue:3:1: apps: unknown top-level field "apps" (want one of project, environments, clusters, loadBalancers, services, repositories; use _apps or #apps for your own helpers)`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := loadConfigDiags(t, map[string]string{"base.cue": fuzzBase, "extra.cue": tc.file})
			if !strings.Contains(got, tc.want) {
				t.Errorf("diagnostics:\n%s\nwant a line:\n%s", got, tc.want)
			}
		})
	}
}

// A top-level map (or an environment's refinement of one) that CUE cannot
// evaluate yet is an error at its line: read as no entries, it would
// create nothing and check nothing written beside it.
func TestIncompleteTopLevelMap(t *testing.T) {
	for name, tc := range map[string]struct{ file, want string }{
		"services": {
			file: "package acme\n\nservices: [_] * {a: 1}\n",
			want: "extra.cue:3:11: services: has no concrete value: invalid left-hand value to '*' (type list): 0: incomplete value _",
		},
		// What is written beside it is checked against the schema.
		"beside": {
			file: "package acme\n\nservices: [_] * {a: 1}\nservices: web: 0\n",
			want: "extra.cue:4:16: services: conflicting values 0 and {cluster:",
		},
		"refinement": {
			file: "package acme\n\nenvironments: live: services: [_] * {a: 1}\n",
			want: "extra.cue:3:31: environments.live.services: has no concrete value",
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := loadConfigDiags(t, map[string]string{"base.cue": fuzzBase, "extra.cue": tc.file})
			if !strings.Contains(got, tc.want) {
				t.Errorf("diagnostics:\n%s\nwant a line with:\n%s", got, tc.want)
			}
		})
	}
}

// A struct or list where another shape belongs is shown at the value, as
// CUE shows it, also when the value starts on the line after its label.
func TestWrongShapeAtTheValue(t *testing.T) {
	got := loadConfigDiags(t, map[string]string{"base.cue": fuzzBase, "extra.cue": "package acme\n\nservices: web: cpu:\n\ta: 1\n"})
	if want := "extra.cue:4:2: services.web.cpu: want a single value, got struct"; !strings.Contains(got, want) {
		t.Errorf("diagnostics:\n%s\nwant a line with:\n%s", got, want)
	}
}

// A struct or list that is not concrete yet (a disjunction without a
// default) is an error at its line: read as failed, it was skipped as if
// CUE had reported it.
func TestAmbiguousDisjunctionIsNotConcrete(t *testing.T) {
	got := loadConfigDiags(t, map[string]string{"base.cue": fuzzBase, "extra.cue": "package acme\n\nservices: web: {[] | [string]}\n"})
	if want := "extra.cue:3:11: services.web: has no concrete value (environment live)"; !strings.Contains(got, want) {
		t.Errorf("diagnostics:\n%s\nwant a line with:\n%s", got, want)
	}
}
