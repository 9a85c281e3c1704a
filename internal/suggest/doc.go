// Package suggest finds the likely intended word for a misspelt one: a
// field, a region, an environment, a flag value. The compiler and the CLI
// share it, so "did you mean …?" reads the same everywhere.
package suggest
