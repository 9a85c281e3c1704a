// Package gen writes synthetic gantry configuration repositories of any
// size, for benchmarks (`go test -bench` in compiler) and for timing
// `gantry validate` against `cue vet` on the same files
// (`go run ./internal/gen/gen-repo`, see docs/benchmarks.md).
//
// The repositories look like real ones: a project file with organisation
// defaults, a policy file, environments, Fargate and EC2 clusters, load
// balancers with HTTPS, repositories, and one file per service with its
// per-environment refinements. They are valid for gantry and pass
// `cue vet -c ./...` without gantry's schema.
package gen
