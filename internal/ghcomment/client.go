package ghcomment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v75/github"
)

// Options say which GitHub to talk to, as whom, about which repository.
type Options struct {
	// Token is the bearer token (GITHUB_TOKEN); required.
	Token string
	// Repository is OWNER/NAME.
	Repository string
	// APIURL is the REST API's base URL (GITHUB_API_URL); empty means
	// https://api.github.com. GitHub Enterprise Server's is
	// https://HOST/api/v3.
	APIURL string
	// HTTPClient is the transport; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Client edits the comments of one repository's pull requests.
type Client struct {
	gh          *github.Client
	owner, name string
}

// New checks the options and returns a client; it makes no request.
func New(o Options) (*Client, error) {
	if o.Token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN (in GitHub Actions: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}, with permissions: pull-requests: write)")
	}
	owner, name, err := ParseRepository(o.Repository)
	if err != nil {
		return nil, err
	}
	gh := github.NewClient(o.HTTPClient).WithAuthToken(o.Token)
	if o.APIURL != "" {
		// Used as given (with a trailing slash): Actions sets
		// GITHUB_API_URL to the full API root on github.com and on
		// Enterprise Server alike.
		u, err := url.Parse(strings.TrimSuffix(o.APIURL, "/") + "/")
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("GitHub API URL %q: want an absolute URL such as https://api.github.com", o.APIURL)
		}
		gh.BaseURL = u
	}
	return &Client{gh: gh, owner: owner, name: name}, nil
}

// Result is what Upsert did.
type Result struct {
	ID      int64
	URL     string
	Created bool
}

// listPageSize is the most comments GitHub returns in one page.
const listPageSize = 100

// Upsert makes body the sticky comment of env on pull request pr: it
// edits the comment that carries env's marker, or creates one.
func (c *Client) Upsert(ctx context.Context, pr int, env, body string) (Result, error) {
	id, err := c.find(ctx, pr, Marker(env))
	if err != nil {
		return Result{}, err
	}
	comment := &github.IssueComment{Body: github.Ptr(body)}
	if id != 0 {
		got, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.name, id, comment)
		if err != nil {
			return Result{}, c.explain(fmt.Sprintf("edit comment %d on pull request #%d", id, pr), err)
		}
		return Result{ID: got.GetID(), URL: got.GetHTMLURL()}, nil
	}
	got, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.name, pr, comment)
	if err != nil {
		return Result{}, c.explain(fmt.Sprintf("create a comment on pull request #%d", pr), err)
	}
	return Result{ID: got.GetID(), URL: got.GetHTMLURL(), Created: true}, nil
}

// find returns the id of the first comment on pr (oldest first, every
// page) that holds marker, or 0.
func (c *Client) find(ctx context.Context, pr int, marker string) (int64, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: listPageSize}}
	for {
		page, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.name, pr, opts)
		if err != nil {
			return 0, c.explain(fmt.Sprintf("list the comments of pull request #%d", pr), err)
		}
		for _, cm := range page {
			if strings.Contains(cm.GetBody(), marker) {
				slog.Debug("sticky comment found", "id", cm.GetID(), "page", opts.Page)
				return cm.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			return 0, nil
		}
		opts.Page = resp.NextPage
	}
}

// explain turns an API error into a message naming the operation, the
// repository and what to check.
func (c *Client) explain(op string, err error) error {
	repo := c.owner + "/" + c.name
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("%s in %s: GitHub API rate limit exceeded (%s); it resets at %s",
			op, repo, rl.Message, rl.Rate.Reset.UTC().Format(time.RFC3339))
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		wait := "later"
		if d := abuse.GetRetryAfter(); d > 0 {
			wait = "in " + d.String()
		}
		return fmt.Errorf("%s in %s: GitHub's secondary rate limit (%s): try again %s", op, repo, abuse.Message, wait)
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return fmt.Errorf("%s in %s: %w", op, repo, err)
	}
	status := er.Response.StatusCode
	hint := ""
	switch status {
	case http.StatusUnauthorized:
		hint = ": the token was refused; check GITHUB_TOKEN"
	case http.StatusForbidden:
		hint = ": the token may not do this; in GitHub Actions grant the job permissions: pull-requests: write"
	case http.StatusNotFound:
		hint = ": check the repository (GITHUB_REPOSITORY or --repo) and the pull request number; GitHub also answers 404 to a token that cannot see a private repository"
	case http.StatusUnprocessableEntity:
		hint = ": GitHub refused the comment"
	}
	return fmt.Errorf("%s in %s: %d %s%s", op, repo, status, er.Message, hint)
}
