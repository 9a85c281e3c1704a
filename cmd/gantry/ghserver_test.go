package main

import (
	"fmt"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gantry-gitops/gantry/internal/ghcomment/ghfake"
)

// ghServerKey holds, in a script's values, the fake GitHub API ghserver
// started (nil before ghserver start).
type ghServerKey struct{}

// cmdGHServer drives the fake GitHub API of a script:
//
//	ghserver start OWNER/NAME TOKEN [PAGESIZE]  start it; sets GITHUB_API_URL
//	ghserver add PR FILE                        a comment on PR with FILE's text
//	ghserver fail STATUS                        answer every request with STATUS (429: rate limit)
//	ghserver requests                           print "METHOD PATH?QUERY (BODY bytes)" per request
//	ghserver comments PR                        print PR's comments: "== ID" and the body
func cmdGHServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! ghserver")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: ghserver start|add|fail|requests|comments ...")
	}
	slot := ts.Value(ghServerKey{}).(**ghfake.Server)
	if args[0] == "start" {
		if len(args) < 3 {
			ts.Fatalf("usage: ghserver start OWNER/NAME TOKEN [PAGESIZE]")
		}
		srv := ghfake.New(args[1], args[2])
		if len(args) > 3 {
			srv.PageSize = atoi(ts, args[3])
		}
		*slot = srv
		ts.Defer(srv.Close)
		ts.Setenv("GITHUB_API_URL", srv.URL)
		return
	}
	srv := *slot
	if srv == nil {
		ts.Fatalf("ghserver start first")
	}
	switch args[0] {
	case "add":
		srv.Add(atoi(ts, args[1]), ts.ReadFile(args[2]))
	case "fail":
		srv.Fail(atoi(ts, args[1]))
	case "requests":
		for _, r := range srv.Requests() {
			fmt.Fprintf(ts.Stdout(), "%s %s?%s (%d bytes)\n", r.Method, r.Path, r.Query, len(r.Body))
		}
	case "comments":
		for _, c := range srv.Comments(atoi(ts, args[1])) {
			fmt.Fprintf(ts.Stdout(), "== %d\n%s", c.ID, c.Body)
		}
	default:
		ts.Fatalf("ghserver: unknown subcommand %q", args[0])
	}
}

func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	ts.Check(err)
	return n
}
