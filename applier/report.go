package applier

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// pastTense is how reports name a finished operation.
var pastTense = map[Op]string{
	OpCreate:       "created",
	OpUpdate:       "updated",
	OpNewRevision:  "new revision",
	OpReplace:      "replaced",
	OpReplaceFirst: "replaced",
	OpDelete:       "deleted",
	OpRetire:       "retired",
	OpGate:         "healthy",
	// The extra steps of one change (a handover, a two-phase update):
	// named in progress lines, not counted apart in summaries.
	OpHold:   "held",
	OpLeave:  "left",
	OpRevoke: "revoked",
}

// WriteReport writes the account of an apply (or destroy, when verb says
// so): one summary line when everything succeeded; otherwise what was
// done, what failed with the provider's error, what was left unverified
// and what was never started.
func WriteReport(w io.Writer, verb string, res *Result) {
	if res.Failure(verb) == nil {
		fmt.Fprintf(w, "%s complete in %s: %s.\n", capitalize(verb), round(res.Elapsed), summarise(res.Done))
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
	fmt.Fprintf(w, "%s %s after %s.\n", capitalize(verb), state, round(res.Elapsed))
	width := 0
	for _, list := range [][]Outcome{res.Done, res.Failed, res.Unverified} {
		for _, o := range list {
			if o.Change != nil {
				width = max(width, len(o.Change.Address))
			}
		}
	}
	for _, c := range res.NotStarted {
		width = max(width, len(c.Address))
	}
	if len(res.Done) > 0 {
		fmt.Fprintf(w, "\nDone (%d):\n", len(res.Done))
		for _, o := range res.Done {
			fmt.Fprintf(w, "  %-12s %-*s  %s\n", pastTense[o.Op], width, o.Change.Address, detail(o))
		}
	}
	if len(res.Failed) > 0 {
		fmt.Fprintf(w, "\nFailed (%d):\n", len(res.Failed))
		for _, o := range res.Failed {
			if o.Change == nil {
				fmt.Fprintf(w, "  %s\n", o.Err)
				continue
			}
			fmt.Fprintf(w, "  %-12s %-*s  %s\n", string(o.Op), width, o.Change.Address, trimAddress(o.Err, o.Change.Address))
		}
	}
	if len(res.Unverified) > 0 {
		fmt.Fprintf(w, "\nNot verified (%d): changed, but the deployment was not awaited once the apply stopped:\n", len(res.Unverified))
		for _, o := range res.Unverified {
			state := "health unknown"
			if o.Health != nil {
				state = describeHealth(o.Health)
			}
			fmt.Fprintf(w, "  %-12s %-*s  %s\n", "unverified", width, o.Change.Address, state)
		}
	}
	writeKept(w, res.Kept, width)
	if len(res.NotStarted) > 0 {
		fmt.Fprintf(w, "\nNot started (%d):\n", len(res.NotStarted))
		for _, c := range res.NotStarted {
			fmt.Fprintf(w, "  %-12s %-*s  %s\n", string(c.Action), width, c.Address, c.Reason)
		}
	}
	fmt.Fprintln(w)
}

func writeKept(w io.Writer, kept []Kept, width int) {
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

func detail(o Outcome) string {
	if o.Op == OpGate && o.Health != nil {
		return describeHealth(o.Health)
	}
	return o.ID
}

// trimAddress drops the address an error starts with when the line names
// the resource already.
func trimAddress(err error, addr string) string {
	s := err.Error()
	return strings.TrimPrefix(s, addr+": ")
}

// summarise counts outcomes by operation: "3 created, 1 updated, 2 healthy".
func summarise(done []Outcome) string {
	counts := map[string]int{}
	for _, o := range done {
		counts[pastTense[o.Op]]++
	}
	var parts []string
	for _, k := range []string{"created", "updated", "new revision", "replaced", "deleted", "retired", "healthy"} {
		if n := counts[k]; n > 0 {
			label := k
			switch k {
			case "new revision":
				parts = append(parts, plural(n, "new revision", "new revisions"))
				continue
			case "healthy":
				parts = append(parts, plural(n, "service", "services")+" healthy")
				continue
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}

// round shortens a duration for humans.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
