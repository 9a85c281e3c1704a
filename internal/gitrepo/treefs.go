package gitrepo

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/gantry-gitops/gantry/internal/treelink"
)

// treeFS is a commit's tree as an fs.FS. Paths are slash-separated and
// relative to the repository's root. Symbolic links (mode 120000, their
// blob holding the target) are reported by Lstat and ReadLink
// (fs.ReadLinkFS) and followed by Open, Stat, ReadFile and ReadDir, as
// os.DirFS does; a link that leaves the tree does not exist in it.
// Submodules (gitlinks) have no content in the tree: they are empty
// directories.
//
// It is safe for concurrent use (the compiler reads files in parallel):
// go-git's trees and object storage are not (Tree.FindEntry fills a map
// on first use), so every method holds mu, the lock of the repository
// whose storage the tree reads (Repo.objects), shared by all its trees.
type treeFS struct {
	mu   *sync.Mutex
	root *object.Tree
}

var (
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
	_ fs.ReadLinkFS = (*treeFS)(nil)
)

// lookup finds the entry at name without following a link in its last
// element; name "." is the root.
func (t *treeFS) lookup(name string) (*object.TreeEntry, error) {
	if name == "." {
		return &object.TreeEntry{Name: ".", Mode: filemode.Dir, Hash: t.root.Hash}, nil
	}
	e, err := t.root.FindEntry(name)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	return e, nil
}

// resolve follows the symbolic links of name (every element, the last one
// too when follow is set) and returns the path without links and its
// entry. A link leading out of the tree leads nowhere: the commit has
// nothing there.
func (t *treeFS) resolve(name string, follow bool) (string, *object.TreeEntry, error) {
	r, err := treelink.Resolve(treeLinks{t}, name, follow)
	if err != nil {
		return "", nil, err
	}
	if r.Outside {
		return "", nil, fs.ErrNotExist
	}
	e, err := t.lookup(r.Path)
	return r.Path, e, err
}

// treeLinks is the commit's tree as treelink reads it: links are entries
// of mode 120000, their blob holding the target.
type treeLinks struct{ t *treeFS }

func (l treeLinks) IsLink(p string) (bool, error) {
	e, err := l.t.lookup(p)
	if err != nil {
		return false, err
	}
	return e.Mode == filemode.Symlink, nil
}

func (l treeLinks) ReadLink(p string) (string, error) {
	e, err := l.t.lookup(p)
	if err != nil {
		return "", err
	}
	b, err := l.t.readBlob(e)
	return string(b), err
}

func (t *treeFS) readBlob(e *object.TreeEntry) ([]byte, error) {
	f, err := t.root.TreeEntryFile(e)
	if err != nil {
		return nil, err
	}
	r, err := f.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// Open opens name, following symbolic links.
func (t *treeFS) Open(name string) (fs.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return nil, pathErr("open", name, fs.ErrInvalid)
	}
	p, e, err := t.resolve(name, true)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	info := t.info(path.Base(name), p, e)
	if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		entries, err := t.readDir(p, e)
		if err != nil {
			return nil, pathErr("open", name, err)
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	b, err := t.readBlob(e)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	return &file{info: info, r: bytes.NewReader(b)}, nil
}

// ReadFile reads name, following symbolic links.
func (t *treeFS) ReadFile(name string) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return nil, pathErr("readfile", name, fs.ErrInvalid)
	}
	_, e, err := t.resolve(name, true)
	if err != nil {
		return nil, pathErr("readfile", name, err)
	}
	if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return nil, pathErr("readfile", name, errors.New("is a directory"))
	}
	return t.readBlob(e)
}

// ReadDir lists the directory name, sorted by name (git's tree order is
// by name too, with directories compared as "name/").
func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return nil, pathErr("readdir", name, fs.ErrInvalid)
	}
	p, e, err := t.resolve(name, true)
	if err != nil {
		return nil, pathErr("readdir", name, err)
	}
	if e.Mode != filemode.Dir && e.Mode != filemode.Submodule {
		return nil, pathErr("readdir", name, errors.New("not a directory"))
	}
	return t.readDir(p, e)
}

func (t *treeFS) readDir(p string, e *object.TreeEntry) ([]fs.DirEntry, error) {
	if e.Mode == filemode.Submodule {
		return nil, nil
	}
	sub := t.root
	if p != "." {
		var err error
		if sub, err = t.root.Tree(p); err != nil {
			return nil, err
		}
	}
	out := make([]fs.DirEntry, 0, len(sub.Entries))
	for i := range sub.Entries {
		out = append(out, fs.FileInfoToDirEntry(t.info(sub.Entries[i].Name, path.Join(p, sub.Entries[i].Name), &sub.Entries[i])))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Stat describes name, following symbolic links.
func (t *treeFS) Stat(name string) (fs.FileInfo, error) {
	return t.stat("stat", name, true)
}

// Lstat describes name without following a link in its last element.
func (t *treeFS) Lstat(name string) (fs.FileInfo, error) {
	return t.stat("lstat", name, false)
}

func (t *treeFS) stat(op, name string, follow bool) (fs.FileInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return nil, pathErr(op, name, fs.ErrInvalid)
	}
	p, e, err := t.resolve(name, follow)
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	return t.info(path.Base(name), p, e), nil
}

// ReadLink returns the target of the symbolic link name.
func (t *treeFS) ReadLink(name string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fs.ValidPath(name) {
		return "", pathErr("readlink", name, fs.ErrInvalid)
	}
	_, e, err := t.resolve(name, false)
	if err != nil {
		return "", pathErr("readlink", name, err)
	}
	if e.Mode != filemode.Symlink {
		return "", pathErr("readlink", name, fs.ErrInvalid)
	}
	b, err := t.readBlob(e)
	if err != nil {
		return "", pathErr("readlink", name, err)
	}
	return string(b), nil
}

// info describes entry e, at path p (without links), under name.
func (t *treeFS) info(name, p string, e *object.TreeEntry) *fileInfo {
	fi := &fileInfo{name: name}
	switch e.Mode {
	case filemode.Dir, filemode.Submodule:
		fi.mode = fs.ModeDir | 0o755
	case filemode.Symlink:
		fi.mode = fs.ModeSymlink | 0o777
	case filemode.Executable:
		fi.mode = 0o755
	default:
		fi.mode = 0o644
	}
	if fi.mode.IsRegular() {
		if size, err := t.root.Size(p); err == nil {
			fi.size = size
		}
	}
	return fi
}

type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return time.Time{} }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { return nil }

type file struct {
	info *fileInfo
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info    *fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, pathErr("read", d.info.name, errors.New("is a directory"))
}
func (d *dirFile) Close() error { return nil }

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
