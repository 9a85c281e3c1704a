// Package gitinfo reads the git commit a configuration directory is at and
// whether it has uncommitted changes, so plans can record which commit
// they were made from (apply checks a saved plan's configuration by
// content, planner.ConfigSource) and apply can refuse a dirty tree.
package gitinfo
