package imageref

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a parsed image reference.
type Ref struct {
	// Name is the repository with its registry, if any
	// ("111111111111.dkr.ecr.eu-west-1.amazonaws.com/api", "nginx").
	Name string
	// Tag is the tag without ':', "" when none.
	Tag string
	// Digest is "algorithm:hex" without '@', "" when none.
	Digest string
}

// The grammar of github.com/distribution/reference (the one Docker,
// containerd and ECR accept): a registry host (with a port, optional),
// then path components of lowercase letters and digits joined by '.',
// '_', '__' or runs of '-'; a tag of up to 128 word characters, dots and
// dashes not starting with either; a digest algorithm and its hex.
var (
	domainPart = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domain     = domainPart + `(?:\.` + domainPart + `)*(?::[0-9]+)?`
	pathPart   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	nameRE     = regexp.MustCompile(`^(?:` + domain + `/)?` + pathPart + `(?:/` + pathPart + `)*$`)
	tagRE      = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE   = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)
	// hexLengths are the digest lengths of the algorithms registries use.
	hexLengths = map[string]int{"sha256": 64, "sha512": 128}
)

// maxName is the longest repository name (with its registry) a registry
// accepts.
const maxName = 255

// Parse reads an image reference. It returns an error saying what is
// wrong with one that does not follow the grammar.
func Parse(s string) (Ref, error) {
	if s == "" {
		return Ref{}, fmt.Errorf("empty image reference")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return Ref{}, fmt.Errorf("image reference %q contains white space", s)
	}
	var r Ref
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest, r.Digest = rest[:i], rest[i+1:]
		if err := checkDigest(r.Digest); err != nil {
			return Ref{}, fmt.Errorf("image reference %q: %w", s, err)
		}
	}
	// A ':' after the last '/' starts the tag; one before it is a
	// registry's port.
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		rest, r.Tag = rest[:i], rest[i+1:]
		if !tagRE.MatchString(r.Tag) {
			return Ref{}, fmt.Errorf("image reference %q: invalid tag %q (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')", s, r.Tag)
		}
	}
	r.Name = rest
	if len(r.Name) > maxName {
		return Ref{}, fmt.Errorf("image reference %q: repository name longer than %d characters", s, maxName)
	}
	if !nameRE.MatchString(r.Name) || !hasRegistry(r.Name) && strings.ToLower(r.Name) != r.Name {
		return Ref{}, fmt.Errorf("image reference %q: invalid repository name %q (lowercase letters, digits and separators '.', '_', '-', after an optional registry host)", s, r.Name)
	}
	return r, nil
}

// hasRegistry reports whether a name starts with a registry host: a first
// component with a '.' or a ':', or localhost (Docker's rule; anything
// else is a path, in lowercase).
func hasRegistry(name string) bool {
	first, _, ok := strings.Cut(name, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}

func checkDigest(d string) error {
	if !digestRE.MatchString(d) {
		return fmt.Errorf("invalid digest %q (want algorithm:hex, as sha256:<64 hex digits>)", d)
	}
	alg, hex, _ := strings.Cut(d, ":")
	if n, ok := hexLengths[alg]; ok {
		if len(hex) != n || strings.Trim(hex, "0123456789abcdef") != "" {
			return fmt.Errorf("invalid digest %q (%s takes %d lowercase hex digits)", d, alg, n)
		}
	}
	return nil
}

// String is the reference as written: name[:tag][@digest].
func (r Ref) String() string {
	s := r.Name
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// ShortDigest is the digest's algorithm and its first 12 hex digits (as
// docker images abbreviates image ids); "" without a digest.
func (r Ref) ShortDigest() string {
	if r.Digest == "" {
		return ""
	}
	alg, hex, _ := strings.Cut(r.Digest, ":")
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return alg + ":" + hex
}

// Summary is the reference for a one-line message: name[:tag], then the
// short digest in parentheses when there is one
// ("registry/api:1.4.2 (sha256:0123456789ab)").
func (r Ref) Summary() string {
	s := r.Name
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if d := r.ShortDigest(); d != "" {
		s += " (" + d + ")"
	}
	return s
}
