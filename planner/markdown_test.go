package planner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// syntheticLive is live state for a graph as if everything had been
// created (references resolved with invented attribute values), so that a
// plan against it has only the changes a test makes.
func syntheticLive(t *testing.T, p *Plan) []*provider.Observed {
	t.Helper()
	attrs := func(addr string) map[string]string {
		m := map[string]string{}
		for _, a := range catalog.MustLookup(p.Desired.Get(addr).Type).Attributes {
			m[a] = "synthetic:" + addr + ":" + a
		}
		return m
	}
	d := &planBuilder{changes: map[string]*Change{}, live: map[string]*provider.Observed{}}
	var out []*provider.Observed
	order, _ := p.Desired.TopoOrder()
	for _, addr := range order {
		r := p.Desired.Get(addr)
		props, known := d.resolve(r.Properties)
		if !known {
			t.Fatalf("%s: unresolved reference", addr)
		}
		// The live side holds sensitive values in clear.
		o := &provider.Observed{Address: addr, Type: r.Type, ID: "id:" + addr,
			Properties: catalog.Copy(graph.Unwrap(props)).(map[string]any), Attributes: attrs(addr), Tags: r.Tags}
		d.live[addr] = o
		d.changes[addr] = &Change{Address: addr, Type: r.Type, Action: NoOp}
		out = append(out, o)
	}
	return out
}

func TestMarkdownFitsAndDegradesDeterministically(t *testing.T) {
	const services = 400
	env := testEnvironment(services)
	g := compileEnv(t, env, nil)
	scope := envScope(env)

	// Everything to create: thousands of changes.
	create, err := Diff(g, nil, scope, Options{Provider: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	checkMarkdown(t, create, "counts per stage and type")

	// Every web service gets a new image: 800 updates with diffs, and
	// the 400 revisions they supersede are deregistered after the
	// deployments.
	live := syntheticLive(t, create)
	for i := 0; i < services; i++ {
		env.Services[3+i] = webService(i, "2.0.0")
	}
	g2 := compileEnv(t, env, nil)
	update, err := Diff(g2, live, scope, Options{Provider: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	if s := update.Summary(); s[Update] != 2*services || s[Delete] != services || s.Changed() != 3*services {
		t.Fatalf("summary %v, want %d updates and %d deletions only", s, 2*services, services)
	}
	for _, c := range update.Changes {
		if c.Action == Delete && (!strings.Contains(c.Address, "/task-definition#") || !update.Change(strings.Split(c.Address, "#")[0]).RegistersRevision()) {
			t.Fatalf("deletion %s is not the revision an update supersedes", c.Address)
		}
	}
	md := checkMarkdown(t, update, "listed by address only")
	// Every change's address is still there.
	for _, c := range update.Changes {
		if c.Action != NoOp && !strings.Contains(md, "`"+c.Address+"`") {
			t.Fatalf("folded markdown lacks %s", c.Address)
		}
	}

	// A small plan is rendered in full, with its diffs.
	env3 := testEnvironment(3)
	small, err := Diff(compileEnv(t, env3, nil), live[:0], scope, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := RenderMarkdown(&b, small, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "[!NOTE]") {
		t.Errorf("a small plan was shortened")
	}
}

// checkMarkdown renders p twice, checks it fits, is the same both times,
// says it was shortened (with want) and still counts per stage and type.
func checkMarkdown(t *testing.T, p *Plan, want string) string {
	t.Helper()
	var a, b bytes.Buffer
	if err := RenderMarkdown(&a, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	md := a.String()
	if md != b.String() {
		t.Fatal("markdown differs between two renderings")
	}
	if n := utf8.RuneCountInString(md); n > MarkdownLimit {
		t.Fatalf("markdown is %d characters, over %d", n, MarkdownLimit)
	}
	if !strings.Contains(md, want) {
		t.Fatalf("markdown does not say it was shortened (%q):\n%.2000s", want, md)
	}
	s := p.Summary()
	head := fmt.Sprintf("| %d | %d | %d | %d | %d |", s[Create], s[Update], s[Replace], s[Delete], s[NoOp])
	if !strings.Contains(md, head) {
		t.Errorf("summary table %q missing", head)
	}
	if strings.Contains(md, testSecret) {
		t.Error("the sensitive value leaked")
	}
	// The renderer does not know whether the plan was saved: where the
	// full plan is must be true either way.
	if strings.Contains(md, "on the plan file") || !strings.Contains(md, "`gantry plan --format text`") ||
		!strings.Contains(md, "when the plan was saved with `--out FILE`") {
		t.Errorf("the note on where the full plan is: %.600s", md)
	}
	t.Logf("%d changes → %d characters", s.Changed(), utf8.RuneCountInString(md))
	return md
}
