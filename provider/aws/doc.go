// Package aws is the provider.Provider that reads and changes resources in
// an AWS account through aws-sdk-go-v2.
//
// New loads the SDK's standard configuration chain (environment, shared
// config and AWS_PROFILE, SSO, web identity; AWS_ENDPOINT_URL and the
// per-service endpoint variables), assumes the environment's role when one
// is given, and then checks that STS GetCallerIdentity names the scope's
// account before anything else is called: planning prod with staging's
// credentials is refused before a single read.
//
// Every resource type in package catalog has a handler here (see Types),
// registered by CloudFormation type name in one file per AWS service.
// Handlers read back in CloudFormation shape (the property names the
// compiler emits), so that a resource created from a request and read back
// compares equal under the catalog's Normalise.
//
// Ownership is gantry's tags (gantry:project, gantry:environment,
// gantry:address). Types AWS cannot tag (scaling policies, a cluster's
// capacity provider associations) are owned through their parent: the
// parent carries a bookkeeping tag "gantry:child:<hash>" whose value is the
// child's address (see child.go); such tags are never reported as the
// parent's tags.
//
// Retries: the applier retries an *provider.OpError marked Retryable with
// its own backoff, and the planner retries a failed ListOwned. So that the
// two layers do not multiply, writes are made with one SDK attempt; reads
// keep a few SDK attempts, because a ListOwned is hundreds of calls and
// restarting it all for one throttled page is worse than retrying the page.
//
// The apply lock is an SSM parameter /gantry/<project>/<environment>/lock
// created with Overwrite=false (see lock.go).
//
// APICalls lists every IAM action the provider uses and why (for the
// deployer's policy); a request property the provider does not send fails
// with an UnsupportedProperty *provider.OpError rather than being dropped
// (see known.go). Not implemented: a listener's ListenerAttributes (the
// emulator the tests run against has no DescribeListenerAttributes), and
// the properties known.go does not list.
//
// Tests: go test ./provider/aws/... runs the HTTP-layer tests and, when
// ../shared/tools/aws-emulator is beside the repository, the emulator
// tests (internal/awstest starts one emulator per test binary; applytest
// drives the planner and the applier, and runs the providers' shared
// conformance suite, provider/providertest, as the sandbox does). -short
// skips the emulator.
package aws
