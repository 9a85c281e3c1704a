// Package cuedit changes values in the CUE source of a gantry
// configuration in place, byte for byte: it finds where a value is
// written with the positions cue/parser gives, and splices the files'
// bytes, so that comments, layout and every other line stay as the user
// wrote them (nothing is re-formatted).
//
// Its one edit today is a service's image in one environment
// (Source.SetImage), for gantry image set and gantry promote. The rules
// of where the new value goes are docs/image.md's:
//
//   - a string literal in the environment's own refinement
//     (environments: ENV: services: NAME: image: "...") is replaced;
//   - a literal in the service's definition (services: NAME: image) is
//     replaced only when no other environment runs the service; shared
//     with others, a default (*"..." | string) is overridden by adding the
//     field to the environment's refinement, and a concrete value is
//     refused (CUE cannot override it), naming its file:line;
//   - an expression (an interpolation, a reference) is never rewritten:
//     at the environment's level it is refused; in the definition it is
//     overridden like a literal would be, when it is a default;
//   - nothing written: the field is added to the environment's refinement
//     of the service, in the block that holds it, or in a new block next
//     to the service's other refinements.
//
// The package only edits syntax; the caller validates the result (see
// compiler.LoadOverlay) before writing it (WriteFiles).
package cuedit
