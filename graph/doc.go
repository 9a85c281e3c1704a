// Package graph is the resource graph gantry compiles a configuration into:
// typed AWS resources with stable addresses, CloudFormation-shaped
// properties, and references to attributes other resources only get once
// they exist (an ARN, a DNS name, a security group id).
//
// The graph is the contract between the compiler, which builds it, and the
// planner and applier, which diff and create it. It is plain data: JSON
// round-trips it exactly, so plan files can carry it.
package graph
