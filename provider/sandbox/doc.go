// Package sandbox is an embedded, file-backed AWS account: a
// provider.Provider that keeps every resource gantry manages (and any other
// resource a test or a person puts there) in a bbolt database inside one
// directory, so that the whole product runs with no AWS account.
//
// Open a sandbox with Open(dir, Options{}); the returned *Sandbox
// implements provider.Provider for every type in catalog/names.go. One
// directory holds any number of accounts and regions: the scope of each
// call names them.
//
// The sandbox takes nothing of the planner's knowledge from package catalog
// but the type names (catalog/names.go) and the check that each handler's
// type is one the catalog registers, on purpose: its tables of AWS
// defaults and behaviours are a second, independent model of AWS, each
// entry citing the AWS API reference page it comes from, so that the
// round-trip test (create, read back, plan: no changes) checks the
// catalog's normalisation against something other than itself. Where the
// two tables overlap (load balancer and target group attributes, service
// defaults), that is by design.
//
// The sandbox behaves like AWS where it matters to gantry:
//
//   - identifiers in AWS formats (ARNs, sg-/lt- ids, ELB DNS names,
//     task-definition/family:revision, ...) and CloudFormation attributes
//     (Arn, GroupId, DNSName, TargetGroupFullName, ...), deterministic for
//     a given sequence of calls;
//   - properties read back in CloudFormation shape with the defaults the
//     real APIs fill in, and set-like lists in a different order than they
//     were given (Knobs.NoShuffle turns that off), so the planner's
//     normalisation is exercised by every test;
//   - task definition revisions, ECS deployments that progress over
//     wall-clock time (Knobs.DeploymentDuration) and an image tag ending
//     in "-crashloop" that never becomes healthy (the circuit breaker fails
//     and rolls back the deployment), load balancer target health;
//   - AWS's errors: duplicate names, resources in use, missing references,
//     as *provider.OpError with the AWS operation and error code;
//   - call accounting (Stats), simulated latency, throttling and injected
//     failures (Knobs), all deterministic for a seed;
//   - an apply lock per project and environment (Lock, Unlock);
//   - out-of-band changes "as in the console" (Edit, EditTags, Remove,
//     CreateUnowned, PushImage) and inspection (Resources, Get) for tests
//     and the `gantry sandbox` command.
//
// The network an environment names (VPC, subnets) is taken as existing, as
// are certificates, SNS topics and SSM parameters.
//
// Storage: one bbolt file, DIR/sandbox.db, opened for the length of one
// short transaction and closed again, under an exclusive flock of
// DIR/sandbox.lock, so several gantry processes can share a sandbox and
// interleave safely. Records are bucketed by account, region and type;
// indexes by ownership tag, name and reference keep ListOwned, name
// checks and in-use checks cheap; a call rewrites only the records it
// changes.
//
// docs/sandbox.md lists the defaults each type reads back with, the errors
// the sandbox returns, every default and behaviour with its reference, and
// the knobs.
package sandbox
