// Package planner turns a desired resource graph and the live state a
// provider reads into a plan: ordered stages of changes, each with its
// action, the reason for it (config change or drift), what it does to
// running traffic, and the property differences that motivate it. It also
// renders plans (text, markdown, JSON) and reads and writes versioned plan
// files.
//
// Both sides are normalised per resource type (package catalog) on copies
// before they are compared, so defaults AWS fills in, reordered set-like
// lists and reformatted JSON documents never show up as changes.
//
// The flow is one-way, config → graph → plan: Make reads live state
// (Read), hands the live listener rules' priorities (Pinned) to a compile
// callback, and diffs (Diff). The applier uses the Plan it returns, the
// Fingerprint of each live resource and AppliedHash for the gantry:applied
// tag. docs/plan.md documents the model, the formats and the file.
package planner
