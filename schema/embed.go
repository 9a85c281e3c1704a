package schema

import (
	_ "embed"
	"regexp"
)

// Source is the gantry schema, as shipped in the binary (schema/gantry.cue).
//
//go:embed gantry.cue
var Source string

// Filename is the name the schema carries when it is added to a user's
// package. Positions in this file are "schema positions": gantry never
// reports an error only at one of them.
const Filename = "gantry:schema.cue"

var packageClause = regexp.MustCompile(`(?m)^package gantry$`)

// ForPackage returns the schema with its package clause rewritten to the
// user's package name, ready to be added to that package.
func ForPackage(name string) string {
	return packageClause.ReplaceAllLiteralString(Source, "package "+name)
}
