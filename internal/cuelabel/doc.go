// Package cuelabel reads the names of CUE field labels in syntax trees.
//
// The compiler (finding where the user wrote a field, for diagnostics at
// file:line) and internal/cuedit (finding the literal gantry image set
// replaces) must agree on which labels name a regular field: when one of
// them read a quoted label or an alias differently, the position a
// diagnostic points at and the value an edit replaces would disagree.
package cuelabel
