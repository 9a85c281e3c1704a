package planner

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
)

// MarkdownLimit is the most characters a markdown plan may have: a GitHub
// comment holds 65,536, and the rest is margin for whatever CI wraps
// around it.
const MarkdownLimit = 65000

// markdown detail levels, from the full plan down to counts. The first
// that fits the limit is used, so the same plan always renders the same.
const (
	mdFull    = iota // every change with its property diffs, new resources with their properties
	mdDiffs          // the same without the properties of new resources
	mdFolded         // one line per change
	mdGrouped        // addresses only, grouped by type and action
	mdCounts         // counts per stage and type; replacements and deletions by address
	mdMinimal        // counts per stage and type only
)

var mdSymbols = map[Action]string{Create: "🟢", Update: "🟡", Replace: "🔴", Delete: "❌", NoOp: "⚪"}

// RenderMarkdown writes the plan for a pull-request comment: a summary
// table first, then one collapsible section per phase with the property
// diffs in diff code blocks and the properties of each new resource (a
// create, the resource a replacement makes) in a collapsed block. It
// always fits in opts.MaxMarkdown (MarkdownLimit) characters: when the
// full plan would not, the properties of new resources go first, then
// details are folded to one line per change, then to counts per stage and
// type, and the comment says so.
func RenderMarkdown(w io.Writer, p *Plan, opts RenderOptions) error {
	limit := opts.MaxMarkdown
	if limit <= 0 {
		limit = MarkdownLimit
	}
	var out string
	for level := mdFull; level <= mdMinimal; level++ {
		out = markdown(p, level)
		if len([]rune(out)) <= limit {
			break
		}
	}
	if r := []rune(out); len(r) > limit {
		// Only a limit far below any real comment gets here.
		note := "\n\n_(cut at the size limit)_\n"
		out = string(r[:limit-len([]rune(note))]) + note
	}
	_, err := io.WriteString(w, out)
	return err
}

// fullPlanHint says where the whole plan is, true whether or not it was
// saved: the markdown renderer does not know about --out.
const fullPlanHint = "The full plan, every property diff included, is in `gantry plan --format text` " +
	"(or `gantry show FILE` when the plan was saved with `--out FILE`)."

func markdown(p *Plan, level int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### gantry plan: `%s` / `%s`\n\n", p.Scope.Project, p.Scope.Environment)
	s := p.Summary()
	b.WriteString("| create | update | replace | delete | unchanged |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d |\n\n", s[Create], s[Update], s[Replace], s[Delete], s[NoOp])
	fmt.Fprintf(&b, "<sub>%s · gantry %s</sub>\n\n", origin(p), p.GantryVersion)
	if l := baseLine(p); l != "" {
		b.WriteString(mdEscape(l) + "\n\n")
	}
	for _, l := range parameterLines(p) {
		b.WriteString(mdEscape(l) + "\n\n")
	}
	writeMarkdownDestructive(&b, p, level)
	writeMarkdownWarnings(&b, p)
	if r := retainedLine(p); r != "" {
		b.WriteString("> [!NOTE]\n> " + mdEscape(r) + "\n\n")
	}
	if s.Changed() == 0 {
		b.WriteString("**No changes.** The environment matches the configuration.\n")
		return b.String()
	}
	switch level {
	case mdDiffs:
		b.WriteString("> [!NOTE]\n> This plan is too long for one comment in full: the properties of new resources are left out " +
			"(changes to existing resources are shown in full). " + fullPlanHint + "\n\n")
	case mdFolded:
		b.WriteString("> [!NOTE]\n> This plan is too long for one comment in full: each change is folded to one line. " + fullPlanHint + "\n\n")
	case mdGrouped:
		b.WriteString("> [!NOTE]\n> This plan is too long for one comment in full: changes are listed by address only, grouped by type and action. " + fullPlanHint + "\n\n")
	case mdCounts, mdMinimal:
		b.WriteString("> [!NOTE]\n> This plan is too long for one comment: it is shortened to counts per stage and type" +
			map[bool]string{true: ", with every replacement and deletion listed", false: ""}[level == mdCounts] +
			". " + fullPlanHint + "\n\n")
	}
	if level < mdCounts {
		writeMarkdownReplacements(&b, p)
	}
	for _, ph := range p.Phases() {
		// Deletions are never collapsed, nor, once changes are counted,
		// the phases that list replacements.
		open := ""
		if ph.Deletions || level == mdCounts && phaseHas(ph, Replace) {
			open = " open"
		}
		fmt.Fprintf(&b, "<details%s><summary><b>%s</b> — %s</summary>\n\n", open, phaseLabel(ph), phaseCounts(ph))
		switch level {
		case mdFull, mdDiffs:
			for _, c := range ph.Changes {
				var created *graph.Resource
				if level == mdFull {
					created = newResource(p, c)
				}
				writeMarkdownChange(&b, c, created)
			}
		case mdFolded:
			for _, c := range ph.Changes {
				fmt.Fprintf(&b, "- %s `%s` %s%s\n", mdSymbols[c.Action], c.Address, changeSummary(c), foldedProps(c))
			}
		case mdGrouped:
			writeGrouped(&b, ph)
		default:
			writeCounts(&b, ph, level == mdCounts)
		}
		if !strings.HasSuffix(b.String(), "\n\n") {
			b.WriteString("\n")
		}
		b.WriteString("</details>\n\n")
	}
	return b.String()
}

// phaseCounts is "3 to create, 1 to update" for a phase.
func phaseCounts(ph Phase) string {
	n := map[Action]int{}
	for _, c := range ph.Changes {
		n[c.Action]++
	}
	var parts []string
	for _, a := range Actions {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// changeSummary is the one-line description of a change: type, action,
// impact and cause.
func changeSummary(c *Change) string {
	parts := []string{short(c.Type), actionVerb(c)}
	if it := impactText(c); it != "" {
		parts = append(parts, it)
	}
	if c.Cause != "" && c.Cause != CauseNew && c.Cause != CauseRemoved {
		parts = append(parts, "cause: "+string(c.Cause))
	}
	parts = append(parts, originDetail(c)...)
	return "— " + strings.Join(parts, ", ")
}

// foldedProps names the changed properties, for a folded line.
func foldedProps(c *Change) string {
	if len(c.Diffs) == 0 {
		return ""
	}
	return " (" + changedNames(c.Diffs) + ")"
}

// writeMarkdownChange writes one change with its property diffs; created
// is the resource a create or replacement makes (nil when its properties
// are left out), shown in a collapsed block.
func writeMarkdownChange(b *strings.Builder, c *Change, created *graph.Resource) {
	fmt.Fprintf(b, "- %s **`%s`** %s\n", mdSymbols[c.Action], c.Address, changeSummary(c))
	if c.Action == Replace {
		fmt.Fprintf(b, "  <br>%s\n", c.Reason)
	}
	if len(c.Diffs) > 0 {
		var lines []string
		for _, d := range allDiffs(c) {
			header, body := diffLines(d)
			lines = append(lines, "@@ "+header+" @@")
			lines = append(lines, body...)
		}
		writeCodeBlock(b, "diff", lines)
	}
	if created == nil {
		return
	}
	lines := propertyLines(shownProperties(created), c.ForceNew)
	if len(lines) == 0 {
		return
	}
	title := "properties"
	if c.Action == Replace {
		title = "properties of the new " + short(c.Type)
	}
	// A blank line after <summary> lets GitHub render the code block
	// inside; the indentation keeps the block in the list item.
	fmt.Fprintf(b, "\n  <details><summary>%s</summary>\n", title)
	writeCodeBlock(b, "yaml", lines)
	// An HTML block runs to the next blank line: without one, the next
	// list item would be swallowed into it.
	b.WriteString("\n  </details>\n\n")
}

// writeCodeBlock writes lines as a fenced code block of lang, indented to
// stay in a list item.
func writeCodeBlock(b *strings.Builder, lang string, lines []string) {
	fence := codeFence(lines)
	b.WriteString("\n  " + fence + lang + "\n")
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("  " + fence + "\n")
}

// codeFence returns a backtick fence longer than any run of backticks in
// lines, so values can never close the code block early.
func codeFence(lines []string) string {
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				if run > longest {
					longest = run
				}
			} else {
				run = 0
			}
		}
	}
	if longest < 3 {
		return "```"
	}
	return strings.Repeat("`", longest+1)
}

// writeCounts writes a phase as a table of counts per type and action,
// then (when full) every replacement and deletion by address.
func writeCounts(b *strings.Builder, ph Phase, listDestructive bool) {
	counts := map[string]map[Action]int{}
	var types []string
	for _, c := range ph.Changes {
		if counts[c.Type] == nil {
			counts[c.Type] = map[Action]int{}
			types = append(types, c.Type)
		}
		counts[c.Type][c.Action]++
	}
	sort.Slice(types, func(i, j int) bool {
		if ri, rj := catalog.Rank(types[i]), catalog.Rank(types[j]); ri != rj {
			return ri < rj
		}
		return types[i] < types[j]
	})
	b.WriteString("| type | create | update | replace | delete |\n|---|---:|---:|---:|---:|\n")
	for _, t := range types {
		n := counts[t]
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n", short(t), n[Create], n[Update], n[Replace], n[Delete])
	}
	if !listDestructive {
		return
	}
	first := true
	for _, c := range ph.Changes {
		if c.Action != Replace && c.Action != Delete {
			continue
		}
		if first {
			b.WriteString("\n")
			first = false
		}
		fmt.Fprintf(b, "- %s `%s` %s\n", mdSymbols[c.Action], c.Address, changeSummary(c))
	}
}

// writeGrouped lists a phase's changes by address only, one line per group
// of changes of the same type, action, impact and cause.
func writeGrouped(b *strings.Builder, ph Phase) {
	type group struct {
		head  string
		addrs []string
	}
	var groups []*group
	idx := map[string]*group{}
	for _, c := range ph.Changes {
		head := mdSymbols[c.Action] + " " + strings.TrimPrefix(changeSummary(c), "— ")
		g := idx[head]
		if g == nil {
			g = &group{head: head}
			idx[head] = g
			groups = append(groups, g)
		}
		g.addrs = append(g.addrs, "`"+c.Address+"`")
	}
	for _, g := range groups {
		fmt.Fprintf(b, "- %s (%d): %s\n", g.head, len(g.addrs), strings.Join(g.addrs, ", "))
	}
}

// writeMarkdownWarnings writes the plan's warnings as one alert, outside
// any collapsed section, at every level of shortening.
func writeMarkdownWarnings(b *strings.Builder, p *Plan) {
	ws := warningLines(p)
	if len(ws) == 0 {
		return
	}
	b.WriteString("> [!WARNING]\n")
	for _, w := range ws {
		b.WriteString("> - " + mdEscape(w) + "\n")
	}
	b.WriteString("\n")
}

// mdEscape keeps a line of text from being read as markup inside an
// alert: HTML is escaped, backticks and asterisks too.
func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_").Replace(s)
}

// mdDestructiveMax bounds the destructive deletions the caution lists by
// address at the shortened levels (every one at the full levels).
const mdDestructiveMax = 100

// writeMarkdownDestructive writes the destructive deletions as a caution
// alert at the top, outside any collapsed section, with what each loses;
// from mdCounts on, at most mdDestructiveMax of them by address.
func writeMarkdownDestructive(b *strings.Builder, p *Plan, level int) {
	ds := p.Destructive()
	if len(ds) == 0 {
		return
	}
	b.WriteString("> [!CAUTION]\n")
	fmt.Fprintf(b, "> **This plan deletes %s** (apply asks for an explicit yes, `--allow-delete`)", plural(len(ds), "resource"))
	if w := dataWarning(p, 10); w != "" {
		b.WriteString(". " + w)
	}
	b.WriteString("\n")
	for i, c := range ds {
		if level >= mdCounts && i == mdDestructiveMax {
			fmt.Fprintf(b, "> - and %d more (the full plan lists them)\n", len(ds)-i)
			break
		}
		fmt.Fprintf(b, "> - %s `%s` (%s): %s\n", mdSymbols[Delete], c.Address, short(c.Type), mdEscape(c.Lost()))
	}
	b.WriteString("\n")
}

// writeMarkdownReplacements lists every replacement on one line,
// outside the collapsed phases, so that none needs expanding (the
// deletion phases are open).
func writeMarkdownReplacements(b *strings.Builder, p *Plan) {
	var lines []string
	for _, c := range p.Changes {
		if c.Action == Replace {
			lines = append(lines, fmt.Sprintf("- %s `%s` %s — %s", mdSymbols[c.Action], c.Address, changeSummary(c), mdEscape(c.Reason)))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "**%s:**\n\n%s\n\n", map[bool]string{true: "Replacement", false: "Replacements"}[len(lines) == 1], strings.Join(lines, "\n"))
}

// phaseHas reports whether a phase has a change with action a.
func phaseHas(ph Phase, a Action) bool {
	for _, c := range ph.Changes {
		if c.Action == a {
			return true
		}
	}
	return false
}
