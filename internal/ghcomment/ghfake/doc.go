// Package ghfake is a GitHub REST API for tests: the three issue-comment
// operations gantry comment uses (list with pagination, create, edit),
// bearer-token checks, injected failures, and a record of every request,
// so tests can assert what was sent.
package ghfake
