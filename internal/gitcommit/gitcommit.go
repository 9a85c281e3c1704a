package gitcommit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Repo is the git work tree that holds the files to commit.
type Repo struct {
	repo *git.Repository
	wt   *git.Worktree
	root string // the work tree's root, symbolic links resolved
}

// Open finds the repository that holds dir (dir or a directory above it).
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s is not in a git repository: --commit needs one", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("git: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("git: %w", err)
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, err
	}
	return &Repo{repo: repo, wt: wt, root: root}, nil
}

// rel is a file's path in the work tree, as git names it.
func (r *Repo) rel(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(r.root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside the git work tree %s", path, r.root)
	}
	return filepath.ToSlash(rel), nil
}

// CheckClean refuses a commit that would hold more than gantry's change:
// a file to change that differs from HEAD (modified, staged, untracked),
// or anything else staged. names are the files' names for messages, by
// path.
func (r *Repo) CheckClean(paths []string, names map[string]string) error {
	if _, err := r.repo.Head(); err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return errors.New("the repository has no commit yet: commit the configuration first")
		}
		return fmt.Errorf("git: read HEAD: %w", err)
	}
	st, err := r.wt.Status()
	if err != nil {
		return fmt.Errorf("git: status: %w", err)
	}
	var dirty []string
	ours := map[string]bool{}
	for _, p := range paths {
		rel, err := r.rel(p)
		if err != nil {
			return err
		}
		ours[rel] = true
		// Status lists only the files that differ from HEAD.
		if fs, ok := st[rel]; ok && (fs.Staging != git.Unmodified || fs.Worktree != git.Unmodified) {
			dirty = append(dirty, fmt.Sprintf("%s (%s)", names[p], describe(fs)))
		}
	}
	if len(dirty) > 0 {
		return fmt.Errorf("uncommitted changes in %s: the commit must hold the image change alone; commit or discard them first", strings.Join(dirty, ", "))
	}
	var staged []string
	for rel, fs := range st {
		if !ours[rel] && fs.Staging != git.Unmodified && fs.Staging != git.Untracked {
			staged = append(staged, rel)
		}
	}
	if len(staged) > 0 {
		slices.Sort(staged)
		return fmt.Errorf("other changes are staged (%s): the commit must hold the image change alone; commit or unstage them first", strings.Join(staged, ", "))
	}
	return nil
}

func describe(fs *git.FileStatus) string {
	switch {
	case fs.Worktree == git.Untracked:
		return "untracked"
	case fs.Staging != git.Unmodified:
		return "staged changes"
	}
	return "modified"
}

// Identity is who a commit names as its author and committer.
type Identity struct {
	Author, Committer object.Signature
}

// ReadIdentity finds the author and committer as git would:
// GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL (GIT_COMMITTER_NAME and
// GIT_COMMITTER_EMAIL for the committer) over user.name and user.email of
// the repository's configuration, then the user's (~/.gitconfig, or
// $XDG_CONFIG_HOME/git/config), then the system's.
func (r *Repo) ReadIdentity(now time.Time) (Identity, error) {
	name, email, err := r.configIdentity()
	if err != nil {
		return Identity{}, err
	}
	sig := func(nameVar, emailVar string) (object.Signature, error) {
		n, e := envOr(nameVar, name), envOr(emailVar, email)
		if n == "" || e == "" {
			return object.Signature{}, fmt.Errorf("no git identity to commit with: set user.name and user.email (git config user.name ...), or %s and %s", nameVar, emailVar)
		}
		return object.Signature{Name: n, Email: e, When: now}, nil
	}
	author, err := sig("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL")
	if err != nil {
		return Identity{}, err
	}
	committer, err := sig("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
	if err != nil {
		committer = author // git falls back to the author's too
	}
	return Identity{Author: author, Committer: committer}, nil
}

// configIdentity is user.name and user.email from the most specific
// configuration that sets each.
func (r *Repo) configIdentity() (name, email string, err error) {
	local, err := r.repo.Config()
	if err != nil {
		return "", "", fmt.Errorf("git: read the repository's configuration: %w", err)
	}
	name, email = local.User.Name, local.User.Email
	for _, scope := range []config.Scope{config.GlobalScope, config.SystemScope} {
		if name != "" && email != "" {
			break
		}
		c, err := config.LoadConfig(scope)
		if err != nil {
			// An unreadable user or system file: git would stop too.
			return "", "", fmt.Errorf("git: read the %s configuration: %w", scopeName(scope), err)
		}
		name, email = or(name, c.User.Name), or(email, c.User.Email)
	}
	return name, email, nil
}

func scopeName(s config.Scope) string {
	if s == config.GlobalScope {
		return "user's"
	}
	return "system's"
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Commit stages exactly the files at paths and commits them with message
// as id. It returns the new commit's hash.
func (r *Repo) Commit(paths []string, message string, id Identity) (string, error) {
	for _, p := range paths {
		rel, err := r.rel(p)
		if err != nil {
			return "", err
		}
		if _, err := r.wt.Add(rel); err != nil {
			return "", fmt.Errorf("git: stage %s: %w", rel, err)
		}
	}
	h, err := r.wt.Commit(message, &git.CommitOptions{Author: &id.Author, Committer: &id.Committer})
	if err != nil {
		return "", fmt.Errorf("git: commit: %w", err)
	}
	return h.String(), nil
}
