package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdGitGo is the testscript command git-go: real git repositories built
// with go-git (never the git binary), in the script's current directory.
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
//
// Commits get a fixed author and a clock that moves a minute per commit,
// so hashes are the same on every run.
func cmdGitGo(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! git-go")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: git-go init|commit|branch|checkout|merge|rev ...")
	}
	dir := ts.MkAbs(".")
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
	default:
		ts.Fatalf("usage: git-go init|commit MSG|branch NAME|checkout [-b] NAME|merge NAME [MSG]|rev VAR REV")
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
