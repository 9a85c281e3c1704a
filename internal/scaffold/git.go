package scaffold

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Author is who the first commit is by: GIT_AUTHOR_NAME and
// GIT_AUTHOR_EMAIL when set, else user.name and user.email from the
// user's global git configuration, as git itself would choose.
func Author() (object.Signature, error) {
	name, email := os.Getenv("GIT_AUTHOR_NAME"), os.Getenv("GIT_AUTHOR_EMAIL")
	if name == "" || email == "" {
		cfg, err := config.LoadConfig(config.GlobalScope)
		if err != nil {
			return object.Signature{}, fmt.Errorf("git: read the global configuration: %w", err)
		}
		name, email = firstOf(name, cfg.User.Name, cfg.Author.Name), firstOf(email, cfg.User.Email, cfg.Author.Email)
	}
	if name == "" || email == "" {
		return object.Signature{}, errors.New(`git: no author for the first commit: set git config --global user.name "Your Name" and user.email, or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL`)
	}
	return object.Signature{Name: name, Email: email, When: time.Now()}, nil
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
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
	for probe := abs; ; probe = filepath.Dir(probe) {
		if _, err := os.Stat(probe); err == nil {
			repo, err := git.PlainOpenWithOptions(probe, &git.PlainOpenOptions{DetectDotGit: true})
			if err == nil {
				root := probe
				if wt, err := repo.Worktree(); err == nil {
					root = wt.Filesystem.Root()
				}
				return fmt.Errorf("--git: %s is already in the git repository %s: commit the new files there yourself", dir, root)
			}
			return nil
		}
		if probe == filepath.Dir(probe) {
			return nil
		}
	}
}

// InitRepo makes dir a git repository on branch main and commits files
// (written there already) as its first commit; it returns the commit.
func InitRepo(dir string, files []File, author object.Signature, message string) (string, error) {
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return "", fmt.Errorf("git init: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("git: %w", err)
	}
	for _, f := range files {
		if _, err := wt.Add(f.Path); err != nil {
			return "", fmt.Errorf("git add %s: %w", f.Path, err)
		}
	}
	hash, err := wt.Commit(message, &git.CommitOptions{Author: &author})
	if err != nil {
		return "", fmt.Errorf("git commit: %w", err)
	}
	return hash.String(), nil
}
