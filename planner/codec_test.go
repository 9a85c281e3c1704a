package planner

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// samplePlan is a plan of the test environment with every kind of change:
// creates, a new revision and its service update, a drifted update, a
// replacement and a deletion.
func samplePlan(t *testing.T) *Plan {
	t.Helper()
	env := testEnvironment(0)
	g := compileEnv(t, env, nil)
	p, err := Diff(g, nil, envScope(env), Options{Provider: "sandbox", GantryVersion: "v1.2.3",
		Commit: "0123456789abcdef0123456789abcdef01234567", Dirty: true,
		Now: func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCodecRoundTrip(t *testing.T) {
	p := samplePlan(t)
	path := filepath.Join(t.TempDir(), "prod.plan")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode %v, want 0600 (it holds sensitive values)", st.Mode().Perm())
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	q, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The desired graph keeps its references and sensitive values.
	if !cmp.Equal(p.Desired, q.Desired, numbersEqual) {
		t.Errorf("desired graph changed in the round trip:\n%s", cmp.Diff(p.Desired, q.Desired, numbersEqual))
	}
	if !cmp.Equal(p.Changes, q.Changes) || p.Commit != q.Commit || !p.Dirty || q.Scope != p.Scope ||
		q.GantryVersion != "v1.2.3" || !q.CreatedAt.Equal(p.CreatedAt) || q.FormatVersion != FormatVersion {
		t.Errorf("plan changed in the round trip")
	}
	// Every rendering of the saved plan is the rendering of the plan.
	for _, f := range Formats {
		var a, b bytes.Buffer
		if err := Render(&a, p, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := Render(&b, q, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("%s rendering differs after the round trip:\n%s", f, cmp.Diff(a.String(), b.String()))
		}
	}
	// Writing again over an existing file replaces it.
	if err := WriteFile(path, q); err != nil {
		t.Fatal(err)
	}
}

// numbersEqual compares the ints the compiler emits with the float64s JSON
// gives back.
var numbersEqual = cmp.FilterValues(func(a, b any) bool {
	_, ai := a.(int)
	_, bf := b.(float64)
	return ai && bf || isF(a) && isI(b)
}, cmp.Comparer(func(a, b any) bool { return toF(a) == toF(b) }))

func isF(v any) bool { _, ok := v.(float64); return ok }
func isI(v any) bool { _, ok := v.(int); return ok }
func toF(v any) float64 {
	if i, ok := v.(int); ok {
		return float64(i)
	}
	return v.(float64)
}

func TestCodecRefusesNewerAndForeignFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, samplePlan(t)); err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(buf.String(), `"formatVersion": 1`, `"formatVersion": 99`, 1)
	_, err := Decode(strings.NewReader(newer))
	if err == nil || !strings.Contains(err.Error(), "format version 99 is newer than this gantry reads (up to 1)") ||
		!strings.Contains(err.Error(), "v1.2.3") {
		t.Errorf("newer version: %v", err)
	}
	for _, foreign := range []string{`{"resources": []}`, `not json`, `[]`} {
		if _, err := Decode(strings.NewReader(foreign)); err == nil || !strings.Contains(err.Error(), "not a gantry plan file") {
			t.Errorf("%q: %v", foreign, err)
		}
	}
}
