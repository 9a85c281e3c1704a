package treelink

import (
	"errors"
	"io/fs"
	"testing"
)

// mapTree is a tree of paths: a value "->T" is a link to T, anything else
// a file or directory.
type mapTree map[string]string

func (m mapTree) IsLink(p string) (bool, error) {
	v, ok := m[p]
	if !ok {
		return false, fs.ErrNotExist
	}
	return len(v) > 2 && v[:2] == "->", nil
}

func (m mapTree) ReadLink(p string) (string, error) { return m[p][2:], nil }

func TestResolve(t *testing.T) {
	tree := mapTree{
		"a": "dir", "a/f.cue": "file",
		"b":       "->a",          // a link to a directory
		"c":       "->b/f.cue",    // a link through a link
		"a/up":    "->../a/f.cue", // relative, climbing, staying inside
		"out":     "->../elsewhere",
		"abs":     "->/etc/passwd",
		"loop1":   "->loop2",
		"loop2":   "->loop1",
		"a/inner": "->f.cue",
	}
	cases := []struct {
		name    string
		follow  bool
		want    Resolved
		wantErr error
	}{
		{".", true, Resolved{Path: "."}, nil},
		{"a/f.cue", true, Resolved{Path: "a/f.cue"}, nil},
		{"b/f.cue", true, Resolved{Path: "a/f.cue"}, nil},
		{"b", false, Resolved{Path: "b"}, nil},
		{"b", true, Resolved{Path: "a"}, nil},
		{"c", true, Resolved{Path: "a/f.cue"}, nil},
		{"a/up", true, Resolved{Path: "a/f.cue"}, nil},
		{"b/inner", true, Resolved{Path: "a/f.cue"}, nil},
		{"out", true, Resolved{Path: "../elsewhere", Outside: true}, nil},
		{"abs", true, Resolved{Path: "/etc/passwd", Outside: true}, nil},
		{"loop1", true, Resolved{}, ErrTooManyLinks},
		{"missing", true, Resolved{}, fs.ErrNotExist},
	}
	for _, c := range cases {
		got, err := Resolve(tree, c.name, c.follow)
		if !errors.Is(err, c.wantErr) || got != c.want {
			t.Errorf("Resolve(%q, follow=%v) = %+v, %v; want %+v, %v", c.name, c.follow, got, err, c.want, c.wantErr)
		}
	}
}
