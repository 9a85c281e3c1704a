// Package catalog is gantry's table of the AWS resource types it manages:
// for each CloudFormation type, its stage in an apply, its attributes, what
// forces a replacement, which properties AWS fills with defaults or owns at
// run time, and how to normalise a property tree so that desired and live
// compare equal when they mean the same thing.
//
// The planner and applier know resource types only through this table; a
// new type is a new entry here (and a handler in each provider), never a
// switch statement elsewhere.
package catalog
