package cuedit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSource is a configuration of two files on disk, each with prod's
// image as a literal, and the change of both.
func writeSource(t *testing.T) (*Source, map[string][]byte, [2]string) {
	t.Helper()
	dir := t.TempDir()
	var paths [2]string
	for i, name := range []string{"a.cue", "b.cue"} {
		paths[i] = filepath.Join(dir, name)
		src := "package app\n\nenvironments: prod: services: " + name[:1] + ": image: \"registry/" + name[:1] + ":1\"\n"
		if err := os.WriteFile(paths[i], []byte(src), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Read(paths[:], filepath.Base)
	if err != nil {
		t.Fatal(err)
	}
	var changes []*Change
	for _, svc := range []string{"a", "b"} {
		c, err := src.SetImage(ImageRequest{Service: svc, Env: "prod", Image: "registry/" + svc + ":2"})
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	files, err := src.Apply(changes)
	if err != nil {
		t.Fatal(err)
	}
	return src, files, paths
}

func TestWrite(t *testing.T) {
	src, files, paths := writeSource(t)
	if err := src.Write(files); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(files[p]) {
			t.Errorf("%s:\n%s\nwant\n%s", p, got, files[p])
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want the file's 0640 kept", p, fi.Mode().Perm())
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(paths[0]), ".*gantry*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// A file changed on disk after Read is not overwritten, and the files
// written before it get their old contents back.
func TestWriteRestoresOnFailure(t *testing.T) {
	src, files, paths := writeSource(t)
	orig0, _ := os.ReadFile(paths[0])
	meanwhile := []byte("package app\n// edited by someone else\n")
	if err := os.WriteFile(paths[1], meanwhile, 0o640); err != nil {
		t.Fatal(err)
	}
	err := src.Write(files)
	if err == nil || !strings.Contains(err.Error(), "b.cue changed while gantry was editing it") {
		t.Fatalf("Write: %v, want b.cue refused as changed", err)
	}
	if got, _ := os.ReadFile(paths[0]); string(got) != string(orig0) {
		t.Errorf("a.cue not restored:\n%s", got)
	}
	if got, _ := os.ReadFile(paths[1]); string(got) != string(meanwhile) {
		t.Errorf("b.cue overwritten:\n%s", got)
	}
}

// A file with CRLF line endings keeps them on the lines gantry adds.
func TestCRLF(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"block", "package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\nenvironments: prod: services: api: {\r\n\tscale: min: 2\r\n}\r\n",
			"package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\nenvironments: prod: services: api: {\r\n\timage: \"r/api:2\"\r\n\tscale: min: 2\r\n}\r\n"},
		{"new block", "package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\nenvironments: staging: services: api: scale: min: 1\r\n",
			"package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\nenvironments: staging: services: api: scale: min: 1\r\n\r\nenvironments: prod: services: api: {\r\n\timage: \"r/api:2\"\r\n}\r\n"},
		{"end of file", "package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\n",
			"package app\r\n\r\nservices: api: image: *\"r/api:1\" | string\r\n\r\nenvironments: prod: services: api: {\r\n\timage: \"r/api:2\"\r\n}\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("/cfg/api.cue", "api.cue", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			src := &Source{Files: []*File{f}}
			c, err := src.SetImage(ImageRequest{Service: "api", Env: "prod", Image: "r/api:2", OthersRunning: []string{"staging"}})
			if err != nil {
				t.Fatal(err)
			}
			out, err := src.Apply([]*Change{c})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(out["/cfg/api.cue"]); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
