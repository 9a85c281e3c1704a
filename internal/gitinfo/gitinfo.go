package gitinfo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Info is where a directory stands in git.
type Info struct {
	// Commit is the full hash of HEAD; "" when the directory is not in a
	// git repository or the repository has no commit yet.
	Commit string
	// Dirty reports uncommitted changes (modified, added, deleted or
	// untracked files) under the directory.
	Dirty bool
}

// Read returns the git state of dir. A directory outside any repository is
// not an error: the zero Info.
func Read(dir string) (Info, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Info{}, err
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return Info{}, nil
	}
	if err != nil {
		return Info{}, fmt.Errorf("git: %w", err)
	}
	head, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return Info{Dirty: true}, nil // no commit yet: everything is uncommitted
	}
	if err != nil {
		return Info{}, fmt.Errorf("git: read HEAD: %w", err)
	}
	info := Info{Commit: head.Hash().String()}
	wt, err := repo.Worktree()
	if err != nil {
		// A bare repository has no work tree to be dirty.
		return info, nil
	}
	st, err := wt.Status()
	if err != nil {
		return Info{}, fmt.Errorf("git: status: %w", err)
	}
	rel, err := filepath.Rel(wt.Filesystem.Root(), abs)
	if err != nil {
		return Info{}, err
	}
	prefix := filepath.ToSlash(rel)
	for path, fs := range st {
		if fs.Worktree == git.Unmodified && fs.Staging == git.Unmodified {
			continue
		}
		if prefix == "." || path == prefix || strings.HasPrefix(path, prefix+"/") {
			info.Dirty = true
			break
		}
	}
	return info, nil
}

// Exposed reports whether path, a file about to be written, lies in a git
// work tree where git would not ignore it (.gitignore files, the
// repository's info/exclude and the user's global excludes): a plan file
// there could be committed with the secrets it holds. root is the work
// tree's root; a path outside any repository is not exposed.
func Exposed(path string) (root string, exposed bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, err
	}
	repo, err := git.PlainOpenWithOptions(filepath.Dir(abs), &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("git: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", false, nil // bare: no work tree to commit from
	}
	root = wt.Filesystem.Root()
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return root, false, err
	}
	patterns, err := gitignore.ReadPatterns(wt.Filesystem, nil)
	if err != nil {
		return root, false, fmt.Errorf("git: read ignore patterns: %w", err)
	}
	// go-git's work tree refuses paths into .git: info/exclude is read
	// from the repository's own storage.
	if st, ok := repo.Storer.(*filesystem.Storage); ok {
		patterns = append(infoExclude(st.Filesystem().Root()), patterns...)
	}
	if global, err := gitignore.LoadGlobalPatterns(osfs.New("/")); err == nil {
		patterns = append(global, patterns...)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	return root, !gitignore.NewMatcher(patterns).Match(parts, false), nil
}

// infoExclude reads the repository's info/exclude patterns.
func infoExclude(gitDir string) []gitignore.Pattern {
	b, err := os.ReadFile(filepath.Join(gitDir, "info", "exclude"))
	if err != nil {
		return nil
	}
	var out []gitignore.Pattern
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, gitignore.ParsePattern(line, nil))
		}
	}
	return out
}
