package cuedit

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/parser"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the want/ files of testdata/*.txtar")

// TestSetImageGolden runs the cases in testdata/*.txtar. Each archive's
// comment lists requests, one a line:
//
//	set ENV SERVICE IMAGE [others=ENV,ENV]
//
// Its files are the configuration, and under want/ what the edit must
// give: want/FILE for every file changed (a file without one must be left
// alone), want/changes for how each change was made and where, or
// want/error for the refusal.
func TestSetImageGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) { runGolden(t, p) })
	}
}

func runGolden(t *testing.T, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src := &Source{}
	want := map[string][]byte{}
	for _, f := range ar.Files {
		if name, ok := strings.CutPrefix(f.Name, "want/"); ok {
			want[name] = f.Data
			continue
		}
		sf, err := Parse("/cfg/"+f.Name, f.Name, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		src.Files = append(src.Files, sf)
	}
	got := map[string][]byte{}
	changes, err := setAll(src, string(ar.Comment))
	if err != nil {
		got["error"] = []byte(err.Error() + "\n")
	} else {
		out, err := src.Apply(changes)
		if err != nil {
			t.Fatal(err)
		}
		var summary strings.Builder
		for _, c := range changes {
			fmt.Fprintf(&summary, "%s %s %s at %s (%s)\n", c.Env, c.Service, c.How, c.At, c.Path)
		}
		got["changes"] = []byte(summary.String())
		for p, data := range out {
			name := strings.TrimPrefix(p, "/cfg/")
			got[name] = data
			if _, err := parser.ParseFile(name, data); err != nil {
				t.Errorf("%s does not parse after the edit: %v", name, err)
			}
		}
		checkOneLine(t, src, changes, out)
	}
	if *update {
		writeWant(t, path, ar, got)
		return
	}
	for _, name := range sortedKeys(got, want) {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("want/%s:\n--- got\n%s--- want\n%s", name, got[name], want[name])
		}
	}
}

// setAll makes the requests of a case's comment.
func setAll(src *Source, comment string) ([]*Change, error) {
	var changes []*Change
	for line := range strings.SplitSeq(strings.TrimSpace(comment), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "set" {
			continue // a comment about the case
		}
		r := ImageRequest{Env: f[1], Service: f[2], Image: f[3]}
		if len(f) > 4 {
			others, _ := strings.CutPrefix(f[4], "others=")
			r.OthersRunning = strings.Split(others, ",")
		}
		c, err := src.SetImage(r)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// checkOneLine: a file whose changes all replace literals changes only in
// the lines of those literals, and keeps its number of lines.
func checkOneLine(t *testing.T, src *Source, changes []*Change, out map[string][]byte) {
	t.Helper()
	lines := map[string]map[int]bool{} // the lines of the literals replaced
	added := map[string]bool{}
	for _, c := range changes {
		for _, e := range c.Edits {
			added[e.Path] = added[e.Path] || c.How == Added
			for _, f := range src.Files {
				if f.Path == e.Path {
					if lines[e.Path] == nil {
						lines[e.Path] = map[int]bool{}
					}
					lines[e.Path][bytes.Count(f.Src[:e.Start], []byte("\n"))] = true
				}
			}
		}
	}
	for _, f := range src.Files {
		data, ok := out[f.Path]
		if !ok || added[f.Path] {
			continue
		}
		before, after := strings.Split(string(f.Src), "\n"), strings.Split(string(data), "\n")
		if len(before) != len(after) {
			t.Errorf("%s: %d lines became %d", f.Name, len(before), len(after))
			continue
		}
		changed := 0
		for i := range before {
			if before[i] != after[i] {
				changed++
			}
		}
		if changed != len(lines[f.Path]) {
			t.Errorf("%s: %d lines changed, want the %d lines of the literals replaced", f.Name, changed, len(lines[f.Path]))
		}
	}
}

func sortedKeys(ms ...map[string][]byte) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

func writeWant(t *testing.T, path string, ar *txtar.Archive, got map[string][]byte) {
	t.Helper()
	var files []txtar.File
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want/") {
			files = append(files, f)
		}
	}
	for _, name := range sortedKeys(got) {
		files = append(files, txtar.File{Name: "want/" + name, Data: got[name]})
	}
	ar.Files = files
	if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
