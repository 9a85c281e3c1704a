package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

//go:embed templates
var templates embed.FS

// File is one file to write, its path relative to the target directory
// (slash-separated).
type File struct {
	Path string
	Data []byte
}

// render executes the template at name (under templates/) with data.
func render(name string, data any) ([]byte, error) {
	t, err := template.New(filepath.Base(name)).Option("missingkey=error").ParseFS(templates, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// ExistsError lists the files Write refused to overwrite.
type ExistsError struct {
	Dir   string
	Paths []string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s: refusing to overwrite %s: nothing was written (move them away or choose another directory)",
		e.Dir, strings.Join(e.Paths, ", "))
}

// Write creates dir if needed and writes files into it, all or nothing:
// when any of them exists it writes none (an *ExistsError naming them),
// and when a write fails it removes the files it wrote before.
func Write(dir string, files []File) error {
	var exist []string
	for _, f := range files {
		_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err == nil:
			exist = append(exist, f.Path)
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	if len(exist) > 0 {
		return &ExistsError{Dir: dir, Paths: exist}
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := writeNew(path, f.Data); err != nil {
			for _, w := range written {
				_ = os.Remove(w)
			}
			return err
		}
		written = append(written, path)
		slog.Debug("scaffold: wrote", "path", path)
	}
	return nil
}

// writeNew creates path (and its directory) with data; O_EXCL so a file
// that appeared since the check is not overwritten either.
func writeNew(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// The configuration format's rules for the values init takes from flags,
// so that a mistake is reported by flag name; the schema (schema/gantry.cue)
// has the same patterns, which a test checks.
var (
	projectName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)
	envName     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,11}$`)
	itemName    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,27}$`)
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
	regionName  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$`)
)
