// Package applier executes a plan against a provider, stage by stage.
//
// Within a stage, changes run in parallel (bounded) in dependency order;
// references to other resources' attributes (ARNs, ids, DNS names) are
// resolved from the live state and from what earlier changes produced.
// Resources the catalog marks HealthGated (ECS services) are followed by a
// health gate: the stage is done only when every changed service's newest
// deployment has COMPLETED with all tasks running and its targets healthy;
// a deployment that the circuit breaker or an alarm rolled back is a
// failure. Deletions, and the retirement of what replacements left behind
// (old task definition revisions, replaced target groups), run last, in
// reverse stage and reverse dependency order.
//
// On the first failure nothing new starts, running changes finish and the
// Result says what was done, what failed (with the provider's error) and
// what was not started, so that the next plan shows exactly the rest.
// Throttled and transient provider errors are retried with exponential
// backoff and jitter.
//
// The package also takes the apply lock (waiting for it if asked), checks a
// saved plan against live state and builds destroy plans. It renders
// nothing: it reports what happens as Events (Options.Progress) and what
// happened as a Result, which the CLI turns into text. It knows resource
// types only through package catalog: types.go reads the apply hooks of
// each type's entry.
package applier
