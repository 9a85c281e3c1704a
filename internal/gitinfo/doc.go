// Package gitinfo reads the git commit a configuration directory is at, so
// plans can record which commit they were made from and apply can refuse a
// plan made from another one.
package gitinfo
