package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hexops/gotextdiff"
	"github.com/hexops/gotextdiff/myers"

	"github.com/gantry-gitops/gantry/catalog"
)

// Format is a plan rendering.
type Format string

// The formats gantry plan and gantry show write.
const (
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
)

// Formats lists every format, for flag help.
var Formats = []Format{FormatText, FormatMarkdown, FormatJSON}

// RenderOptions tune a rendering.
type RenderOptions struct {
	// Color adds ANSI colours (text only).
	Color bool
	// IncludeNoOp lists unchanged resources too (text and JSON).
	IncludeNoOp bool
	// MaxMarkdown is the markdown size limit (MarkdownLimit when 0).
	MaxMarkdown int
	// Summary (text only) writes counts per phase and type, with every
	// replacement and deletion by address, instead of every change: what
	// apply shows of a large plan (CompactAbove changes), the full plan
	// being one gantry plan away.
	Summary bool
}

// CompactAbove is the number of changes above which apply shows the
// plan's summary (RenderOptions.Summary) and compact progress rather
// than a line per change.
const CompactAbove = 50

// Render writes p in format f.
func Render(w io.Writer, p *Plan, f Format, opts RenderOptions) error {
	switch f {
	case FormatText, "":
		return RenderText(w, p, opts)
	case FormatMarkdown:
		return RenderMarkdown(w, p, opts)
	case FormatJSON:
		return RenderJSON(w, p, opts)
	}
	return fmt.Errorf("unknown format %q (want text, markdown or json)", f)
}

// placeholders are shown as they are, never quoted.
var placeholders = map[string]bool{Masked: true, KnownAfterApply: true, NewRevision: true}

// formatValue renders a diff value on one line when it fits, else as a
// multi-line block (and multi reports which).
func formatValue(v any) (s string, multi bool) {
	switch x := v.(type) {
	case nil:
		return "(none)", false
	case string:
		if placeholders[x] {
			return x, false
		}
		if strings.Contains(x, "\n") {
			return x, true
		}
		b, _ := json.Marshal(x)
		return string(b), false
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		if len(b) <= 80 {
			return string(b), false
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		return strings.TrimRight(buf.String(), "\n"), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), false
	}
	return string(b), false
}

// unified returns the unified diff of two multi-line texts, without the
// file header lines.
func unified(before, after string) []string {
	if !strings.HasSuffix(before, "\n") {
		before += "\n"
	}
	if !strings.HasSuffix(after, "\n") {
		after += "\n"
	}
	edits := myers.ComputeEdits("", before, after)
	u := gotextdiff.ToUnified("before", "after", before, edits)
	var lines []string
	hunks := 0
	for _, l := range strings.Split(strings.TrimRight(fmt.Sprint(u), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "--- "), strings.HasPrefix(l, "+++ "):
			continue
		case strings.HasPrefix(l, "@@"):
			// Line numbers mean nothing to a reviewer of a property value;
			// only a gap between two hunks is worth marking.
			hunks++
			if hunks > 1 {
				lines = append(lines, " …")
			}
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// diffLines renders one property diff as lines of a diff: a header naming
// the path, then "-" and "+" lines, or a unified diff for multi-line
// values.
func diffLines(d PropertyDiff) (header string, body []string) {
	header = d.Path
	if d.ForceNew {
		header += " (forces replacement)"
	}
	b, bm := formatValue(d.Before)
	a, am := formatValue(d.After)
	if (bm || am) && d.Before != nil && d.After != nil {
		return header, unified(b, a)
	}
	if d.Before != nil {
		for _, l := range strings.Split(b, "\n") {
			body = append(body, "- "+l)
		}
	}
	if d.After != nil {
		for _, l := range strings.Split(a, "\n") {
			body = append(body, "+ "+l)
		}
	}
	return header, body
}

// allDiffs are a change's property diffs, then the removals a two-phase
// update makes later (Change.Deferred), their paths saying when.
func allDiffs(c *Change) []PropertyDiff {
	if c.Deferred == nil || len(c.Deferred.Revoke) == 0 {
		return c.Diffs
	}
	out := append([]PropertyDiff(nil), c.Diffs...)
	for _, d := range c.Deferred.Revoke {
		d.Path = fmt.Sprintf("%s, revoked in stage %d (%s) once %s healthy", d.Path, int(c.Deferred.Stage), c.Deferred.Stage, joinAnd(c.Deferred.After)+
			map[bool]string{true: " is", false: " are"}[len(c.Deferred.After) == 1])
		out = append(out, d)
	}
	return out
}

// actionVerb is how a change's action reads in a sentence.
func actionVerb(c *Change) string {
	switch c.Action {
	case Update:
		if c.Impact == ImpactRevision {
			return "new revision"
		}
		return "update"
	}
	return string(c.Action)
}

// impactText is a change's impact as it reads after its action verb.
func impactText(c *Change) string {
	switch c.Action {
	case Replace:
		return strings.TrimPrefix(string(c.Impact), "replacement, ")
	case Update:
		if c.Impact == ImpactRevision {
			return ""
		}
		return string(c.Impact)
	case Delete:
		if c.Data != "" {
			return "DELETES " + c.Data
		}
		if c.Loses != "" {
			return c.Loses
		}
		if t, ok := catalog.Lookup(c.Type); ok && t.Revisioned && strings.Contains(c.Address, "#") {
			// Deregistering an old task definition revision stops
			// nothing: say so, next to the scarier deletions.
			return "old revision, deregistered"
		}
	}
	return ""
}

// dataWarning is one sentence naming the deletions that destroy data (at
// most max by address), or "".
func dataWarning(p *Plan, max int) string {
	dd := p.DataDeletions()
	if len(dd) == 0 {
		return ""
	}
	var names []string
	for i, c := range dd {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(dd)-max))
			break
		}
		names = append(names, c.Address+" ("+c.Data+")")
	}
	verb := "deletions destroy"
	if len(dd) == 1 {
		verb = "deletion destroys"
	}
	return fmt.Sprintf("%d %s data: %s.", len(dd), verb, strings.Join(names, ", "))
}

// warningLines are the plan's warnings, one line each: a deployment's
// with its service's address first, a configuration warning as its
// checks wrote it (file:line first).
func warningLines(p *Plan) []string {
	var out []string
	for _, w := range p.Warnings {
		if w.Address != "" {
			out = append(out, w.Address+": "+w.Message)
		} else {
			out = append(out, w.Message)
		}
	}
	return out
}

// phaseLabel names a phase the same way in every format, and as apply's
// progress does: "stage 3: task definitions, ..." for a stage, "deletions,
// stage 3: ..." for its deletions; the number is the stage's (JSON's
// "stage"), whichever phases the plan has.
func phaseLabel(ph Phase) string {
	if ph.Deletions {
		return fmt.Sprintf("deletions, stage %d: %s", int(ph.Stage), ph.Stage)
	}
	return fmt.Sprintf("stage %d: %s", int(ph.Stage), ph.Stage)
}

// destructiveLines are the plan's destructive deletions (Plan.Destructive)
// one line each: address, type and what is lost.
func destructiveLines(p *Plan) []string {
	var out []string
	for _, c := range p.Destructive() {
		out = append(out, fmt.Sprintf("%s (%s): %s", c.Address, short(c.Type), c.Lost()))
	}
	return out
}

// retainedLine names what the plan no longer manages and keeps, or "".
func retainedLine(p *Plan) string {
	if len(p.Retained) == 0 {
		return ""
	}
	var names []string
	for _, r := range p.Retained {
		names = append(names, r.Address+" ("+short(r.Type)+")")
	}
	return "No longer managed, kept (retainOnDelete): " + strings.Join(names, ", ") + "."
}

// short is the type's short noun.
func short(typ string) string {
	if t, ok := catalog.Lookup(typ); ok && t.Short != "" {
		return t.Short
	}
	return typ
}

// summaryLine says what a plan does in one sentence.
func summaryLine(p *Plan) string {
	s := p.Summary()
	if s.Changed() == 0 {
		return fmt.Sprintf("No changes. %d resources are up to date.", s[NoOp])
	}
	line := fmt.Sprintf("%d to create, %d to update, %d to replace, %d to delete, %d unchanged.",
		s[Create], s[Update], s[Replace], s[Delete], s[NoOp])
	if w := dataWarning(p, 3); w != "" {
		line += " WARNING: " + w
	}
	return line
}

// baseLine says, for a plan made with a base (plan --base), how many
// changes come from the change set and how many were already pending on
// the base; "" without a base.
func baseLine(p *Plan) string {
	if p.Base == nil {
		return ""
	}
	rev := p.Base.Rev
	if c := p.Base.Commit; len(c) >= 12 && !strings.HasPrefix(c, rev) {
		rev += " (" + c[:12] + ")"
	} else if len(c) >= 12 {
		rev = c[:12]
	}
	cs, base := p.OriginCounts()
	line := fmt.Sprintf("Against base %s: %s from this change set, %s already pending on the base", rev, plural(cs, "change"), plural(base, "change"))
	if base > 0 {
		line += " (merged there, not applied yet)"
	}
	return line + "."
}

// originDetail is a change's origin as renderers append it to its
// details ("" without a base).
func originDetail(c *Change) []string {
	if l := c.Origin.Label(); l != "" {
		return []string{l}
	}
	return nil
}

// origin names where the plan came from: project, environment, provider,
// account, region, commit.
func origin(p *Plan) string {
	parts := []string{p.Scope.Project + "/" + p.Scope.Environment}
	if p.Provider != "" {
		parts = append(parts, p.Provider)
	}
	if p.Scope.Account != "" {
		parts = append(parts, "account "+p.Scope.Account)
	}
	if p.Scope.Region != "" {
		parts = append(parts, p.Scope.Region)
	}
	if p.Commit != "" {
		c := p.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if p.Dirty {
			c += " (uncommitted changes)"
		}
		parts = append(parts, "commit "+c)
	}
	return strings.Join(parts, " · ")
}
