package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/gantry-gitops/gantry/internal/gitcommit"
	"github.com/gantry-gitops/gantry/internal/gitrepo"
)

// NewRepoIdentity is who the first commit of a new repository is by, as
// git would choose (gitcommit.ReadIdentity: GIT_AUTHOR_* and
// GIT_COMMITTER_* over the user's and the system's configuration). It is
// read from an empty repository in a temporary directory, so a missing
// identity stops gantry init before it writes anything.
func NewRepoIdentity(now time.Time) (gitcommit.Identity, error) {
	tmp, err := os.MkdirTemp("", "gantry-init-git-")
	if err != nil {
		return gitcommit.Identity{}, err
	}
	defer os.RemoveAll(tmp)
	if _, err := git.PlainInit(tmp, false); err != nil {
		return gitcommit.Identity{}, fmt.Errorf("git init: %w", err)
	}
	repo, err := gitcommit.Open(tmp)
	if err != nil {
		return gitcommit.Identity{}, err
	}
	return repo.ReadIdentity(now)
}

// CheckNotInRepo refuses a directory inside an existing git repository:
// gantry init --git starts a repository, it does not commit into
// someone's.
func CheckNotInRepo(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// The nearest existing directory at or above dir decides.
	probe := abs
	for {
		if _, err := os.Stat(probe); err == nil {
			break
		}
		if probe == filepath.Dir(probe) {
			return nil
		}
		probe = filepath.Dir(probe)
	}
	repo, err := gitrepo.Open(probe)
	if errors.Is(err, gitrepo.ErrNotRepository) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("--git: %s is already in the git repository %s: commit the new files there yourself", dir, repo.Root())
}

// InitRepo makes dir a git repository on branch main and commits files
// (written there already) as its first commit, as id; it returns the
// commit.
func InitRepo(dir string, files []File, id gitcommit.Identity, message string) (string, error) {
	_, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return "", fmt.Errorf("git init: %w", err)
	}
	repo, err := gitcommit.Open(dir)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(abs, filepath.FromSlash(f.Path)))
	}
	return repo.Commit(paths, message, id)
}
