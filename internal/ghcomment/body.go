package ghcomment

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// MaxBody is the most characters GitHub accepts in a comment body.
const MaxBody = 65536

// markerSafe is what an environment name in a marker may hold: nothing
// that could end the HTML comment or match another environment's marker.
var markerSafe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CheckEnv refuses an environment name a marker cannot carry.
func CheckEnv(env string) error {
	if !markerSafe.MatchString(env) || strings.Contains(env, "--") {
		return fmt.Errorf("--env %q: not an environment name", env)
	}
	return nil
}

// Marker is the hidden line that makes a comment the sticky one of env:
// HTML comments do not render, and the env keeps environments apart.
func Marker(env string) string {
	return fmt.Sprintf("<!-- gantry:plan env=%s -->", env)
}

// Body is the comment for env's plan: the marker, then the plan. A plan
// too large for one comment keeps its summary, cut on a section boundary,
// and a note linking the full plan at artifactURL (none when empty).
// truncated reports whether the plan was cut.
func Body(env, plan, artifactURL string) (body string, truncated bool) {
	head := Marker(env) + "\n"
	full := strings.TrimRight(plan, "\n") + "\n"
	if length(head+full) <= MaxBody {
		return head + full, false
	}
	note := tooLargeNote(length(plan), artifactURL)
	// The summary and the note, a blank line between them.
	kept := fit(summary(full), MaxBody-length(head)-length(note)-2)
	return head + strings.TrimRight(kept, "\n") + "\n\n" + note, true
}

// tooLargeNote says where the rest of the plan is.
func tooLargeNote(size int, artifactURL string) string {
	where := "The full plan is in this CI run's artifacts, or run `gantry plan` locally."
	if artifactURL != "" {
		where = fmt.Sprintf("[Download the full plan](%s) from the CI run's artifacts.", artifactURL)
	}
	return fmt.Sprintf("> [!NOTE]\n> The full plan (%d characters) is too large for one comment (at most %d): only its summary is shown. %s\n",
		size, MaxBody, where)
}

// summary is the part of a gantry markdown plan before its first
// collapsible section (<details>): title, counts table, destructive
// changes, warnings and notes. Markdown without sections is returned
// whole, for fit to cut.
func summary(plan string) string {
	lines := strings.SplitAfter(plan, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "<details") {
			return strings.Join(lines[:i], "")
		}
	}
	return plan
}

// fit cuts text to at most limit characters on a section boundary (a
// blank line), or failing that on a line boundary: never mid-line, so no
// table row, link or code fence is broken in half.
func fit(text string, limit int) string {
	if length(text) <= limit {
		return text
	}
	if cut := takeWhole(strings.SplitAfter(text, "\n\n"), limit); cut != "" {
		return cut
	}
	// A first section longer than the limit: whole lines of it.
	return takeWhole(strings.SplitAfter(text, "\n"), limit)
}

// takeWhole joins the leading pieces that fit in limit characters.
func takeWhole(pieces []string, limit int) string {
	var b strings.Builder
	n := 0
	for _, p := range pieces {
		n += length(p)
		if n > limit {
			break
		}
		b.WriteString(p)
	}
	return b.String()
}

// length counts characters the way GitHub's limit is safest counted:
// UTF-16 code units, which is never fewer than code points.
func length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
