package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdGitGo is the testscript command git-go: real git repositories built
// and read with go-git (never the git binary), in the script's current
// directory or, with -C DIR first, in DIR.
//
//	git-go init                 a repository, default branch main, no commit
//	git-go commit MSG           stage everything (deletions too) and commit
//	git-go branch NAME          a branch at HEAD (HEAD stays where it is)
//	git-go checkout [-b] NAME   switch to branch NAME (-b: create it at HEAD)
//	git-go merge NAME [MSG]     merge branch NAME into HEAD's branch: a fast
//	                            forward when HEAD is behind, else a merge
//	                            commit with both parents (the branch's
//	                            changes since the merge base applied; a file
//	                            both sides changed differently fails)
//	git-go rev VAR REV          set $VAR to the full hash REV names
//	git-go config NAME EMAIL    the repository's user.name and user.email
//	git-go add FILE             stage FILE alone (a path in the repository)
//	git-go head                 print HEAD's message, author, parents, and per
//	                            file the lines it adds and deletes
//	[!] git-go clean            fail unless (with !: when) the work tree and
//	                            index match HEAD
//
// Commits get a fixed author and a clock that moves a minute per commit,
// so hashes are the same on every run.
func cmdGitGo(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs(".")
	if len(args) >= 2 && args[0] == "-C" {
		dir, args = ts.MkAbs(args[1]), args[2:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: git-go [-C DIR] init|commit|branch|checkout|merge|rev|config|add|head|clean ...")
	}
	if neg && args[0] != "clean" {
		ts.Fatalf("unsupported: ! git-go %s (only clean can be negated)", args[0])
	}
	if args[0] == "init" {
		_, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
		ts.Check(err)
		return
	}
	repo, err := git.PlainOpen(dir)
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	switch sub, rest := args[0], args[1:]; {
	case sub == "commit" && len(rest) == 1:
		gitGoCommit(ts, repo, wt, rest[0])
	case sub == "branch" && len(rest) == 1:
		head, err := repo.Head()
		ts.Check(err)
		ts.Check(repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName(rest[0]), head.Hash())))
	case sub == "checkout" && len(rest) == 1:
		ts.Check(wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(rest[0]), Keep: false}))
	case sub == "checkout" && len(rest) == 2 && rest[0] == "-b":
		ts.Check(wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(rest[1]), Create: true}))
	case sub == "merge" && (len(rest) == 1 || len(rest) == 2):
		msg := "Merge branch '" + rest[0] + "'"
		if len(rest) == 2 {
			msg = rest[1]
		}
		ts.Check(gitGoMerge(ts, repo, wt, rest[0], msg))
	case sub == "rev" && len(rest) == 2:
		h, err := repo.ResolveRevision(plumbing.Revision(rest[1]))
		ts.Check(err)
		ts.Setenv(rest[0], h.String())
	case sub == "config" && len(rest) == 2:
		cfg, err := repo.Config()
		ts.Check(err)
		cfg.User.Name, cfg.User.Email = rest[0], rest[1]
		ts.Check(repo.SetConfig(cfg))
	case sub == "add" && len(rest) == 1:
		_, err := wt.Add(filepath.ToSlash(rest[0]))
		ts.Check(err)
	case sub == "head" && len(rest) == 0:
		gitGoHead(ts, repo)
	case sub == "clean" && len(rest) == 0:
		gitGoClean(ts, wt, neg)
	default:
		ts.Fatalf("usage: git-go [-C DIR] init|commit MSG|branch NAME|checkout [-b] NAME|merge NAME [MSG]|rev VAR REV|config NAME EMAIL|add FILE|head|clean")
	}
}

// gitGoHead prints what HEAD's commit is: its message, author, number of
// parents, and per file the lines added and deleted against its parent.
func gitGoHead(ts *testscript.TestScript, repo *git.Repository) {
	head, err := repo.Head()
	ts.Check(err)
	c, err := repo.CommitObject(head.Hash())
	ts.Check(err)
	var b strings.Builder
	fmt.Fprintf(&b, "message: %s\n", strings.TrimSuffix(c.Message, "\n"))
	fmt.Fprintf(&b, "author: %s <%s>\n", c.Author.Name, c.Author.Email)
	fmt.Fprintf(&b, "parents: %d\n", c.NumParents())
	stats, err := c.Stats()
	ts.Check(err)
	for _, s := range stats {
		fmt.Fprintf(&b, "%s +%d -%d\n", s.Name, s.Addition, s.Deletion)
	}
	_, err = fmt.Fprint(ts.Stdout(), b.String())
	ts.Check(err)
}

// gitGoClean fails unless the work tree is clean (neg: unless it is not).
func gitGoClean(ts *testscript.TestScript, wt *git.Worktree, neg bool) {
	st, err := wt.Status()
	ts.Check(err)
	switch {
	case st.IsClean() && neg:
		ts.Fatalf("the work tree is clean")
	case !st.IsClean() && !neg:
		ts.Fatalf("the work tree is not clean:\n%s", st)
	}
}

// gitGoCommit stages every change of the work tree and commits it;
// parents, when given, replace HEAD as the commit's parents (a merge).
func gitGoCommit(ts *testscript.TestScript, repo *git.Repository, wt *git.Worktree, msg string, parents ...plumbing.Hash) {
	ts.Check(wt.AddWithOptions(&git.AddOptions{All: true}))
	n, _ := strconv.Atoi(ts.Getenv("GIT_GO_COMMITS"))
	ts.Setenv("GIT_GO_COMMITS", strconv.Itoa(n+1))
	sig := &object.Signature{Name: "Gantry Test", Email: "test@example.com", When: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)}
	_, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, Parents: parents, AllowEmptyCommits: len(parents) > 0})
	ts.Check(err)
}

// gitGoMerge merges branch into HEAD (see cmdGitGo).
func gitGoMerge(ts *testscript.TestScript, repo *git.Repository, wt *git.Worktree, branch, msg string) error {
	headRef, err := repo.Head()
	if err != nil {
		return err
	}
	head, err := repo.CommitObject(headRef.Hash())
	if err != nil {
		return err
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		return fmt.Errorf("merge %s: %w", branch, err)
	}
	other, err := repo.CommitObject(ref.Hash())
	if err != nil {
		return err
	}
	bases, err := head.MergeBase(other)
	if err != nil || len(bases) == 0 {
		return fmt.Errorf("merge %s: no merge base (%v)", branch, err)
	}
	base := bases[0]
	switch {
	case base.Hash == other.Hash:
		return nil // already merged
	case base.Hash == head.Hash:
		return wt.Reset(&git.ResetOptions{Commit: other.Hash, Mode: git.HardReset})
	}
	baseTree, _ := base.Tree()
	headTree, _ := head.Tree()
	otherTree, _ := other.Tree()
	theirs, err := baseTree.Diff(otherTree)
	if err != nil {
		return err
	}
	ours, err := baseTree.Diff(headTree)
	if err != nil {
		return err
	}
	oursByPath := map[string]*object.Change{}
	for _, c := range ours {
		oursByPath[changePath(c)] = c
	}
	root := wt.Filesystem.Root()
	for _, c := range theirs {
		p := changePath(c)
		if o, ok := oursByPath[p]; ok && o.To.TreeEntry.Hash != c.To.TreeEntry.Hash {
			return fmt.Errorf("merge %s: %s changed on both sides (conflict)", branch, p)
		}
		dest := filepath.Join(root, filepath.FromSlash(p))
		if c.To.Name == "" { // deleted on the branch
			if err := os.Remove(dest); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		f, err := otherTree.File(c.To.Name)
		if err != nil {
			return err
		}
		content, err := f.Contents()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dest, []byte(content), 0o644); err != nil {
			return err
		}
	}
	gitGoCommit(ts, repo, wt, msg, head.Hash, other.Hash)
	return nil
}

// changePath is the path a tree change is about.
func changePath(c *object.Change) string {
	if c.To.Name != "" {
		return c.To.Name
	}
	return c.From.Name
}
