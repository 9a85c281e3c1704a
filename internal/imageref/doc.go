// Package imageref parses container image references
// ([registry/]repository[:tag][@digest]) the way registries and Docker
// read them, so that gantry image set refuses a reference ECS could not
// pull before it writes it into the configuration, and can name an
// image's digest in a commit message.
package imageref
