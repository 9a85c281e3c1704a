package cuedit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
)

// Edit replaces the bytes Start:End of one file with Text (an insertion
// when Start == End).
type Edit struct {
	Path       string // the file's absolute path
	Start, End int
	Text       string
	// Mark is where in Text the change is to be shown: the literal, or
	// the label of the field added.
	Mark int
	// at is Start+Mark in the edited file, once applied.
	at int
}

// insertField adds a field (its text, "image: ..." or "api: image: ...")
// to a struct written with braces, as its first field, laid out like the
// struct: on a line of its own, indented like its fields, when the struct
// spans lines; after "{" on the same line, with a comma, when its first
// field follows "{" there (a one-line struct).
func insertField(f *File, st *ast.StructLit, field string) Edit {
	lbrace := st.Lbrace.Offset()
	if len(st.Elts) == 0 && st.Rbrace.Line() == st.Lbrace.Line() {
		return Edit{Path: f.Path, Start: lbrace + 1, End: lbrace + 1, Text: field} // {} → {field}
	}
	if len(st.Elts) > 0 && st.Elts[0].Pos().Line() == st.Lbrace.Line() {
		at := st.Elts[0].Pos().Offset()
		return Edit{Path: f.Path, Start: at, End: at, Text: field + ", "}
	}
	// A line of its own, right after the line of "{" (before the doc
	// comment of the first field, which stays with its field).
	at := min(lineEnd(f.Src, lbrace)+1, len(f.Src))
	indent := ""
	if len(st.Elts) > 0 {
		indent = lineIndent(f.Src, st.Elts[0].Pos().Offset())
	} else {
		indent = lineIndent(f.Src, st.Rbrace.Offset()) + indentUnit(f.Src)
	}
	return Edit{Path: f.Path, Start: at, End: at, Text: indent + field + newline(f.Src)}
}

// insertAfter adds a top-level declaration after decl (and the rest of its
// last line), separated by a blank line.
func insertAfter(f *File, decl ast.Decl, text string) Edit {
	at := lineEnd(f.Src, decl.End().Offset())
	if at > 0 && at <= len(f.Src) && f.Src[at-1] == '\r' {
		at-- // before the line's "\r\n"
	}
	nl := newline(f.Src)
	return Edit{Path: f.Path, Start: at, End: at, Text: nl + nl + withNewlines(text, nl)}
}

// appendToFile adds a top-level declaration at the end of a file, after a
// blank line.
func appendToFile(f *File, text string) Edit {
	at := len(f.Src)
	nl := newline(f.Src)
	prefix := nl
	if at > 0 && f.Src[at-1] != '\n' {
		prefix = nl + nl
	}
	return Edit{Path: f.Path, Start: at, End: at, Text: prefix + withNewlines(text, nl) + nl}
}

// newline is the file's line ending: "\r\n" when it uses them, else "\n".
func newline(src []byte) string {
	if bytes.Contains(src, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// withNewlines writes text's line endings as nl.
func withNewlines(text, nl string) string {
	return strings.ReplaceAll(text, "\n", nl)
}

// lineEnd is the offset of the newline that ends the line holding offset
// (len(src) on the last line without one).
func lineEnd(src []byte, offset int) int {
	if i := bytes.IndexByte(src[offset:], '\n'); i >= 0 {
		return offset + i
	}
	return len(src)
}

// lineIndent is the white space that starts the line holding offset.
func lineIndent(src []byte, offset int) string {
	start := bytes.LastIndexByte(src[:offset], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// indentUnit is one level of indentation as the file writes it: a tab
// (cue fmt's), or the spaces of its first line indented with spaces.
func indentUnit(src []byte) string {
	for line := range strings.SplitSeq(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "\t"):
			return "\t"
		case strings.HasPrefix(line, " ") && strings.TrimSpace(line) != "":
			return line[:len(line)-len(strings.TrimLeft(line, " "))]
		}
	}
	return "\t"
}

// Apply makes the edits of changes on the files of s and returns the new
// contents of every file changed, by absolute path; it sets each change's
// At. Edits of one file must not overlap; insertions at the same offset
// keep their order.
func (s *Source) Apply(changes []*Change) (map[string][]byte, error) {
	byPath := map[string][]*Edit{}
	for _, c := range changes {
		for i := range c.Edits {
			e := &c.Edits[i]
			byPath[e.Path] = append(byPath[e.Path], e)
		}
	}
	out := map[string][]byte{}
	for _, f := range s.Files {
		edits := byPath[f.Path]
		if len(edits) == 0 {
			continue
		}
		src, err := splice(f, edits)
		if err != nil {
			return nil, err
		}
		out[f.Path] = src
		delete(byPath, f.Path)
		for _, c := range changes {
			if len(c.Edits) > 0 && c.Edits[0].Path == f.Path {
				c.At = position(f.Name, src, c.Edits[0].at)
			}
		}
	}
	for p := range byPath {
		return nil, fmt.Errorf("%s: an edit of a file that is not part of the configuration", p)
	}
	return out, nil
}

// splice applies edits, in offset order, to a file's contents, recording
// where each edit's mark ends up.
func splice(f *File, edits []*Edit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortStableFunc(edits, func(a, b *Edit) int { return a.Start - b.Start })
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.Start < last || e.End < e.Start || e.End > len(f.Src) {
			return nil, fmt.Errorf("%s: overlapping edits at byte %d (the same value set twice?)", f.Name, e.Start)
		}
		b.Write(f.Src[last:e.Start])
		e.at = b.Len() + e.Mark
		b.WriteString(e.Text)
		last = e.End
	}
	b.Write(f.Src[last:])
	return b.Bytes(), nil
}

// position is file:line:col of a byte offset in src.
func position(name string, src []byte, at int) string {
	at = min(at, len(src))
	line := bytes.Count(src[:at], []byte("\n")) + 1
	col := at - (bytes.LastIndexByte(src[:at], '\n') + 1) + 1
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

// Write writes the edited files (as Apply returned them) atomically, one
// after the other: each file's new contents go to a temporary file in its
// directory, with its permissions, which is then renamed over it, so a
// reader sees the old file or the new one, never a part. A file that
// changed on disk since Read is not overwritten. When a file cannot be
// written, the files already written get their old contents back:
// nothing is left half-changed.
func (s *Source) Write(files map[string][]byte) error {
	var done []*File
	for _, f := range s.Files {
		data, ok := files[f.Path]
		if !ok {
			continue
		}
		err := checkUnchanged(f)
		if err == nil {
			err = writeAtomic(f.Path, data)
		}
		if err != nil {
			for _, d := range done {
				if rerr := writeAtomic(d.Path, d.Src); rerr != nil {
					return fmt.Errorf("%w; and %s could not be restored: %v", err, d.Name, rerr)
				}
			}
			return err
		}
		done = append(done, f)
	}
	return nil
}

// checkUnchanged refuses to overwrite a file someone changed since it was
// read: the edit was worked out, and validated, on the old contents.
func checkUnchanged(f *File) error {
	now, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	if !bytes.Equal(now, f.Src) {
		return fmt.Errorf("%s changed while gantry was editing it; run the command again", f.Name)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	// The file a link points to is the one to replace, not the link.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".gantry-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), real); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
