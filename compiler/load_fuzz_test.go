package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-gitops/gantry/schema"
)

// fuzzBase is a valid configuration the fuzzed file is added to, so that
// mutations meet a realistic package.
var fuzzBase = loadTestEnv + `clusters: apps: {}
loadBalancers: web: scheme: "internet-facing"
`

var fuzzSeeds = []string{
	"package acme\n",
	"package acme\n\nservices: shop: {cluster: \"apps\", image: \"r/shop:1\", port: 80, route: loadBalancer: \"web\"}\n",
	"package acme\n\nservices: shop: {cluster: \"apps\", image: \"r/shop:1\", cpu: 300}\n",
	"package acme\n\nservices: [_]: memory: <=512\nservices: s: {cluster: \"apps\", image: \"x:1\", memory: 1024}\n",
	"package acme\n\nenvironments: live: services: ghost: image: \"x\"\n",
	"package acme\n\nservices: a: {cluster: \"apps\", image: \"x:1\", env: X: \"\\(image)\"}\nenvironments: live: services: a: image: \"y:2\"\n",
	"package acme\n\nimport \"strings\"\n\nservices: [N=_]: env: NAME: strings.ToUpper(N)\nservices: b: {cluster: \"apps\", image: \"x:1\"}\n",
	"package acme\n\nservices: c: {cluster: \"apps\", image: \"x:1\", scale: {min: 3, max: 1}}\n",
	"package acme\n\nx: y: z\n",
	"package acme\n\nservices: d: {cluster: \"apps\", image: \"x:1\", alarms: a: {metric: \"CPUUtilization\"}}\n",
	"package acme\n\nservices: e: [1, 2]\nclusters: apps: capacity: ec2: instanceType: \"nope\"\n",
	"package other\n",
	"services: {\n",
	"package acme\n\nfor i in [1, 2] { services: \"s\\(i)\": {cluster: \"apps\", image: \"x:1\"} }\n",
	"package acme\n\nproject: _|_\n",
	"\x00\xff{{{",
}

// FuzzLoad feeds arbitrary bytes as one .cue file of a configuration: the
// loader never panics and never fails internally; it either accepts the
// configuration or reports errors, each at a position in a user file.
//
//	go test ./compiler -run XXX -fuzz FuzzLoad -fuzztime 2m
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "base.cue"), []byte(fuzzBase), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "fuzz.cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		p, diags, err := LoadWithOptions(dir, LoadOptions{RelativeTo: dir})
		if err != nil {
			t.Fatalf("internal error for %q: %v", src, err)
		}
		if !diags.HasErrors() {
			if p == nil {
				t.Fatalf("no errors but no project for %q", src)
			}
			return
		}
		if p != nil {
			t.Fatalf("errors but a project for %q", src)
		}
		for _, d := range diags {
			if d.Line <= 0 || d.Column <= 0 {
				t.Errorf("diagnostic without a position for %q: %s", src, d)
			}
			if d.File != "base.cue" && d.File != "fuzz.cue" || strings.Contains(d.File, schema.Filename) {
				t.Errorf("diagnostic not in a user file for %q: %s", src, d)
			}
		}
	})
}
