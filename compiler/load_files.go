package compiler

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/token"
)

// isConfigFile reports whether a file name is one gantry loads: a .cue
// file whose name does not start with '.' or '_' (as cue does).
func isConfigFile(name string) bool {
	return strings.HasSuffix(name, ".cue") && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_")
}

// listFiles lists the .cue files of the configuration tree, in walk order.
//
// Symbolic links are followed, to files and to directories, as long as
// their target is inside the repository (the nearest directory above the
// configuration holding .git, else the configuration's directory): a link
// that leads outside it, or nowhere, is an error naming the link, never a
// file silently left out (the resources it declares would be deleted by
// the next plan). A file reached by several paths (a link and its target
// both in the tree) is loaded once, under the path without links; a link
// to a directory that contains it (a loop) is not walked again: its files
// are already loaded.
func (l *loader) listFiles() ([]string, error) {
	rootReal, err := l.tree.EvalSymlinks(l.dir)
	if err != nil {
		return nil, err
	}
	repo := l.tree.RepositoryRoot(rootReal)
	type found struct {
		path, real string
		links      int // symbolic links on the way
	}
	var files []found
	var walk func(dir, real string, links int, stack []string) error
	walk = func(dir, real string, links int, stack []string) error {
		entries, err := l.tree.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name, path := e.Name(), filepath.Join(dir, e.Name())
			if e.Type()&fs.ModeSymlink == 0 {
				switch {
				case e.IsDir():
					if !skipDir(name) {
						if err := walk(path, filepath.Join(real, name), links, append(stack, filepath.Join(real, name))); err != nil {
							return err
						}
					}
				case isConfigFile(name) && !e.Type().IsRegular():
					l.errorAt(token.NoPos, l.displayName(path), "", "not a regular file: gantry cannot read it as CUE")
				case isConfigFile(name):
					files = append(files, found{path, filepath.Join(real, name), links})
				}
				continue
			}
			target, err := l.tree.EvalSymlinks(path)
			var fi fs.FileInfo
			if err == nil {
				fi, err = l.tree.Stat(target)
				if err != nil && !within(repo, target) {
					// A commit's tree has nothing outside it to stat: the
					// link leads out of the repository, said below, unless
					// it is plainly no configuration file nor directory.
					if !isConfigFile(name) && (filepath.Ext(name) != "" || skipDir(name)) {
						continue
					}
					err = nil
				}
			}
			if err != nil {
				if isConfigFile(name) {
					dest, _ := l.tree.Readlink(path)
					l.errorAt(token.NoPos, l.displayName(path), "", fmt.Sprintf("symbolic link to %s, which cannot be read: %v", dest, linkErr(err)))
				}
				continue
			}
			if fi != nil && (fi.IsDir() && skipDir(name) || !fi.IsDir() && !isConfigFile(name)) {
				continue
			}
			if !within(repo, target) {
				dest, _ := l.tree.Readlink(path)
				l.errorAt(token.NoPos, l.displayName(path), "", fmt.Sprintf(
					"symbolic link to %s, outside the repository (%s): gantry follows only links that stay inside it (copy the file in instead)", dest, l.displayName(repo)))
				continue
			}
			switch {
			case fi.IsDir() && slices.Contains(stack, target):
				// A loop: its files are loaded (from the directory it
				// points to).
			case fi.IsDir():
				if err := walk(path, target, links+1, append(stack, target)); err != nil {
					return err
				}
			case !fi.Mode().IsRegular():
				l.errorAt(token.NoPos, l.displayName(path), "", "not a regular file: gantry cannot read it as CUE")
			default:
				files = append(files, found{path, target, links + 1})
			}
		}
		return nil
	}
	if err := walk(l.dir, rootReal, 0, []string{rootReal}); err != nil {
		return nil, err
	}
	// One path per file: the one with the fewest links, then the first.
	best := map[string]int{}
	for i, f := range files {
		if j, ok := best[f.real]; !ok || f.links < files[j].links {
			best[f.real] = i
		}
	}
	var paths []string
	for i, f := range files {
		if best[f.real] == i {
			paths = append(paths, f.path)
		}
	}
	return paths, nil
}

// repositoryRoot is the nearest directory at or above dir (a real path)
// that holds .git, else dir.
func repositoryRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// within reports whether path is root or below it (both real paths).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func linkErr(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
