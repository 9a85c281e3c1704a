// Package catalog is gantry's registry of the AWS resource types it
// manages: one entry (Type) per CloudFormation type holds everything gantry
// knows about it — its stage in an apply, its attributes and references to
// other types, what forces a replacement, which properties AWS fills with
// defaults or owns at run time, how to normalise a property tree so that
// desired and live compare equal when they mean the same thing, how its
// tags are shaped and how owned resources are found, how it is exported to
// CloudFormation, and what the applier does specially for it.
//
// The compiler, the CloudFormation export, the planner and the applier
// know resource types only through this registry; providers register one
// handler per entry. A new type is a new entry here, the compiler code
// that emits it and a handler in each provider (docs/architecture.md),
// never a switch statement elsewhere. The tests check that nothing is
// missing.
package catalog
