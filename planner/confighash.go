package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SchemaFile is the name ConfigSource.Files gives gantry's schema: it is
// part of what a configuration means, and it changes with gantry.
const SchemaFile = "(gantry schema)"

// ConfigSource identifies the configuration a plan was made from by its
// content, not by commit: a plan made on a pull request applies on main
// after unrelated commits landed, and is refused when its environment's
// configuration changed.
type ConfigSource struct {
	// Hash is "sha256:" and the hex SHA-256 of Files: each path and
	// its file's hash, one "path hash" line each, sorted by path.
	Hash string `json:"hash"`
	// Files maps each file gantry loaded (paths relative to the
	// configuration's directory, with slashes; SchemaFile for the schema)
	// to "sha256:" and the hex SHA-256 of its content.
	Files map[string]string `json:"files"`
	// Environment is "sha256:" and the hex SHA-256 of the environment's
	// effective configuration (its values after defaults and refinement,
	// as JSON): files can change without changing it (a comment, another
	// environment's settings).
	Environment string `json:"environment"`
}

// NewConfigSource hashes files (path → content, SchemaFile included) and
// env, the environment's effective configuration as JSON.
func NewConfigSource(files map[string][]byte, env []byte) *ConfigSource {
	cs := &ConfigSource{Files: make(map[string]string, len(files)), Environment: sha256Hex(env)}
	for path, data := range files {
		cs.Files[path] = sha256Hex(data)
	}
	cs.Hash = cs.sum()
	return cs
}

// sum is the hash of Files.
func (c *ConfigSource) sum() string {
	var b strings.Builder
	for _, path := range slices.Sorted(maps.Keys(c.Files)) {
		fmt.Fprintf(&b, "%s %s\n", path, c.Files[path])
	}
	return sha256Hex([]byte(b.String()))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Consistent reports whether Hash is the hash of Files (Plan.Validate: a
// plan whose file list does not add up was not written by gantry).
func (c *ConfigSource) Consistent() bool { return c.Hash == c.sum() }

// FileChanges lists how the files of now differ from c's, sorted by path:
// "path (added)", "path (removed)", "path (changed)".
func (c *ConfigSource) FileChanges(now *ConfigSource) []string {
	var out []string
	for _, path := range slices.Sorted(maps.Keys(c.Files)) {
		switch h, ok := now.Files[path]; {
		case !ok:
			out = append(out, path+" (removed)")
		case h != c.Files[path]:
			out = append(out, path+" (changed)")
		}
	}
	for _, path := range slices.Sorted(maps.Keys(now.Files)) {
		if _, ok := c.Files[path]; !ok {
			out = append(out, path+" (added)")
		}
	}
	slices.Sort(out)
	return out
}
