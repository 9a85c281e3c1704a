package treelink

import (
	"errors"
	"path"
	"strings"
)

// MaxLinks bounds the links followed in one path, as the kernel's ELOOP
// does.
const MaxLinks = 40

// ErrTooManyLinks is returned for a path through more than MaxLinks links
// (a loop, most likely).
var ErrTooManyLinks = errors.New("too many levels of symbolic links")

// Tree is what Resolve reads of a tree. Paths are slash-separated,
// relative to the tree's root, clean, with no link before their last
// element.
type Tree interface {
	// IsLink reports whether p is a symbolic link (an error when p does
	// not exist).
	IsLink(p string) (bool, error)
	// ReadLink returns the target link p holds.
	ReadLink(p string) (string, error)
}

// Resolved is where a path leads.
type Resolved struct {
	// Path is the path without links, relative to the tree's root ("."
	// for the root), when Outside is false.
	Path string
	// Outside: a link leads out of the tree. Path is then where: an
	// absolute link's target, or a path relative to the tree's root
	// that starts with "..", with the rest of the name joined to it.
	Outside bool
}

// Resolve follows the links of name (a clean slash path relative to the
// tree's root; "." is the root) in every element, the last one too when
// follow is set.
func Resolve(t Tree, name string, follow bool) (Resolved, error) {
	var todo []string
	if name != "." {
		todo = strings.Split(name, "/")
	}
	done := "."
	for links := 0; len(todo) > 0; {
		cur := path.Join(done, todo[0])
		todo = todo[1:]
		isLink, err := t.IsLink(cur)
		if err != nil {
			return Resolved{}, err
		}
		if !isLink || (len(todo) == 0 && !follow) {
			done = cur
			continue
		}
		if links++; links > MaxLinks {
			return Resolved{}, ErrTooManyLinks
		}
		target, err := t.ReadLink(cur)
		if err != nil {
			return Resolved{}, err
		}
		if path.IsAbs(target) {
			return Resolved{Path: path.Join(append([]string{target}, todo...)...), Outside: true}, nil
		}
		joined := path.Join(done, target)
		if joined == ".." || strings.HasPrefix(joined, "../") {
			return Resolved{Path: path.Join(append([]string{joined}, todo...)...), Outside: true}, nil
		}
		// The target's own elements may be links: walk them again from
		// the root.
		rest := todo
		todo = nil
		if joined != "." {
			todo = strings.Split(joined, "/")
		}
		todo = append(todo, rest...)
		done = "."
	}
	return Resolved{Path: done}, nil
}
