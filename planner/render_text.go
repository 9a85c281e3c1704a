package planner

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// ANSI colours for the text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// symbols mark each action at the start of a change line.
var symbols = map[Action]string{Create: "+", Update: "~", Replace: "±", Delete: "-", NoOp: "="}

var actionColors = map[Action]string{Create: ansiGreen, Update: ansiYellow, Replace: ansiRed, Delete: ansiRed, NoOp: ansiDim}

// RenderText writes the plan for a terminal or a CI log: a summary line,
// then each phase with its changes and, under each change, the
// properties that change, or, for a create, every property the new
// resource gets (a replacement shows both).
func RenderText(w io.Writer, p *Plan, opts RenderOptions) error {
	bw := bufio.NewWriter(w)
	c := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintf(bw, "Plan for %s\n", origin(p))
	fmt.Fprintln(bw, c(ansiBold, summaryLine(p)))
	if b := baseLine(p); b != "" {
		fmt.Fprintln(bw, b)
	}
	for _, l := range parameterLines(p) {
		fmt.Fprintln(bw, l)
	}
	if ds := destructiveLines(p); len(ds) > 0 {
		fmt.Fprintf(bw, "\n%s\n", c(ansiBold+ansiRed, fmt.Sprintf("This plan DELETES %s; apply asks for an explicit yes (--allow-delete):", plural(len(ds), "resource"))))
		for _, d := range ds {
			fmt.Fprintf(bw, "  %s %s\n", c(ansiRed, "-"), d)
		}
	}
	if ws := warningLines(p); len(ws) > 0 {
		fmt.Fprintln(bw)
		for _, w := range ws {
			fmt.Fprintf(bw, "%s %s\n", c(ansiBold+ansiYellow, "Warning:"), w)
		}
	}
	if r := retainedLine(p); r != "" {
		fmt.Fprintf(bw, "\n%s\n", r)
	}
	for _, ph := range p.Phases() {
		if opts.Summary {
			writeTextPhaseSummary(bw, ph, c)
			continue
		}
		fmt.Fprintf(bw, "\n%s\n", c(ansiBold+ansiCyan, "["+phaseLabel(ph)+"]"))
		for _, ch := range ph.Changes {
			writeTextChange(bw, ch, newResource(p, ch), c)
		}
	}
	if opts.Summary {
		fmt.Fprintf(bw, "\n%s\n", c(ansiDim, "Every change with its properties: gantry plan --env "+p.Scope.Environment+" (the same plan, in full)."))
	}
	if opts.IncludeNoOp {
		var noops []*Change
		for _, ch := range p.Changes {
			if ch.Action == NoOp {
				noops = append(noops, ch)
			}
		}
		if len(noops) > 0 {
			fmt.Fprintf(bw, "\n%s\n", c(ansiBold, "unchanged"))
			for _, ch := range noops {
				fmt.Fprintf(bw, "  %s %s  %s\n", c(ansiDim, "="), ch.Address, c(ansiDim, "("+short(ch.Type)+")"))
			}
		}
	}
	return bw.Flush()
}

// writeTextChange writes one change; created is the resource a create or
// replacement makes (nil otherwise), whose properties follow the diffs.
func writeTextChange(w io.Writer, ch *Change, created *graph.Resource, c func(code, s string) string) {
	col := actionColors[ch.Action]
	line := fmt.Sprintf("  %s %s %s", c(col, symbols[ch.Action]), c(ansiBold, ch.Address), c(ansiDim, "("+short(ch.Type)+")"))
	detail := []string{actionVerb(ch)}
	if it := impactText(ch); it != "" {
		detail = append(detail, it)
	}
	if ch.Cause != "" && ch.Cause != CauseNew && ch.Cause != CauseRemoved {
		detail = append(detail, "cause: "+string(ch.Cause))
	}
	detail = append(detail, originDetail(ch)...)
	fmt.Fprintf(w, "%s %s\n", line, c(col, strings.Join(detail, ", ")))
	if ch.Action == Replace {
		fmt.Fprintf(w, "      %s\n", c(ansiDim, ch.Reason))
	}
	for _, d := range allDiffs(ch) {
		header, body := diffLines(d)
		fmt.Fprintf(w, "      %s\n", header)
		for _, l := range body {
			switch {
			case strings.HasPrefix(l, "+"):
				l = c(ansiGreen, l)
			case strings.HasPrefix(l, "-"):
				l = c(ansiRed, l)
			case strings.HasPrefix(l, "@@"):
				l = c(ansiCyan, l)
			}
			fmt.Fprintf(w, "        %s\n", l)
		}
	}
	if created == nil {
		return
	}
	indent := "      "
	if ch.Action == Replace {
		fmt.Fprintf(w, "      %s\n", c(ansiDim, "the new "+short(ch.Type)+":"))
		indent += "  "
	}
	for _, l := range propertyLines(shownProperties(created), ch.ForceNew) {
		if strings.HasSuffix(l, forcesMark) {
			l = c(ansiRed, l)
		}
		fmt.Fprintf(w, "%s%s\n", indent, l)
	}
}

// writeTextPhaseSummary writes a phase as counts per type and action,
// then each replacement and deletion on its own line.
func writeTextPhaseSummary(w io.Writer, ph Phase, c func(code, s string) string) {
	fmt.Fprintf(w, "\n%s %s\n", c(ansiBold+ansiCyan, "["+phaseLabel(ph)+"]"), phaseCounts(ph))
	type key struct {
		typ    string
		action Action
	}
	counts := map[key]int{}
	var keys []key
	for _, ch := range ph.Changes {
		k := key{ch.Type, ch.Action}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if ri, rj := catalog.Rank(keys[i].typ), catalog.Rank(keys[j].typ); ri != rj {
			return ri < rj
		}
		return keys[i].action < keys[j].action
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %s %d %s to %s\n", c(actionColors[k.action], symbols[k.action]), counts[k], short(k.typ), k.action)
	}
	for _, ch := range ph.Changes {
		if ch.Action == Replace || ch.Action == Delete {
			detail := []string{actionVerb(ch)}
			if it := impactText(ch); it != "" {
				detail = append(detail, it)
			}
			fmt.Fprintf(w, "    %s %s %s %s\n", c(actionColors[ch.Action], symbols[ch.Action]), ch.Address, c(ansiDim, "("+short(ch.Type)+")"), c(actionColors[ch.Action], strings.Join(detail, ", ")))
		}
	}
}
