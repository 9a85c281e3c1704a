// Package treelink follows symbolic links inside a file tree that is not
// the disk: a git commit's tree (internal/gitrepo's fs.FS), or any fs.FS
// the compiler loads a configuration from. The tree says which paths are
// links and what they hold; treelink walks a path element by element, as
// the kernel does, and says where a link leads out of the tree, which
// each caller treats in its own way (a commit's tree has nothing there; a
// configuration refuses a link that leaves its repository).
package treelink
