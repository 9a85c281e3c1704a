// Package ghcomment keeps one sticky pull-request comment per environment
// through GitHub's REST API (go-github): a hidden HTML marker names the
// environment, so a new plan edits the comment the last one left instead
// of adding another. It also fits a plan into GitHub's comment size limit,
// keeping the plan's summary and linking the full plan, and finds the
// repository a command runs for (GITHUB_REPOSITORY or the origin remote).
package ghcomment
