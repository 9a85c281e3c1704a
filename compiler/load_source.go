package compiler

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/load"

	"github.com/gantry-gitops/gantry/internal/treelink"
)

// fileTree is where the loader reads a configuration from: the disk, or
// a file system standing in for a directory of it (a git commit's tree,
// LoadOptions.FS). Paths are absolute, in the operating system's syntax,
// whichever the tree: file names in diagnostics are then the same for a
// commit as for the work tree.
type fileTree interface {
	ReadDir(dir string) ([]fs.DirEntry, error)
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	EvalSymlinks(name string) (string, error)
	Readlink(name string) (string, error)
	// RepositoryRoot is the root symbolic links must stay under, for a
	// configuration at dir (a path without links).
	RepositoryRoot(dir string) string
}

// diskTree reads the operating system's file system.
type diskTree struct{}

func (diskTree) ReadDir(dir string) ([]fs.DirEntry, error) { return os.ReadDir(dir) }
func (diskTree) ReadFile(name string) ([]byte, error)      { return os.ReadFile(name) }
func (diskTree) Stat(name string) (fs.FileInfo, error)     { return os.Stat(name) }
func (diskTree) EvalSymlinks(name string) (string, error)  { return filepath.EvalSymlinks(name) }
func (diskTree) Readlink(name string) (string, error)      { return os.Readlink(name) }
func (diskTree) RepositoryRoot(dir string) string          { return repositoryRoot(dir) }

// fsTree reads fsys as if it were the directory root of the disk. Paths
// outside root do not exist in it.
type fsTree struct {
	fsys fs.FS
	root string // absolute, without symbolic links
}

// rel is name's path inside fsys.
func (t fsTree) rel(op, name string) (string, error) {
	r, err := filepath.Rel(t.root, name)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return filepath.ToSlash(r), nil
}

func (t fsTree) ReadDir(dir string) ([]fs.DirEntry, error) {
	r, err := t.rel("readdir", dir)
	if err != nil {
		return nil, err
	}
	return fs.ReadDir(t.fsys, r)
}

func (t fsTree) ReadFile(name string) ([]byte, error) {
	r, err := t.rel("readfile", name)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(t.fsys, r)
}

func (t fsTree) Stat(name string) (fs.FileInfo, error) {
	r, err := t.rel("stat", name)
	if err != nil {
		return nil, err
	}
	return fs.Stat(t.fsys, r)
}

func (t fsTree) Readlink(name string) (string, error) {
	r, err := t.rel("readlink", name)
	if err != nil {
		return "", err
	}
	target, err := fs.ReadLink(t.fsys, r)
	return filepath.FromSlash(target), err
}

func (t fsTree) RepositoryRoot(string) string { return t.root }

// EvalSymlinks resolves the links of name inside the tree, as
// filepath.EvalSymlinks does on disk. A link that leads out of the tree
// resolves to the path it names outside it, which the caller refuses
// (listFiles: links must stay in the repository).
func (t fsTree) EvalSymlinks(name string) (string, error) {
	r, err := t.rel("evalsymlinks", name)
	if err != nil {
		return "", err
	}
	res, err := treelink.Resolve(fsLinks{t.fsys}, r, true)
	if err != nil {
		return "", &fs.PathError{Op: "evalsymlinks", Path: name, Err: err}
	}
	if res.Outside && path.IsAbs(res.Path) {
		return filepath.FromSlash(res.Path), nil
	}
	return filepath.Join(t.root, filepath.FromSlash(res.Path)), nil
}

// fsLinks is an fs.FS as treelink reads it (fs.Lstat and fs.ReadLink: the
// file system must implement fs.ReadLinkFS for links to be seen).
type fsLinks struct{ fsys fs.FS }

func (l fsLinks) IsLink(p string) (bool, error) {
	fi, err := fs.Lstat(l.fsys, p)
	if err != nil {
		return false, err
	}
	return fi.Mode()&fs.ModeSymlink != 0, nil
}

func (l fsLinks) ReadLink(p string) (string, error) { return fs.ReadLink(l.fsys, p) }

// newTree is the tree opts select for a configuration at dir (absolute).
func newTree(opts LoadOptions) (fileTree, error) {
	if opts.FS == nil {
		return diskTree{}, nil
	}
	if !filepath.IsAbs(opts.FSRoot) {
		return nil, fmt.Errorf("load: FSRoot %q is not an absolute path", opts.FSRoot)
	}
	return fsTree{fsys: opts.FS, root: filepath.Clean(opts.FSRoot)}, nil
}

// importConfig is the cue/load configuration for the packages the files
// import: the disk at the configuration's directory, or the tree (FS)
// with its file names mapped back to where it stands.
func (l *loader) importConfig() *load.Config {
	if l.fsys == nil {
		return &load.Config{Dir: l.dir}
	}
	rel, _ := filepath.Rel(l.fsRoot, l.dir)
	return &load.Config{
		FS:  l.fsys,
		Dir: "/" + filepath.ToSlash(rel),
		FromFSPath: func(p string) string {
			return filepath.Join(l.fsRoot, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		},
	}
}

// sourceFiles are the files the load read, by path relative to the
// configuration's directory, sorted: every .cue file of the tree (those
// of imported packages included: they are in the tree) and
// cue.mod/module.cue.
func (l *loader) sourceFiles() []SourceFile {
	var out []SourceFile
	for name, src := range l.sources {
		rel, err := filepath.Rel(l.dir, l.absPath[name])
		if err != nil {
			rel = name
		}
		out = append(out, SourceFile{Path: filepath.ToSlash(rel), Data: src})
	}
	if src, err := l.tree.ReadFile(filepath.Join(l.dir, "cue.mod", "module.cue")); err == nil {
		out = append(out, SourceFile{Path: "cue.mod/module.cue", Data: src})
	}
	slices.SortFunc(out, func(a, b SourceFile) int { return strings.Compare(a.Path, b.Path) })
	return out
}
