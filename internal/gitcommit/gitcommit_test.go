package gitcommit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
)

// identityRepo is a repository in a temporary directory with a user's
// configuration in a temporary $HOME (global, when not "").
func identityRepo(t *testing.T, global string) *Repo {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
		t.Setenv(k, "")
	}
	if global != "" {
		if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(global), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if _, err := git.PlainInit(dir, false); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func setLocal(t *testing.T, r *Repo, name, email string) {
	t.Helper()
	cfg, err := r.repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.User.Name, cfg.User.Email = name, email
	if err := r.repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
}

func TestReadIdentity(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const global = "[user]\n\tname = Global User\n\temail = global@example.com\n"

	t.Run("the user's configuration", func(t *testing.T) {
		r := identityRepo(t, global)
		id, err := r.ReadIdentity(now)
		if err != nil {
			t.Fatal(err)
		}
		if id.Author.Name != "Global User" || id.Author.Email != "global@example.com" || id.Committer != id.Author {
			t.Errorf("identity %+v, want the global user as author and committer", id)
		}
	})
	t.Run("the repository's over the user's", func(t *testing.T) {
		r := identityRepo(t, global)
		setLocal(t, r, "Local User", "")
		id, err := r.ReadIdentity(now)
		if err != nil {
			t.Fatal(err)
		}
		if id.Author.Name != "Local User" || id.Author.Email != "global@example.com" {
			t.Errorf("author %+v, want the local name and the global email", id.Author)
		}
	})
	t.Run("the environment over both", func(t *testing.T) {
		r := identityRepo(t, global)
		setLocal(t, r, "Local User", "local@example.com")
		t.Setenv("GIT_AUTHOR_NAME", "CI Bot")
		t.Setenv("GIT_AUTHOR_EMAIL", "ci@example.com")
		t.Setenv("GIT_COMMITTER_NAME", "Committer")
		t.Setenv("GIT_COMMITTER_EMAIL", "committer@example.com")
		id, err := r.ReadIdentity(now)
		if err != nil {
			t.Fatal(err)
		}
		if id.Author.Name != "CI Bot" || id.Author.Email != "ci@example.com" || id.Committer.Name != "Committer" || id.Committer.Email != "committer@example.com" {
			t.Errorf("identity %+v, want the environment's author and committer", id)
		}
		if !id.Author.When.Equal(now) {
			t.Errorf("author time %v, want %v", id.Author.When, now)
		}
	})
	t.Run("none", func(t *testing.T) {
		r := identityRepo(t, "")
		_, err := r.ReadIdentity(now)
		if err == nil || !strings.Contains(err.Error(), "no git identity") {
			t.Errorf("error %v, want no git identity", err)
		}
	})
}
