// Package cloudformation exports a resource graph as a CloudFormation
// template: the escape hatch for teams that deploy with CloudFormation
// instead of gantry apply. What it needs to know of each type (which
// attributes Ref returns, the shape of its tags) is in the type's catalog
// entry (catalog.CloudFormation).
package cloudformation
