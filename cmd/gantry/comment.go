package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/gantry-gitops/gantry/internal/ghcomment"
)

type commentFlags struct {
	pr          int
	env         string
	file        string
	repo        string
	artifactURL string
}

func newCommentCmd() *cobra.Command {
	f := &commentFlags{}
	cmd := &cobra.Command{
		Use:   "comment --pr N --env ENV --file PLAN.md",
		Short: "Post a markdown plan as the pull request's sticky comment for an environment",
		Long: `Comment posts a plan (gantry plan --format markdown, or gantry show
FILE --format markdown) on a GitHub pull request, as one comment per
environment: the comment carries a hidden marker (<!-- gantry:plan
env=ENV -->), so the next run for the same environment edits it instead
of adding another. The pull request's comments are read page by page to
find it.

A plan over GitHub's limit of 65536 characters keeps its summary (title,
counts, destructive changes, warnings), cut on a section boundary, and
links the full plan: --artifact-url, by default the GitHub Actions run's
page (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID),
where the uploaded plan artifact is listed.

Environment:
  GITHUB_TOKEN       the token (required); in Actions, secrets.GITHUB_TOKEN
                     with permissions: pull-requests: write
  GITHUB_REPOSITORY  OWNER/NAME (else --repo, else the origin remote's URL)
  GITHUB_API_URL     the REST API root (default https://api.github.com;
                     GitHub Enterprise Server: https://HOST/api/v3)

Exit codes: 0 posted, 1 the file, the token, the repository or the GitHub
API failed (the message names the operation), 2 usage error.`,
		Example: `  gantry plan --env prod --format markdown > prod.md
  GITHUB_TOKEN=... gantry comment --pr 42 --env prod --file prod.md

  # in GitHub Actions
  gantry comment --pr ${{ github.event.pull_request.number }} --env prod --file prod.md

  # plan from stdin, the full plan linked elsewhere
  gantry show prod.plan --format markdown | gantry comment --pr 42 --env prod --file - --artifact-url https://ci.example.com/run/7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runComment(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.pr, "pr", 0, "the pull request's number (required)")
	fl.StringVar(&f.env, "env", "", "the environment the plan is for: one sticky comment each (required)")
	fl.StringVar(&f.file, "file", "", `the markdown plan to post, "-" for stdin (required)`)
	fl.StringVar(&f.repo, "repo", "", "OWNER/NAME (default GITHUB_REPOSITORY, else the origin remote)")
	fl.StringVar(&f.artifactURL, "artifact-url", "", "where the full plan is, linked when it is too large for a comment (default: the Actions run's page)")
	for _, name := range []string{"pr", "env", "file"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func runComment(cmd *cobra.Command, f *commentFlags) error {
	if f.pr <= 0 {
		return usage(fmt.Errorf("--pr %d: want a pull request number", f.pr))
	}
	if err := ghcomment.CheckEnv(f.env); err != nil {
		return usage(err)
	}
	plan, err := readPlanFile(cmd.InOrStdin(), f.file)
	if err != nil {
		return failed(err)
	}
	repo, err := commentRepository(f.repo)
	if err != nil {
		return failed(err)
	}
	client, err := ghcomment.New(ghcomment.Options{
		Token:      os.Getenv("GITHUB_TOKEN"),
		Repository: repo,
		APIURL:     os.Getenv("GITHUB_API_URL"),
	})
	if err != nil {
		return failed(err)
	}
	artifact := f.artifactURL
	if artifact == "" {
		artifact = ghcomment.RunURL(os.Getenv)
	}
	body, truncated := ghcomment.Body(f.env, plan, artifact)
	res, err := client.Upsert(cmd.Context(), f.pr, f.env, body)
	if err != nil {
		return failed(err)
	}
	verb := "updated"
	if res.Created {
		verb = "created"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s the %s plan comment on %s#%d: %s\n", verb, f.env, repo, f.pr, res.URL)
	if truncated {
		where := artifact
		if where == "" {
			where = "no link: pass --artifact-url"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "gantry: the plan is over GitHub's %d-character limit: the comment shows its summary (full plan: %s)\n", ghcomment.MaxBody, where)
	}
	return nil
}

// readPlanFile reads the markdown to post; an empty plan is a mistake
// (a failed plan step whose output was redirected), not a comment.
func readPlanFile(stdin io.Reader, name string) (string, error) {
	var raw []byte
	var err error
	if name == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("read the plan: %w", err)
	}
	if len(raw) == 0 {
		return "", fmt.Errorf("%s is empty: nothing to post (did the plan step fail?)", name)
	}
	return string(raw), nil
}

// commentRepository is --repo, else GITHUB_REPOSITORY, else the origin
// remote of the repository the current directory is in.
func commentRepository(flag string) (string, error) {
	for _, r := range []string{flag, os.Getenv("GITHUB_REPOSITORY")} {
		if r != "" {
			return r, nil
		}
	}
	repo, err := ghcomment.FromRemote(".")
	if err != nil {
		return "", errors.New("which repository? " + err.Error())
	}
	return repo, nil
}
