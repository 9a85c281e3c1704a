package ghcomment

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5"
)

// part is one half of OWNER/NAME as GitHub allows it.
var part = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// ParseRepository splits OWNER/NAME.
func ParseRepository(s string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !part.MatchString(owner) || !part.MatchString(name) || name == "." || name == ".." {
		return "", "", fmt.Errorf("repository %q: want OWNER/NAME, for example gantry-gitops/gantry", s)
	}
	return owner, name, nil
}

// FromRemote reads OWNER/NAME from the URL of the origin remote of the git
// repository that holds dir: https://HOST/OWNER/NAME(.git),
// git@HOST:OWNER/NAME(.git) and ssh://git@HOST/OWNER/NAME(.git).
func FromRemote(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", fmt.Errorf("%s is not in a git repository: set GITHUB_REPOSITORY=OWNER/NAME or pass --repo", dir)
	}
	if err != nil {
		return "", fmt.Errorf("git: %w", err)
	}
	remote, err := repo.Remote("origin")
	if err != nil {
		return "", fmt.Errorf("git: no origin remote to read the repository from (%v): set GITHUB_REPOSITORY=OWNER/NAME or pass --repo", err)
	}
	urls := remote.Config().URLs
	if len(urls) == 0 {
		return "", errors.New("git: the origin remote has no URL: set GITHUB_REPOSITORY=OWNER/NAME or pass --repo")
	}
	return repositoryFromURL(urls[0])
}

// scpLike is git's user@host:path form.
var scpLike = regexp.MustCompile(`^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:(.+)$`)

// repositoryFromURL is OWNER/NAME from the last two segments of a remote
// URL's path.
func repositoryFromURL(raw string) (string, error) {
	path := ""
	if m := scpLike.FindStringSubmatch(raw); m != nil {
		path = m[1]
	} else if u, err := url.Parse(raw); err == nil && u.Host != "" {
		path = u.Path
	}
	segs := strings.Split(strings.Trim(strings.TrimSuffix(path, ".git"), "/"), "/")
	if len(segs) < 2 {
		return "", fmt.Errorf("origin remote %q: no OWNER/NAME in it: set GITHUB_REPOSITORY=OWNER/NAME or pass --repo", raw)
	}
	repo := segs[len(segs)-2] + "/" + segs[len(segs)-1]
	if _, _, err := ParseRepository(repo); err != nil {
		return "", fmt.Errorf("origin remote %q: %w", raw, err)
	}
	return repo, nil
}

// RunURL is the web page of the GitHub Actions run the process is in, from
// the variables Actions sets (GITHUB_SERVER_URL, GITHUB_REPOSITORY,
// GITHUB_RUN_ID), or "" outside Actions. The run's artifacts are listed
// there.
func RunURL(getenv func(string) string) string {
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + run
}
