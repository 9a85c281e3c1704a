package planner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
)

// FormatVersion is the version of the plan file format this gantry writes
// and the only one it reads. Bump it when a change to Plan would make an
// older gantry misread a file (docs/plan.md lists the versions).
//
// Version 2 added the checksum (see Encode); a version 1 file cannot be
// checked for edits and is refused. Version 3 added the configuration's
// hash (Plan.Config), which lets apply --plan take a plan on another
// commit with the same configuration, and the changes' origins
// (Change.Origin, Plan.Base); a version 2 file is refused, since it
// cannot be matched to a configuration but by commit.
const FormatVersion = 3

// olderFormats says, per older format version, why it is refused.
var olderFormats = map[int]string{
	1: "it has no checksum to check it by",
	2: "it records no configuration hash to check it by",
}

// checksumPrefix starts a plan file's checksum: the algorithm.
const checksumPrefix = "sha256:"

// checksumLine matches the line of a plan file that holds its checksum:
// the third line, a top-level "checksum" member right after
// "formatVersion".
var checksumLine = regexp.MustCompile(`^  "checksum": "([^"]*)",$`)

// Encode writes p as a plan file: indented JSON of Plan with FormatVersion
// set, and its checksum on the third line. The desired graph keeps its
// references ($ref, $join) and sensitive values ($sensitive, unmasked:
// apply needs them), so a plan file is as secret as the configuration's
// sensitive values; WriteFile creates it readable by its owner only.
//
// The checksum is "sha256:" and the hex SHA-256 of the file's bytes
// without the line that holds it: Decode refuses a file whose content no
// longer matches it.
func Encode(w io.Writer, p *Plan) error {
	cp := *p
	cp.FormatVersion = FormatVersion
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&cp); err != nil {
		return err
	}
	body := buf.Bytes()
	// The first two lines are "{" and the format version (Plan's first
	// field); the checksum goes after them.
	head := bytes.SplitAfterN(body, []byte("\n"), 3)
	if len(head) != 3 || !bytes.HasPrefix(head[1], []byte(`  "formatVersion": `)) {
		return errors.New("encode plan: the format version is not on the second line")
	}
	sum := sha256.Sum256(body)
	line := fmt.Sprintf("  \"checksum\": \"%s%s\",\n", checksumPrefix, hex.EncodeToString(sum[:]))
	for _, part := range [][]byte{head[0], head[1], []byte(line), head[2]} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// splitChecksum returns the checksum a plan file records (its third line)
// and the file without that line, which the checksum covers.
func splitChecksum(b []byte) (sum string, rest []byte, err error) {
	lines := bytes.SplitAfterN(b, []byte("\n"), 4)
	if len(lines) < 4 {
		return "", nil, errors.New("no checksum")
	}
	m := checksumLine.FindSubmatch(bytes.TrimSuffix(lines[2], []byte("\n")))
	if m == nil {
		return "", nil, errors.New("no checksum")
	}
	rest = make([]byte, 0, len(b)-len(lines[2]))
	rest = append(append(append(rest, lines[0]...), lines[1]...), lines[3]...)
	return string(m[1]), rest, nil
}

// Decode reads a plan file and checks it before anything uses it:
//
//   - it must be a plan file (JSON with a formatVersion) that is complete
//     JSON: a file cut short or corrupted is damaged;
//   - its format version must be this gantry's (FormatVersion): a newer
//     one names the gantry that wrote it, an older one says to plan again;
//   - its checksum must match its content: a file changed after gantry
//     wrote it is refused as edited;
//   - every field must be one a plan has, every action, stage and
//     resource type one this gantry knows (Plan.Validate).
//
// A file that passes still has to match live state and its own desired
// graph before apply runs it (package applier, CheckPlan and
// CheckChanges).
func Decode(r io.Reader) (*Plan, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		if looksLikePlan(b) {
			var syn *json.SyntaxError
			what := "it is not valid JSON"
			if err := json.Unmarshal(b, new(any)); errors.As(err, &syn) {
				what = fmt.Sprintf("it is not valid JSON at byte %d of %d (%v)", syn.Offset, len(b), syn)
			}
			return nil, fmt.Errorf("plan file is damaged: %s; it was cut short or corrupted: make the plan again", what)
		}
		return nil, errors.New("not a gantry plan file (no formatVersion); write one with gantry plan --out FILE")
	}
	var head struct {
		FormatVersion json.RawMessage `json:"formatVersion"`
		GantryVersion string          `json:"gantryVersion"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.FormatVersion == nil {
		return nil, errors.New("not a gantry plan file (no formatVersion); write one with gantry plan --out FILE")
	}
	var v int
	if err := json.Unmarshal(head.FormatVersion, &v); err != nil {
		return nil, fmt.Errorf("plan file format version %s is not one this gantry reads (%d)", head.FormatVersion, FormatVersion)
	}
	by := "gantry " + head.GantryVersion
	if head.GantryVersion == "" {
		by = "an unknown gantry"
	}
	switch {
	case v > FormatVersion:
		return nil, fmt.Errorf("plan file format version %d is newer than this gantry reads (up to %d); "+
			"use gantry %s, which wrote it, or a newer one", v, FormatVersion, head.GantryVersion)
	case v < 1:
		return nil, fmt.Errorf("plan file format version %d is not valid", v)
	case v < FormatVersion:
		return nil, fmt.Errorf("plan file format version %d (written by %s) is older than this gantry reads (%d): "+
			"%s; make the plan again with this gantry", v, by, FormatVersion, olderFormats[v])
	}
	sum, body, err := splitChecksum(b)
	switch {
	case err != nil:
		return nil, errors.New("plan file has no checksum on its third line: it was edited after gantry wrote it; make the plan again")
	case !strings.HasPrefix(sum, checksumPrefix) || len(sum) != len(checksumPrefix)+2*sha256.Size:
		return nil, fmt.Errorf("plan file's checksum %q is malformed: the file is damaged; make the plan again", sum)
	}
	got := sha256.Sum256(body)
	if sum != checksumPrefix+hex.EncodeToString(got[:]) {
		return nil, errors.New("plan file was edited after gantry wrote it: its content does not match its checksum; " +
			"make the plan again and review it")
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// looksLikePlan reports whether b starts the way Encode starts a plan
// file, so that invalid JSON in it is damage, not another kind of file.
func looksLikePlan(b []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{\n  \"formatVersion\":"))
}

// InvalidPlanError lists what makes a plan unusable: actions, stages or
// types this gantry does not know, a graph of another scope.
type InvalidPlanError struct {
	Problems []string
}

func (e *InvalidPlanError) Error() string {
	return "plan file is not a valid plan:\n  " + strings.Join(e.Problems, "\n  ")
}

// Validate checks that every action, stage and resource type in p is one
// this gantry knows, that every change has an address (one change per
// address) and that the desired graph is of the plan's scope.
func (p *Plan) Validate() error {
	var probs []string
	add := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if p.Desired == nil {
		return &InvalidPlanError{Problems: []string{"it has no desired graph"}}
	}
	g := p.Desired
	if g.Project != p.Scope.Project || g.Environment != p.Scope.Environment ||
		g.Account != p.Scope.Account || g.Region != p.Scope.Region {
		add("its desired graph is of %s, the plan of %s", scopeName(g.Project, g.Environment, g.Account, g.Region),
			scopeName(p.Scope.Project, p.Scope.Environment, p.Scope.Account, p.Scope.Region))
	}
	for _, r := range g.Resources {
		if _, ok := catalog.Lookup(r.Type); !ok {
			add("desired %s: type %s is not one this gantry knows", r.Address, r.Type)
		}
	}
	for _, o := range p.Live {
		if _, ok := catalog.Lookup(o.Type); !ok {
			add("live %s: type %s is not one this gantry knows", o.Address, o.Type)
		}
	}
	seen := map[string]bool{}
	for i, c := range p.Changes {
		if c == nil || c.Address == "" {
			add("change %d has no address", i+1)
			continue
		}
		if seen[c.Address] {
			add("%s: more than one change", c.Address)
		}
		seen[c.Address] = true
		if !knownAction(c.Action) {
			add("%s: unknown action %q (want create, update, replace, delete or noop)", c.Address, c.Action)
		}
		if !knownStage(c.Stage) {
			add("%s: unknown stage %d (want 1 to %d)", c.Address, int(c.Stage), len(catalog.Stages))
		}
		if c.Deferred != nil && !knownStage(c.Deferred.Stage) {
			add("%s: unknown stage %d for the deferred step (want 1 to %d)", c.Address, int(c.Deferred.Stage), len(catalog.Stages))
		}
		if _, ok := catalog.Lookup(c.Type); !ok {
			add("%s: type %s is not one this gantry knows", c.Address, c.Type)
		}
		if c.Origin != "" && c.Origin.Label() == "" {
			add("%s: unknown origin %q (want %s or %s)", c.Address, c.Origin, OriginChangeSet, OriginBase)
		}
	}
	if p.Config != nil && !p.Config.Consistent() {
		add("its configuration hash %s is not the hash of the files it lists", p.Config.Hash)
	}
	if len(probs) > 0 {
		return &InvalidPlanError{Problems: probs}
	}
	return nil
}

func scopeName(project, env, account, region string) string {
	return fmt.Sprintf("%s/%s (account %s, %s)", project, env, account, region)
}

func knownAction(a Action) bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}

func knownStage(s catalog.Stage) bool {
	for _, k := range catalog.Stages {
		if s == k {
			return true
		}
	}
	return false
}

// WriteFile writes p to path atomically: to a temporary file in the same
// directory, synced, then renamed over path, so a reader never sees half a
// plan. The file is created with mode 0600.
func WriteFile(path string, p *Plan) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := Encode(f, p); err != nil {
		f.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadFile reads the plan file at path (Decode); errors name the file.
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
