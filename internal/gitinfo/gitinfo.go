package gitinfo

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
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
