// Package schema embeds gantry's CUE schema (gantry.cue): the single source
// of truth for the types, defaults and ranges of a configuration repository.
//
// The compiler adds the schema to the user's CUE package (see ForPackage),
// so users get typed, closed top-level fields without importing anything.
// `gantry schema` prints it.
package schema
