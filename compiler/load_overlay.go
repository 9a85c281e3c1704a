package compiler

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
)

// overlayFS is a file tree with the contents of some files replaced: what
// an edit of the configuration (gantry image set) is loaded from before
// it is written. Everything but the replaced files' contents is base's:
// listings, links, modes, the files not replaced.
type overlayFS struct {
	base  fs.FS
	files map[string][]byte // by path in base (slashes, no leading /)
}

// newOverlayFS lays files, keyed by absolute path, over base standing at
// root. A key outside root is not in the tree: it is left out.
func newOverlayFS(base fs.FS, root string, files map[string][]byte) *overlayFS {
	o := &overlayFS{base: base, files: map[string][]byte{}}
	for abs, data := range files {
		rel, err := filepath.Rel(root, abs)
		if err != nil || !fs.ValidPath(filepath.ToSlash(rel)) {
			continue
		}
		o.files[filepath.ToSlash(rel)] = data
	}
	return o
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	data, ok := o.files[name]
	if !ok {
		return o.base.Open(name)
	}
	info, err := o.Stat(name)
	if err != nil {
		return nil, err
	}
	return &overlayFile{Reader: bytes.NewReader(data), info: info}, nil
}

func (o *overlayFS) ReadFile(name string) ([]byte, error) {
	if data, ok := o.files[name]; ok {
		return bytes.Clone(data), nil
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlayFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(o.base, name) }

// Stat is base's, with the replaced contents' size: the file keeps its
// mode, so a replaced file that is not a regular file is still refused
// as one.
func (o *overlayFS) Stat(name string) (fs.FileInfo, error) {
	info, err := fs.Stat(o.base, name)
	if data, ok := o.files[name]; ok {
		if err != nil {
			return nil, err // only existing files are replaced
		}
		return overlayInfo{FileInfo: info, size: int64(len(data))}, nil
	}
	return info, err
}

func (o *overlayFS) Lstat(name string) (fs.FileInfo, error) {
	if _, ok := o.files[name]; ok {
		if info, err := fs.Lstat(o.base, name); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return o.Stat(name)
		}
	}
	return fs.Lstat(o.base, name)
}

func (o *overlayFS) ReadLink(name string) (string, error) { return fs.ReadLink(o.base, name) }

// overlayInfo is a replaced file's FileInfo: base's, with the new size.
type overlayInfo struct {
	fs.FileInfo
	size int64
}

func (i overlayInfo) Size() int64 { return i.size }

// overlayFile is an open replaced file.
type overlayFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *overlayFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *overlayFile) Close() error               { return nil }

// overlayOptions are opts with files laid over the tree opts read from:
// the commit's tree when opts has one, else the disk from the repository
// of the configuration at dir (the root that links must stay under, as
// for a load of the disk; or, outside git, the CUE module's root when it
// is above dir, so that its packages are still found).
func overlayOptions(dir string, files map[string][]byte, opts LoadOptions) (LoadOptions, error) {
	if opts.FS != nil {
		opts.FS = newOverlayFS(opts.FS, opts.FSRoot, files)
		return opts, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return opts, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	root := repositoryRoot(abs)
	if _, err := os.Lstat(filepath.Join(root, ".git")); err != nil {
		if mod := moduleRoot(abs); mod != "" {
			root = mod
		}
	}
	opts.FS = newOverlayFS(os.DirFS(root), root, files)
	opts.FSRoot = root
	return opts, nil
}

// moduleRoot is the nearest directory at or above dir holding cue.mod
// ("" when none does).
func moduleRoot(dir string) string {
	for d := dir; ; {
		if fi, err := os.Stat(filepath.Join(d, "cue.mod")); err == nil && fi.IsDir() {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

var _ interface {
	fs.ReadFileFS
	fs.ReadDirFS
	fs.StatFS
	fs.ReadLinkFS
} = (*overlayFS)(nil)
