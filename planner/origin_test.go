package planner

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gantry-gitops/gantry/config"
)

// planEnv plans env against the sandbox's live state.
func planEnv(t *testing.T, env *config.Environment, live *Plan) *Plan {
	t.Helper()
	p, err := Diff(compileEnv(t, env, Pinned(live.Live)), live.Live, envScope(env), Options{Provider: "sandbox", GantryVersion: "v0.1.0",
		Parameters: live.Parameters, Now: func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLabelOrigins: against a base that already changes api's image
// (merged, not applied), the head that changes it the same way and adds a
// service labels api's changes as pending on the base and the new
// service's as its own; a change at an address both plans touch, but
// differently, is the change set's.
func TestLabelOrigins(t *testing.T) {
	_, live := deployed(t, 1)
	newImage := func(env *config.Environment, tag string) {
		env.Services[0].Image = strings.Replace(env.Services[0].Image, "1.7.3", tag, 1)
	}
	baseEnv := testEnvironment(1)
	newImage(baseEnv, "1.8.0")
	headEnv := testEnvironment(1)
	newImage(headEnv, "1.8.0")
	headEnv.Services = append(headEnv.Services, webService(2, "1.0.0"))
	base, head := planEnv(t, baseEnv, live), planEnv(t, headEnv, live)
	LabelOrigins(head, base, Base{Rev: "main", Commit: "0123456789abcdef0123456789abcdef01234567"})

	want := map[string]Origin{
		"service/api/task-definition":    OriginBase,
		"service/api":                    OriginBase,
		"service/web002":                 OriginChangeSet,
		"service/web002/task-definition": OriginChangeSet,
	}
	for addr, o := range want {
		c := head.Change(addr)
		if c == nil {
			t.Fatalf("no change at %s", addr)
		}
		if c.Origin != o {
			t.Errorf("%s (%s): origin %q, want %q", addr, c.Action, c.Origin, o)
		}
	}
	for _, c := range head.Changes {
		if (c.Action == NoOp) != (c.Origin == "") {
			t.Errorf("%s (%s): origin %q", c.Address, c.Action, c.Origin)
		}
	}

	// The same address, changed otherwise on the head: the change set's.
	otherEnv := testEnvironment(1)
	newImage(otherEnv, "1.9.0")
	other := planEnv(t, otherEnv, live)
	LabelOrigins(other, base, Base{Rev: "main", Commit: "0123456789abcdef0123456789abcdef01234567"})
	if c := other.Change("service/api/task-definition"); c.Origin != OriginChangeSet {
		t.Errorf("api's task definition changed otherwise on the head: origin %q", c.Origin)
	}

	// Every rendering says it: the counts against the base, and each
	// change's label.
	cs, pending := head.OriginCounts()
	if cs != 11 || pending != 3 { // api: its task definition, its old revision, the service
		for _, c := range head.Changes {
			t.Log(c.Address, c.Action, c.Origin)
		}
		t.Fatalf("counts: %d from the change set, %d pending; want 11 and 3", cs, pending)
	}
	var text, md, js bytes.Buffer
	for f, w := range map[Format]*bytes.Buffer{FormatText: &text, FormatMarkdown: &md, FormatJSON: &js} {
		if err := Render(w, head, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	line := "Against base main (0123456789ab): " + plural(cs, "change") + " from this change set, 3 changes already pending on the base (merged there, not applied yet)."
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if !strings.Contains(out, line) {
			t.Errorf("%s lacks %q:\n%s", name, line, out)
		}
	}
	for _, l := range strings.Split(text.String(), "\n") {
		switch {
		case strings.Contains(l, " service/api/task-definition "), strings.Contains(l, " service/api "):
			if !strings.HasSuffix(l, ", already pending on the base") {
				t.Errorf("text: %q", l)
			}
		case strings.Contains(l, " service/web002 "):
			if !strings.HasSuffix(l, ", from this change set") {
				t.Errorf("text: %q", l)
			}
		}
	}
	if !strings.Contains(md.String(), "already pending on the base") || !strings.Contains(md.String(), "from this change set") {
		t.Errorf("markdown lacks the labels:\n%s", md.String())
	}
	checkPlanJSON(t, "labelled plan", js.Bytes())
	for _, w := range []string{`"origin": "base"`, `"origin": "change-set"`, `"base": {`, `"rev": "main"`} {
		if !strings.Contains(js.String(), w) {
			t.Errorf("JSON lacks %s", w)
		}
	}
}

// TestConfigSource: the hash covers paths and contents; FileChanges names
// what differs.
func TestConfigSource(t *testing.T) {
	files := map[string][]byte{"a.cue": []byte("package a\n"), "b/c.cue": []byte("package a\nx: 1\n"), SchemaFile: []byte("schema")}
	env := []byte(`{"name":"prod"}`)
	a := NewConfigSource(files, env)
	if !a.Consistent() || !strings.HasPrefix(a.Hash, "sha256:") || len(a.Files) != 3 {
		t.Fatalf("%+v", a)
	}
	if b := NewConfigSource(files, env); b.Hash != a.Hash || b.Environment != a.Environment {
		t.Fatal("the same files hash differently")
	}
	moved := map[string][]byte{"a.cue": files["a.cue"], "b/d.cue": files["b/c.cue"], SchemaFile: files[SchemaFile]}
	m := NewConfigSource(moved, env)
	if m.Hash == a.Hash {
		t.Fatal("a renamed file does not change the hash")
	}
	if got, want := strings.Join(a.FileChanges(m), "; "), "b/c.cue (removed); b/d.cue (added)"; got != want {
		t.Errorf("FileChanges = %q, want %q", got, want)
	}
	edited := map[string][]byte{"a.cue": []byte("package a // edited\n"), "b/c.cue": files["b/c.cue"], SchemaFile: []byte("schema v2")}
	if got, want := strings.Join(a.FileChanges(NewConfigSource(edited, env)), "; "), "(gantry schema) (changed); a.cue (changed)"; got != want {
		t.Errorf("FileChanges = %q, want %q", got, want)
	}
	if len(a.FileChanges(a)) != 0 {
		t.Error("changes between a source and itself")
	}
}
