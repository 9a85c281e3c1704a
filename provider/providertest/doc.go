// Package providertest is the one conformance suite every provider passes:
// the sandbox in its own tests, the AWS provider against an AWS-compatible
// endpoint in its. The suite drives a provider the way gantry does —
// compile a small configuration that uses every resource type, plan with
// the planner, apply with the applier — and asserts what a user relies
// on: a clean apply plans empty afterwards, an image change touches only
// the task definition and the service, a crash-looping image fails the
// apply, drift shows up and is undone, destroy removes what gantry made
// and nothing else, and the apply lock is exclusive.
//
// A provider takes part through a Harness: how to get a fresh account
// slice, the network the configuration runs in, and the two things only
// the provider's own API can do (a change behind gantry's back, a
// resource gantry does not own).
package providertest
