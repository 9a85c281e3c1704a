// Package gitrepo reads a git repository through go-git without touching
// its work tree or index: the commit a revision names, that commit's tree
// as an io/fs file system (so the compiler can load the configuration as
// it was at any commit), and whether a commit is on a branch (apply's
// branch guard). It never runs the git binary.
package gitrepo
