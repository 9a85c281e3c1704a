package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestImageGitScripts runs the scripts of gantry image set and gantry
// promote that need a git repository (testdata/imagegit): git-go
// (gitcmd_test.go) builds the repositories, and these commands, through
// go-git too (no git binary), set them up and read what was committed:
//
//	gitconfig DIR NAME EMAIL    the repository's user.name and user.email
//	gitstage DIR FILE           stage FILE (relative to DIR)
//	githead DIR                 print HEAD's message, author, and per file the
//	                            lines the commit adds and deletes
//	gitclean DIR                fail unless the work tree matches HEAD
func TestImageGitScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/imagegit",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "1")
			e.Setenv("GITHUB_ACTIONS", "")
			e.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"git-go":    cmdGitGo,
			"gitconfig": gitConfig,
			"gitstage":  gitStage,
			"githead":   gitHead,
			"gitclean":  gitClean,
		},
	})
}

func gitConfig(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: gitconfig DIR NAME EMAIL")
	}
	repo, err := git.PlainOpen(ts.MkAbs(args[0]))
	ts.Check(err)
	cfg, err := repo.Config()
	ts.Check(err)
	cfg.User.Name, cfg.User.Email = args[1], args[2]
	ts.Check(repo.SetConfig(cfg))
}

func gitStage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gitstage DIR FILE")
	}
	repo, err := git.PlainOpen(ts.MkAbs(args[0]))
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	_, err = wt.Add(filepath.ToSlash(args[1]))
	ts.Check(err)
}

// gitHead prints what HEAD's commit is: its message, author, and per file
// the lines added and deleted against its parent.
func gitHead(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: githead DIR")
	}
	repo, err := git.PlainOpen(ts.MkAbs(args[0]))
	ts.Check(err)
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

func gitClean(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: gitclean DIR")
	}
	repo, err := git.PlainOpen(ts.MkAbs(args[0]))
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	st, err := wt.Status()
	ts.Check(err)
	switch {
	case st.IsClean() && neg:
		ts.Fatalf("the work tree is clean")
	case !st.IsClean() && !neg:
		ts.Fatalf("the work tree is not clean:\n%s", st)
	}
}
