package main

import (
	"errors"
	"log/slog"
	"path/filepath"

	"github.com/go-git/go-git/v5"

	"github.com/gantry-gitops/gantry/applier"
)

// repositoryURL is the https URL of the repository the configuration in
// dir belongs to, for the gantry:repository tag apply stamps: its origin
// remote (the first URL) through applier.RepositoryURL, which drops
// credentials. "" outside git, without an origin, or for an origin that
// names no host; a repository that cannot be read is logged, not an
// error: provenance never stops an apply.
func repositoryURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return ""
	}
	if err != nil {
		slog.Warn("cannot read the git repository for the gantry:repository tag", "dir", dir, "err", err)
		return ""
	}
	remote, err := repo.Remote(git.DefaultRemoteName)
	if err != nil {
		if !errors.Is(err, git.ErrRemoteNotFound) {
			slog.Warn("cannot read the origin remote for the gantry:repository tag", "dir", dir, "err", err)
		}
		return ""
	}
	urls := remote.Config().URLs
	if len(urls) == 0 {
		return ""
	}
	u := applier.RepositoryURL(urls[0])
	if u == "" {
		// Never log the remote itself: it may hold a token.
		slog.Debug("the origin remote is not a repository URL gantry can tag resources with", "dir", dir)
	}
	return u
}
