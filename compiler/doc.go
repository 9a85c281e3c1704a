// Package compiler turns a gantry configuration repository into AWS
// resource graphs, in two steps.
//
// Load (load*.go, check*.go, diag*.go) reads the CUE files of one package
// across a directory tree, adds gantry's schema (package schema) to the
// package and evaluates it once with a fresh cue.Context. It then builds
// each environment's effective configuration: every top-level cluster,
// load balancer and service unified with the environment's refinement of
// it, checked against the schema's definitions (closed structs, types,
// ranges, defaults) and by the Go checks that relate several values or need
// AWS knowledge (references, Fargate sizes, EC2 instance types, routing,
// tags, ...). Every problem is a Diagnostic at the user's own file, line
// and column, never only at a position in the schema; the same problem in
// several environments is one diagnostic naming them. The result is a
// config.Project, or diagnostics with errors.
//
// Unification per environment is done field by field (load_merge.go), so
// that a repository of thousands of services checks in about the time CUE
// takes to evaluate it once; definitions that refer to their own fields are
// unified whole, so references see the environment's values. Values are
// checked against the schema's leaves in CUE, memoised per distinct value.
//
// Compile (compile*.go) turns one environment's effective configuration
// into a graph.Graph of CloudFormation-shaped resources. LookupInstanceType
// (instances.go) is the table of EC2 instance types both steps use.
package compiler
