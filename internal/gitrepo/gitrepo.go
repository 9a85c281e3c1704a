package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrNotRepository is returned by Open for a directory outside any git
// repository.
var ErrNotRepository = errors.New("not in a git repository")

// Repo is an open repository and the directory it was opened from.
type Repo struct {
	repo *git.Repository
	root string // the work tree's root, absolute; "" for a bare repository
	// objects serialises the reads of the trees TreeFS returns: go-git's
	// trees and object storage are not safe for concurrent use.
	objects *sync.Mutex
}

// Open opens the repository dir is in (dir or a parent holds .git).
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	r, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	if err != nil {
		return nil, fmt.Errorf("git: %w", err)
	}
	out := &Repo{repo: r, objects: new(sync.Mutex)}
	if wt, err := r.Worktree(); err == nil {
		out.root = wt.Filesystem.Root()
		// The work tree's root as the caller spells paths: with symbolic
		// links resolved the same way on both sides, so that relative
		// paths between them are right (macOS's /tmp).
		if real, err := filepath.EvalSymlinks(out.root); err == nil {
			out.root = real
		}
	}
	return out, nil
}

// Root is the absolute path of the work tree's root ("" when bare).
func (r *Repo) Root() string { return r.root }

// Commit is a resolved revision.
type Commit struct {
	Hash string // full hex
	// Rev is the revision as the user wrote it ("main", "HEAD~1").
	Rev string
	c   *object.Commit
}

// Short is the commit's abbreviated hash, for messages.
func (c *Commit) Short() string { return c.Hash[:12] }

// Name is how messages name the commit: "main (0123456789ab)", or the
// short hash alone when the revision was a hash.
func (c *Commit) Name() string {
	if c.Rev == "" || strings.HasPrefix(c.Hash, c.Rev) {
		return c.Short()
	}
	return fmt.Sprintf("%s (%s)", c.Rev, c.Short())
}

// Resolve finds the commit rev names: a branch, a tag, a hash (full or
// abbreviated), HEAD, or any revision go-git understands (HEAD~1,
// main^2).
func (r *Repo) Resolve(rev string) (*Commit, error) {
	if rev == "" {
		return nil, errors.New("empty revision")
	}
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("git: no commit %q in this repository: %w", rev, err)
	}
	c, err := r.repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("git: %s is not a commit: %w", rev, err)
	}
	return &Commit{Hash: h.String(), Rev: rev, c: c}, nil
}

// TreeFS is the commit's tree as a read-only file system rooted at the
// repository's root. It reads objects from the repository's storage; the
// work tree and the index are never read.
func (r *Repo) TreeFS(c *Commit) (fs.FS, error) {
	t, err := c.c.Tree()
	if err != nil {
		return nil, fmt.Errorf("git: tree of %s: %w", c.Name(), err)
	}
	return &treeFS{mu: r.objects, root: t}, nil
}

// OnBranch reports whether commit c is the tip of branch or one of its
// ancestors: a commit merged into the branch, as CI on a merge to the
// branch checks out. The branch is the local branch of that name, else
// the remote-tracking one of origin (a CI checkout often has only that).
func (r *Repo) OnBranch(c *Commit, branch string) (bool, error) {
	tip, err := r.branchTip(branch)
	if err != nil {
		return false, err
	}
	if tip.Hash == c.c.Hash {
		return true, nil
	}
	ok, err := c.c.IsAncestor(tip)
	if err != nil {
		return false, fmt.Errorf("git: is %s on %s: %w", c.Short(), branch, err)
	}
	return ok, nil
}

// branchTip is the commit a local branch, else origin's branch, points to.
func (r *Repo) branchTip(branch string) (*object.Commit, error) {
	for _, name := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(branch), plumbing.NewRemoteReferenceName("origin", branch)} {
		ref, err := r.repo.Reference(name, true)
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("git: branch %s: %w", branch, err)
		}
		return r.repo.CommitObject(ref.Hash())
	}
	return nil, fmt.Errorf("git: no branch %s (neither refs/heads/%s nor refs/remotes/origin/%s)", branch, branch, branch)
}

// Head is the commit HEAD points to, and the branch it is on ("" when
// detached).
func (r *Repo) Head() (*Commit, string, error) {
	ref, err := r.repo.Head()
	if err != nil {
		return nil, "", fmt.Errorf("git: read HEAD: %w", err)
	}
	c, err := r.repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, "", fmt.Errorf("git: HEAD: %w", err)
	}
	branch := ""
	if ref.Name().IsBranch() {
		branch = ref.Name().Short()
	}
	return &Commit{Hash: ref.Hash().String(), Rev: "HEAD", c: c}, branch, nil
}
