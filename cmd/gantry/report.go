package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/planner"
)

// writeReport writes the account of an apply (or destroy, when verb says
// so): one summary line when everything succeeded; otherwise what was
// done, what failed with the provider's error, what was left unverified
// and what was never started.
func writeReport(w io.Writer, verb string, res *applier.Result) {
	if res.Failure(verb) == nil {
		fmt.Fprintf(w, "%s complete in %s: %s.\n", capitalize(verb), applier.Round(res.Elapsed), summarise(res.Done))
		if len(res.Kept) > 0 {
			writeKept(w, res.Kept, 0)
			fmt.Fprintln(w)
		}
		return
	}
	state := "failed"
	if res.Interrupted && len(res.Failed) == 0 {
		state = "interrupted"
	}
	fmt.Fprintf(w, "%s %s after %s.\n", capitalize(verb), state, applier.Round(res.Elapsed))
	width := addressWidth(res)
	writeDone(w, res.Done, width)
	writeFailed(w, res.Failed, width)
	writeUnverified(w, res.Unverified, width)
	writeKept(w, res.Kept, width)
	writeNotStarted(w, res.NotStarted, width)
	fmt.Fprintln(w)
}

// addressWidth is the width of the address column: the longest address
// the report names (kept resources widen it for their own section only).
func addressWidth(res *applier.Result) int {
	width := 0
	for _, list := range [][]applier.Outcome{res.Done, res.Failed, res.Unverified} {
		for _, o := range list {
			if o.Change != nil {
				width = max(width, len(o.Change.Address))
			}
		}
	}
	for _, c := range res.NotStarted {
		width = max(width, len(c.Address))
	}
	return width
}

func writeDone(w io.Writer, done []applier.Outcome, width int) {
	if len(done) == 0 {
		return
	}
	if len(done) > planner.CompactAbove {
		// A large apply: what was done, counted; the failures and what
		// was not started follow in full.
		fmt.Fprintf(w, "\nDone (%d): %s.\n", len(done), summarise(done))
		return
	}
	fmt.Fprintf(w, "\nDone (%d):\n", len(done))
	for _, o := range done {
		fmt.Fprintf(w, "  %-12s %-*s  %s\n", o.PastTense(), width, o.Change.Address, detail(o))
	}
}

// writeFailed lists the failures with the provider's error; one that is
// no change's (a stage that timed out) is its error alone.
func writeFailed(w io.Writer, failed []applier.Outcome, width int) {
	if len(failed) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFailed (%d):\n", len(failed))
	for _, o := range failed {
		if o.Change == nil {
			fmt.Fprintf(w, "  %s\n", o.Err)
			continue
		}
		fmt.Fprintf(w, "  %-12s %-*s  %s\n", string(o.Op), width, o.Change.Address, trimAddress(o.Err, o.Change.Address))
	}
}

func writeUnverified(w io.Writer, unverified []applier.Outcome, width int) {
	if len(unverified) == 0 {
		return
	}
	fmt.Fprintf(w, "\nNot verified (%d): changed, but the deployment was not awaited once the apply stopped:\n", len(unverified))
	for _, o := range unverified {
		state := "health unknown"
		if o.Health != nil {
			state = applier.DescribeHealth(o.Health)
		}
		fmt.Fprintf(w, "  %-12s %-*s  %s\n", "unverified", width, o.Change.Address, state)
	}
}

func writeNotStarted(w io.Writer, notStarted []*planner.Change, width int) {
	if len(notStarted) == 0 {
		return
	}
	fmt.Fprintf(w, "\nNot started (%d):\n", len(notStarted))
	for _, c := range notStarted {
		fmt.Fprintf(w, "  %-12s %-*s  %s\n", string(c.Action), width, c.Address, c.Reason)
	}
}

// writeKept lists the deletions AWS refused because the resource holds
// data, its address column at least width wide.
func writeKept(w io.Writer, kept []applier.Kept, width int) {
	if len(kept) == 0 {
		return
	}
	for _, k := range kept {
		width = max(width, len(k.Resource.Address))
	}
	fmt.Fprintf(w, "\nKept (%d), holding data:\n", len(kept))
	for _, k := range kept {
		fmt.Fprintf(w, "  %-12s %-*s  %s\n", "kept", width, k.Resource.Address, k.Why)
	}
}

func detail(o applier.Outcome) string {
	if o.Op == applier.OpGate && o.Health != nil {
		return applier.DescribeHealth(o.Health)
	}
	return o.ID
}

// trimAddress drops the address an error starts with when the line names
// the resource already.
func trimAddress(err error, addr string) string {
	s := err.Error()
	return strings.TrimPrefix(s, addr+": ")
}

// summarise counts outcomes by operation, and gates by what they waited
// for: "3 created, 1 updated, 1 instance refresh completed, 2 services
// healthy".
func summarise(done []applier.Outcome) string {
	counts := map[string]int{}
	gates := map[applier.GateKind]int{}
	for _, o := range done {
		if o.Op == applier.OpGate {
			gates[o.Gate]++
			continue
		}
		counts[o.Op.PastTense()]++
	}
	var parts []string
	for _, k := range []string{"created", "updated", "new revision", "replaced", "deleted", "retired"} {
		if n := counts[k]; n > 0 {
			if k == "new revision" {
				parts = append(parts, countNoun(n, "new revision"))
				continue
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	for _, k := range applier.GateKinds() {
		if n := gates[k]; n > 0 {
			parts = append(parts, k.Count(n))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
