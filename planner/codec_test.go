package planner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gantry-gitops/gantry/provider"
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
	p.Config = NewConfigSource(map[string][]byte{"shop.cue": []byte("package shop\n"), SchemaFile: []byte("schema")}, []byte(`{"name":"prod"}`))
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
	if !cmp.Equal(p.Changes, q.Changes) || p.Commit != q.Commit || !p.Dirty || q.Scope != p.Scope || !cmp.Equal(p.Config, q.Config) ||
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
	newer := strings.Replace(buf.String(), `"formatVersion": 3`, `"formatVersion": 99`, 1)
	_, err := Decode(strings.NewReader(newer))
	if err == nil || !strings.Contains(err.Error(), "format version 99 is newer than this gantry reads (up to 3)") ||
		!strings.Contains(err.Error(), "v1.2.3") {
		t.Errorf("newer version: %v", err)
	}
	for _, foreign := range []string{`{"resources": []}`, `not json`, `[]`} {
		if _, err := Decode(strings.NewReader(foreign)); err == nil || !strings.Contains(err.Error(), "not a gantry plan file") {
			t.Errorf("%q: %v", foreign, err)
		}
	}
}

// sealed encodes p as a plan file: what someone editing a plan on purpose
// writes, with a valid checksum.
func sealed(t *testing.T, p *Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reseal recomputes the checksum of an edited plan file as docs/plan.md
// describes it: the SHA-256 of the file without its third line.
func reseal(b []byte) []byte {
	lines := strings.SplitAfterN(string(b), "\n", 4)
	sum := sha256.Sum256([]byte(lines[0] + lines[1] + lines[3]))
	return []byte(lines[0] + lines[1] + `  "checksum": "sha256:` + hex.EncodeToString(sum[:]) + "\",\n" + lines[3])
}

func TestCodecChecksum(t *testing.T) {
	b := sealed(t, samplePlan(t))
	if !strings.HasPrefix(string(b), "{\n  \"formatVersion\": 3,\n  \"checksum\": \"sha256:") {
		t.Fatalf("the file does not start with its version and checksum:\n%.200s", b)
	}
	if !bytes.Equal(reseal(b), b) {
		t.Errorf("the checksum is not the SHA-256 of the file without its third line, as documented")
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"edited", bytes.Replace(b, []byte(`"v1.2.3"`), []byte(`"v1.2.4"`), 1),
			"plan file was edited after gantry wrote it: its content does not match its checksum; make the plan again and review it"},
		{"reindented", bytes.ReplaceAll(b, []byte("\n    "), []byte("\n     ")),
			"plan file was edited after gantry wrote it: its content does not match its checksum"},
		{"no checksum", []byte(strings.Replace(string(b), strings.SplitAfterN(string(b), "\n", 4)[2], "", 1)),
			"plan file has no checksum on its third line: it was edited after gantry wrote it; make the plan again"},
		{"malformed checksum", bytes.Replace(b, []byte(`"checksum": "sha256:`), []byte(`"checksum": "md5:`), 1),
			`plan file's checksum "md5:`},
		{"cut short", b[:1000],
			"plan file is damaged: it is not valid JSON at byte 1000 of 1000 (unexpected end of JSON input); it was cut short or corrupted: make the plan again"},
		{"corrupted", bytes.Replace(b, []byte(`"changes": [`), []byte(`"changes": [}`), 1),
			"plan file is damaged: it is not valid JSON at byte"},
		{"version 1", bytes.Replace(b, []byte(`"formatVersion": 3`), []byte(`"formatVersion": 1`), 1),
			"plan file format version 1 (written by gantry v1.2.3) is older than this gantry reads (3): it has no checksum to check it by; make the plan again with this gantry"},
		{"version 2", bytes.Replace(b, []byte(`"formatVersion": 3`), []byte(`"formatVersion": 2`), 1),
			"plan file format version 2 (written by gantry v1.2.3) is older than this gantry reads (3): it records no configuration hash to check it by; make the plan again with this gantry"},
		{"version as a string", bytes.Replace(b, []byte(`"formatVersion": 3`), []byte(`"formatVersion": "3"`), 1),
			`plan file format version "3" is not one this gantry reads (3)`},
		{"version 1.5", bytes.Replace(b, []byte(`"formatVersion": 3`), []byte(`"formatVersion": 1.5`), 1),
			`plan file format version 1.5 is not one this gantry reads (3)`},
		{"unknown field", reseal(bytes.Replace(b, []byte(`"gantryVersion"`), []byte(`"extra": true,
  "gantryVersion"`), 1)),
			`read plan file: json: unknown field "extra"`},
	} {
		_, err := Decode(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A plan file with an action, a stage or a type this gantry does not
// know, or a graph of another scope, is refused, naming each.
func TestCodecRefusesUnknownActionsStagesAndTypes(t *testing.T) {
	p := samplePlan(t)
	var td, svc *Change
	for _, c := range p.Changes {
		switch c.Address {
		case "service/api/task-definition":
			td = c
		case "service/api":
			svc = c
		}
	}
	if td == nil || svc == nil {
		t.Fatal("sample plan lacks service/api")
	}
	td.Action = "explode"
	svc.Stage = 99
	svc.Deferred = &Deferred{Stage: 0}
	p.Desired.Resources[0].Type = "AWS::Made::Up"
	p.Live = append(p.Live, &provider.Observed{Address: "x/y", Type: "AWS::Also::MadeUp", ID: "y"})
	p.Changes = append(p.Changes, &Change{Address: "x/y", Type: "AWS::Also::MadeUp", Action: Delete, Stage: 1})
	p.Scope.Account = "999999999999"
	svc.Origin = "elsewhere"
	p.Config.Files["shop.cue"] = "sha256:00"
	_, err := Decode(bytes.NewReader(sealed(t, p)))
	var ie *InvalidPlanError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v, want an InvalidPlanError", err)
	}
	want := []string{
		"its desired graph is of shop/prod (account 222222222222, eu-west-1), the plan of shop/prod (account 999999999999, eu-west-1)",
		"desired " + p.Desired.Resources[0].Address + ": type AWS::Made::Up is not one this gantry knows",
		"live x/y: type AWS::Also::MadeUp is not one this gantry knows",
		`service/api/task-definition: unknown action "explode" (want create, update, replace, delete or noop)`,
		"service/api: unknown stage 99 (want 1 to 5)",
		"service/api: unknown stage 0 for the deferred step (want 1 to 5)",
		"x/y: type AWS::Also::MadeUp is not one this gantry knows",
		`service/api: unknown origin "elsewhere" (want change-set or base)`,
		"its configuration hash " + p.Config.Hash + " is not the hash of the files it lists",
	}
	for _, w := range want {
		if !slices.Contains(ie.Problems, w) {
			t.Errorf("missing %q in:\n%s", w, strings.Join(ie.Problems, "\n"))
		}
	}
	if len(ie.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ie.Problems), len(want), strings.Join(ie.Problems, "\n"))
	}
	if !strings.HasPrefix(err.Error(), "plan file is not a valid plan:\n  ") {
		t.Errorf("message: %v", err)
	}
}

// A saved plan's changes are what its recorded desired graph and live
// state give, byte for byte: apply recomputes them (applier.CheckChanges)
// and refuses the plan otherwise, so a round trip through the file must
// never change them. The golden plan has every kind of change: handovers,
// two-phase revokes, deletions of data, new revisions.
func TestCodecChangesRecomputeFromTheFile(t *testing.T) {
	p := changedPlan(t)
	var buf bytes.Buffer
	if err := Encode(&buf, p); err != nil {
		t.Fatal(err)
	}
	q, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Diff(q.Desired, q.Live, q.Scope, Options{Parameters: q.Parameters})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.MarshalIndent(q.Changes, "", " ")
	b, _ := json.MarshalIndent(again.Changes, "", " ")
	if !bytes.Equal(a, b) {
		t.Errorf("changes recomputed from the plan file differ:\n%s", cmp.Diff(string(a), string(b)))
	}
}
