package planner

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gantry-gitops/gantry/graph"
)

// bare is a value the text and markdown renderers print as it is, never
// quoted: a reference (${address.Attribute}) or a placeholder such as
// (sensitive). Keeping it apart from strings means a literal string that
// happens to read "${...}" is still shown quoted.
type bare string

// MarshalJSON writes a bare value as the string it holds (inside a JSON
// document shown pretty-printed).
func (b bare) MarshalJSON() ([]byte, error) { return jsonText(string(b)), nil }

// renderedProperties is the property tree a created (or replacing)
// resource will be sent with, for people and tools to read: references are
// ${address.Attribute} (via ref), a Join is the string with its references
// written that way, and every sensitive value is masked.
func renderedProperties(r *graph.Resource, ref func(string) any) map[string]any {
	if r == nil {
		return nil
	}
	out, _ := graph.Rewrite(r.Properties, func(v any) (any, bool) {
		switch x := v.(type) {
		case graph.Ref:
			return ref("${" + x.String() + "}"), true
		case graph.Join:
			var b strings.Builder
			for _, p := range x.Parts {
				if r, ok := p.(graph.Ref); ok {
					b.WriteString("${" + r.String() + "}")
				} else {
					fmt.Fprint(&b, p)
				}
			}
			return b.String(), true
		case graph.Sensitive:
			return ref(Masked), true
		}
		return nil, false
	}).(map[string]any)
	return out
}

// createdProperties is what a created resource will hold, for JSON:
// references shown as ${address.Attribute}, sensitive values masked.
func createdProperties(r *graph.Resource) map[string]any {
	return renderedProperties(r, func(s string) any { return s })
}

// shownProperties is createdProperties for text and markdown: references
// and masks are bare, so they read unquoted.
func shownProperties(r *graph.Resource) map[string]any {
	return renderedProperties(r, func(s string) any { return bare(s) })
}

// newResource is the desired resource a create or a replacement makes, or
// nil when the change makes none (or the plan has no graph).
func newResource(p *Plan, c *Change) *graph.Resource {
	if (c.Action != Create && c.Action != Replace) || p.Desired == nil {
		return nil
	}
	return p.Desired.Get(c.Address)
}

// flowWidth is how wide (indentation included) a map or list may be to be
// written on one line; wider ones are written as a block.
const flowWidth = 88

// forcesMark ends the line of a property that forces a replacement.
const forcesMark = "  # forces replacement"

// propertyLines writes a resource's properties as YAML-like lines (in fact
// valid YAML): one "Key: value" per scalar, nested maps and lists
// indented, a short map or list on one line ({Name: "A", Value: "1"}),
// strings always quoted so that "256" and 256 stay apart as
// CloudFormation types them, references and placeholders bare. Policy
// documents are pretty-printed JSON, as IAM shows them; multi-line strings
// and strings holding a long JSON document are literal blocks. Properties
// named in forceNew (paths as in catalog.Type.ForceNew) end with
// "# forces replacement".
func propertyLines(props map[string]any, forceNew []string) []string {
	e := &yamlWriter{force: map[string]bool{}}
	for _, f := range forceNew {
		e.force[f] = true
	}
	e.mapping(props, "", "", false)
	return e.lines
}

type yamlWriter struct {
	lines []string
	force map[string]bool
}

func (e *yamlWriter) add(s string) { e.lines = append(e.lines, s) }

// mapping writes the entries of m at indent; path is m's property path
// ("" at the top), for forceNew marks; elem says m is an element of a list.
func (e *yamlWriter) mapping(m map[string]any, indent, path string, elem bool) {
	for _, k := range mapKeys(m, elem) {
		p := k
		if path != "" {
			p = path + "." + k
		}
		mark := ""
		if e.force[p] {
			mark = forcesMark
		}
		e.entry(indent, yamlKey(k)+":", k, m[k], p, mark)
	}
}

// entry writes one value after head ("Key:" or "-") at indent.
func (e *yamlWriter) entry(indent, head, key string, v any, path, mark string) {
	if lines, literal, ok := documentLines(key, v); ok {
		if literal {
			head += " |"
		}
		e.add(indent + head + mark)
		for _, l := range lines {
			e.add(indent + "  " + l)
		}
		return
	}
	if script, ok := decodedUserData(key, v); ok {
		e.add(indent + head + " |  # base64-decoded" + mark)
		for _, l := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
			e.add(indent + "  " + l)
		}
		return
	}
	if s, ok := v.(string); ok && strings.Contains(s, "\n") {
		e.add(indent + head + " |" + mark)
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			e.add(indent + "  " + l)
		}
		return
	}
	if f, ok := flow(v, false); ok && (!isCollection(v) || len(indent)+len(head)+1+len(f) <= flowWidth) {
		e.add(indent + head + " " + f + mark)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if head == "-" {
			// "- " opens the map's first entry on the dash's line.
			start := len(e.lines)
			e.mapping(x, indent+"  ", "", true)
			e.lines[start] = indent + "- " + strings.TrimPrefix(e.lines[start], indent+"  ")
			return
		}
		e.add(indent + head + mark)
		e.mapping(x, indent+"  ", path, false)
	case []any:
		e.add(indent + head + mark)
		for _, el := range x {
			e.entry(indent+"  ", "-", "", el, "", "")
		}
	default:
		// Scalars always have a flow form; kept so no value is ever dropped.
		b, _ := json.Marshal(v)
		e.add(indent + head + " " + string(b) + mark)
	}
}

func isCollection(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// flow is v on one line, YAML flow style; false when v holds a multi-line
// string (which reads better as a block), a document or user data (see
// expands) or, inside a collection (nested), a reference: its braces
// would end a flow collection early.
func flow(v any, nested bool) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case bare:
		if nested && strings.ContainsAny(string(x), "{}[],") {
			return "", false
		}
		return string(x), true
	case string:
		if strings.Contains(x, "\n") {
			return "", false
		}
		return string(jsonText(x)), true
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range mapKeys(x, true) {
			if expands(k, x[k]) {
				return "", false
			}
			f, ok := flow(x[k], true)
			if !ok {
				return "", false
			}
			parts = append(parts, yamlKey(k)+": "+f)
		}
		return "{" + strings.Join(parts, ", ") + "}", true
	case []any:
		parts := make([]string, 0, len(x))
		for _, el := range x {
			if expands("", el) {
				return "", false
			}
			f, ok := flow(el, true)
			if !ok {
				return "", false
			}
			parts = append(parts, f)
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), true
	}
	return string(b), true
}

// expands tells a value shown as a block of its own, whatever its size: a
// policy document, user data.
func expands(key string, v any) bool {
	_, _, doc := documentLines(key, v)
	_, script := decodedUserData(key, v)
	return doc || script
}

// documentLines pretty-prints a JSON document: a policy document property
// (IAM's AssumeRolePolicyDocument, PolicyDocument; ECR's
// LifecyclePolicyText, RepositoryPolicyText), or any string longer than a
// line that holds a JSON object or list. IAM policies read best as the
// JSON people write them.
// A document given as a string is a literal block (literal is true): the
// value is a string, shown re-indented.
func documentLines(key string, v any) (lines []string, literal, ok bool) {
	switch x := v.(type) {
	case string:
		t := strings.TrimSpace(x)
		if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
			return nil, false, false
		}
		if !isDocumentKey(key) && len(t) <= flowWidth {
			return nil, false, false
		}
		var doc any
		if err := json.Unmarshal([]byte(t), &doc); err != nil {
			return nil, false, false
		}
		return indentJSON(doc), true, true
	case map[string]any, []any:
		if isDocumentKey(key) {
			return indentJSON(x), false, true
		}
	}
	return nil, false, false
}

// decodedUserData is an EC2 UserData script (CloudFormation wants it
// base64-encoded) as text, for a reviewer to read the script itself;
// false when it does not decode to text.
func decodedUserData(key string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok || key != "UserData" {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || !utf8.Valid(b) {
		return "", false
	}
	for _, r := range string(b) {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return "", false
		}
	}
	return string(b), true
}

// isDocumentKey tells a property holding a JSON policy document by its
// CloudFormation name.
func isDocumentKey(k string) bool {
	return strings.HasSuffix(k, "PolicyDocument") || strings.HasSuffix(k, "PolicyText")
}

func indentJSON(v any) []string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
}

// jsonText is s as a JSON string, without HTML escaping (values are shown
// in code blocks, where <, > and & are literal).
func jsonText(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// plainKey is a map key YAML reads unquoted.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$`)

func yamlKey(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	return string(jsonText(k))
}

// mapKeys orders a map's keys alphabetically, as diffs list paths; in an
// element of a list (elem) the keys that name it (Name, then Key) come
// first, so that "- Name: api" heads each container.
func mapKeys(m map[string]any, elem bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if !elem {
			return 0
		}
		switch k {
		case "Name":
			return 0
		case "Key":
			return 1
		}
		return 2
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	return keys
}
