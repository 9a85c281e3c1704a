package ghcomment

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"

	"github.com/gantry-gitops/gantry/internal/ghcomment/ghfake"
)

func newClient(t *testing.T, srv *ghfake.Server) *Client {
	t.Helper()
	c, err := New(Options{Token: "tok", Repository: "acme/config", APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func requestLines(srv *ghfake.Server) string {
	var b strings.Builder
	for _, r := range srv.Requests() {
		fmt.Fprintf(&b, "%s %s?%s\n", r.Method, r.Path, r.Query)
	}
	return b.String()
}

func TestUpsertCreatesThenEdits(t *testing.T) {
	srv := ghfake.New("acme/config", "tok")
	defer srv.Close()
	srv.Add(7, "looks good to me")
	c := newClient(t, srv)
	ctx := context.Background()

	first, err := c.Upsert(ctx, 7, "prod", Marker("prod")+"\nplan one\n")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.URL == "" {
		t.Fatalf("first upsert = %+v, want a created comment with a URL", first)
	}
	// Another environment's comment is its own.
	if _, err := c.Upsert(ctx, 7, "staging", Marker("staging")+"\nstaging plan\n"); err != nil {
		t.Fatal(err)
	}
	second, err := c.Upsert(ctx, 7, "prod", Marker("prod")+"\nplan two\n")
	if err != nil {
		t.Fatal(err)
	}
	if second.Created || second.ID != first.ID {
		t.Fatalf("second upsert = %+v, want comment %d edited", second, first.ID)
	}
	got := srv.Comments(7)
	if len(got) != 3 {
		t.Fatalf("%d comments, want 3 (the user's, prod's, staging's): %+v", len(got), got)
	}
	if got[1].Body != Marker("prod")+"\nplan two\n" || got[2].Body != Marker("staging")+"\nstaging plan\n" {
		t.Errorf("comments = %+v", got)
	}
	want := "GET /repos/acme/config/issues/7/comments?per_page=100\n" +
		"POST /repos/acme/config/issues/7/comments?\n" +
		"GET /repos/acme/config/issues/7/comments?per_page=100\n" +
		"POST /repos/acme/config/issues/7/comments?\n" +
		"GET /repos/acme/config/issues/7/comments?per_page=100\n" +
		fmt.Sprintf("PATCH /repos/acme/config/issues/comments/%d?\n", first.ID)
	if got := requestLines(srv); got != want {
		t.Errorf("requests:\n%s\nwant:\n%s", got, want)
	}
}

func TestUpsertFindsMarkerOnALaterPage(t *testing.T) {
	srv := ghfake.New("acme/config", "tok")
	defer srv.Close()
	srv.PageSize = 2
	for i := range 5 {
		srv.Add(3, fmt.Sprintf("comment %d", i))
	}
	id := srv.Add(3, Marker("prod")+"\nold plan\n")
	res, err := newClient(t, srv).Upsert(context.Background(), 3, "prod", Marker("prod")+"\nnew plan\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.ID != id {
		t.Fatalf("upsert = %+v, want comment %d edited", res, id)
	}
	want := "GET /repos/acme/config/issues/3/comments?per_page=100\n" +
		"GET /repos/acme/config/issues/3/comments?page=2&per_page=100\n" +
		"GET /repos/acme/config/issues/3/comments?page=3&per_page=100\n" +
		fmt.Sprintf("PATCH /repos/acme/config/issues/comments/%d?\n", id)
	if got := requestLines(srv); got != want {
		t.Errorf("requests:\n%s\nwant:\n%s", got, want)
	}
}

func TestUpsertErrorsNameTheOperation(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{http.StatusUnauthorized, "list the comments of pull request #4 in acme/config: 401 Unauthorized: the token was refused; check GITHUB_TOKEN"},
		{http.StatusForbidden, "list the comments of pull request #4 in acme/config: 403 Forbidden: the token may not do this; in GitHub Actions grant the job permissions: pull-requests: write"},
		{http.StatusNotFound, "list the comments of pull request #4 in acme/config: 404 Not Found: check the repository"},
		{http.StatusTooManyRequests, "list the comments of pull request #4 in acme/config: GitHub API rate limit exceeded (API rate limit exceeded for installation ID 1.); it resets at 2030-01-02T03:04:05Z"},
	} {
		srv := ghfake.New("acme/config", "tok")
		srv.Fail(tc.status)
		_, err := newClient(t, srv).Upsert(context.Background(), 4, "prod", "x")
		srv.Close()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("status %d: err = %v, want prefix %q", tc.status, err, tc.want)
		}
	}
}

func TestWrongTokenAndRepository(t *testing.T) {
	srv := ghfake.New("acme/config", "tok")
	defer srv.Close()
	c, err := New(Options{Token: "wrong", Repository: "acme/config", APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Upsert(context.Background(), 1, "prod", "x")
	if err == nil || !strings.Contains(err.Error(), "401 Bad credentials: the token was refused") {
		t.Errorf("wrong token: %v", err)
	}
	c, err = New(Options{Token: "tok", Repository: "acme/other", APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Upsert(context.Background(), 1, "prod", "x")
	if err == nil || !strings.Contains(err.Error(), "in acme/other: 404 Not Found: check the repository") {
		t.Errorf("unknown repository: %v", err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Repository: "acme/config"}, "no GitHub token: set GITHUB_TOKEN"},
		{Options{Token: "t", Repository: "acme"}, `repository "acme": want OWNER/NAME`},
		{Options{Token: "t", Repository: "acme/con fig"}, `repository "acme/con fig": want OWNER/NAME`},
		{Options{Token: "t", Repository: "a/b/c"}, `repository "a/b/c": want OWNER/NAME`},
		{Options{Token: "t", Repository: "a/b", APIURL: "api.github.com"}, `GitHub API URL "api.github.com": want an absolute URL`},
	} {
		if _, err := New(tc.o); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestBodyFits(t *testing.T) {
	body, cut := Body("prod", "### plan\n\nsmall\n", "")
	if cut || body != "<!-- gantry:plan env=prod -->\n### plan\n\nsmall\n" {
		t.Errorf("small plan: %q (cut %v)", body, cut)
	}
}

func TestBodyTooLargeKeepsSummary(t *testing.T) {
	summary := "### gantry plan: `shop` / `prod`\n\n| create | update |\n|---:|---:|\n| 900 | 0 |\n\n> [!WARNING]\n> something\n\n"
	var details strings.Builder
	for i := range 900 {
		fmt.Fprintf(&details, "<details><summary>change %d</summary>\n\n```diff\n%s\n```\n\n</details>\n\n", i, strings.Repeat("+ x", 40))
	}
	plan := summary + details.String()
	body, cut := Body("prod", plan, "https://github.test/acme/config/actions/runs/42")
	if !cut {
		t.Fatal("not cut")
	}
	if length(body) > MaxBody {
		t.Errorf("body has %d characters, over %d", length(body), MaxBody)
	}
	want := Marker("prod") + "\n" + summary + "> [!NOTE]\n> The full plan (" + fmt.Sprint(length(plan)) +
		" characters) is too large for one comment (at most 65536): only its summary is shown. " +
		"[Download the full plan](https://github.test/acme/config/actions/runs/42) from the CI run's artifacts.\n"
	if body != want {
		t.Errorf("body:\n%s\nwant:\n%s", body, want)
	}
}

func TestFitCutsOnBoundaries(t *testing.T) {
	text := "aaaa\nbbbb\n\ncccc\n\ndddd\n"
	for _, tc := range []struct {
		limit int
		want  string
	}{
		{100, text},
		{17, "aaaa\nbbbb\n\ncccc\n\n"},
		{12, "aaaa\nbbbb\n\n"},
		{9, "aaaa\n"}, // the first section alone is too long: whole lines
		{3, ""},
	} {
		if got := fit(text, tc.limit); got != tc.want {
			t.Errorf("fit(%d) = %q, want %q", tc.limit, got, tc.want)
		}
	}
	// Characters outside the basic plane count twice (UTF-16).
	if got := length("🟢a"); got != 3 {
		t.Errorf("length = %d, want 3", got)
	}
}

func TestRepositoryFromURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://github.com/acme/config.git":        "acme/config",
		"https://github.com/acme/config":            "acme/config",
		"git@github.com:acme/config.git":            "acme/config",
		"ssh://git@github.example.com/acme/config/": "acme/config",
		"https://ghe.example.com/acme/config.git":   "acme/config",
	} {
		if got, err := repositoryFromURL(raw); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"/srv/git/config", "https://github.com/acme", "not a url"} {
		if got, err := repositoryFromURL(raw); err == nil {
			t.Errorf("%s: %q, want an error", raw, got)
		}
	}
}

func TestFromRemote(t *testing.T) {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromRemote(dir); err == nil || !strings.Contains(err.Error(), "no origin remote") {
		t.Errorf("no remote: %v", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{"git@github.com:acme/config.git"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := FromRemote(dir); err != nil || got != "acme/config" {
		t.Errorf("FromRemote = %q, %v", got, err)
	}
	if _, err := FromRemote(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not in a git repository") {
		t.Errorf("outside git: %v", err)
	}
}

func TestRunURL(t *testing.T) {
	env := map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/config", "GITHUB_RUN_ID": "42"}
	if got := RunURL(func(k string) string { return env[k] }); got != "https://github.com/acme/config/actions/runs/42" {
		t.Errorf("RunURL = %q", got)
	}
	delete(env, "GITHUB_RUN_ID")
	if got := RunURL(func(k string) string { return env[k] }); got != "" {
		t.Errorf("RunURL without a run = %q", got)
	}
}
