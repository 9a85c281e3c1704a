package applier

import (
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gantry-gitops/gantry/catalog"
	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/planner"
	"github.com/gantry-gitops/gantry/provider"
)

// Provenance: every resource an apply creates or changes is stamped with
// the commit of the configuration applied (graph.TagCommit) and the
// repository it came from (graph.TagRepository), so that "which commit
// put this in place" has an answer in the account itself (gantry status
// reads it). A resource the apply leaves alone keeps its tags: they name
// the commit that deployed what it is. The planner never diffs these tags
// (planner's provenance), so stamping them changes no plan.

// DirtySuffix ends the commit stamp of a plan made from a work tree with
// uncommitted changes (git describe's convention): what was applied is
// that commit plus something no commit holds.
const DirtySuffix = "-dirty"

// AWS's limits on tags (AWS General Reference, "Tagging AWS resources"):
// 50 user tags per resource, values of at most 256 Unicode characters from
// letters, digits, spaces and _ . : / = + - @.
const (
	maxTagsPerResource = 50
	maxTagValue        = 256
	// childTags is how many tags the AWS provider may add to a parent of
	// untaggable resources (its gantry:child: tags: the compiler's count
	// of gantry's own tags reserves three).
	childTags = 3
)

var tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// provenanceTags are the tags an apply of plan stamps: the plan's commit
// (with DirtySuffix when it was made from a dirty tree) and repo, a
// repository URL as RepositoryURL returns it. Empty values are left out:
// outside git there is no commit to name, and an update then removes the
// stamp of an earlier apply (the provider makes the tags the request's),
// since that commit no longer describes the resource.
func provenanceTags(plan *planner.Plan, repo string, log *slog.Logger) map[string]string {
	tags := map[string]string{}
	if plan.Commit != "" {
		c := plan.Commit
		if plan.Dirty {
			c += DirtySuffix
		}
		tags[graph.TagCommit] = c
	}
	if repo != "" {
		if validTagValue(repo) {
			tags[graph.TagRepository] = repo
		} else {
			// RepositoryURL never returns one; a caller passing a raw
			// remote must not get a token or an invalid value into a tag.
			log.Warn("apply: repository URL is not a valid tag value; resources are stamped without it", "length", utf8.RuneCountInString(repo))
		}
	}
	return tags
}

// stampProvenance adds the provenance tags to req, a create or update of
// a type that carries tags, unless that would take it past AWS's tag
// limit (then the repository goes first, then the commit: the resource is
// still applied, its provenance just unknown).
func (r *run) stampProvenance(req provider.Request) {
	t, ok := catalog.Lookup(req.Type)
	if !ok || !t.Tagged || len(r.provenance) == 0 {
		return
	}
	room := maxTagsPerResource - len(req.Tags)
	if isParent(req.Type) {
		room -= childTags
	}
	for _, k := range []string{graph.TagCommit, graph.TagRepository} {
		v, ok := r.provenance[k]
		if !ok {
			continue
		}
		if room <= 0 {
			r.opts.Logger.Warn("apply: no room for the provenance tag within AWS's 50 tags per resource", "address", req.Address, "tag", k)
			continue
		}
		req.Tags[k] = v
		room--
	}
}

// isParent reports whether resources of typ own untaggable resources
// through tags the provider adds to them (catalog Ownership.Parent).
func isParent(typ string) bool {
	for _, t := range catalog.All() {
		if t.Ownership.Discovery == catalog.DiscoverThroughParent && t.Ownership.Parent == typ {
			return true
		}
	}
	return false
}

func validTagValue(v string) bool {
	return utf8.RuneCountInString(v) <= maxTagValue && tagValueRE.MatchString(v)
}

// RepositoryURL turns a git remote URL into the repository's https URL
// for the gantry:repository tag: credentials, port, query and a trailing
// ".git" dropped, scp-style and ssh:// remotes rewritten
// (git@github.com:acme/shop.git → https://github.com/acme/shop). It
// returns "" for what names no host (a local path, file://) and for a
// URL that would not be a valid tag value (over 256 characters, or
// characters AWS does not allow in tags), so a remote with a token in it
// (https://x-access-token:TOKEN@github.com/...) never ends up in a tag.
func RepositoryURL(remote string) string {
	remote = strings.TrimSpace(remote)
	host, path := splitRemote(remote)
	if host == "" || path == "" {
		return ""
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	path = strings.Trim(path, "/")
	if path == "" {
		return ""
	}
	out := "https://" + strings.ToLower(host) + "/" + path
	if !validTagValue(out) {
		return ""
	}
	return out
}

// splitRemote returns the host (with the port of an http(s) URL) and
// path of a remote URL, "" for remotes without a host.
func splitRemote(remote string) (host, path string) {
	if !strings.Contains(remote, "://") {
		// scp-like syntax: [user@]host:path, as long as no slash comes
		// before the colon (git's rule: that is a local path), nor a
		// single letter (a Windows drive: C:/repos/shop).
		colon := strings.Index(remote, ":")
		if colon <= 1 || strings.Contains(remote[:colon], "/") {
			return "", ""
		}
		h := remote[:colon]
		if at := strings.LastIndex(h, "@"); at >= 0 {
			h = h[at+1:]
		}
		return h, remote[colon+1:]
	}
	u, err := url.Parse(remote)
	if err != nil {
		return "", ""
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		return u.Host, u.Path // u.Host keeps the port; u.User is dropped
	case "ssh", "git", "git+ssh", "ssh+git":
		return u.Hostname(), u.Path // the ssh port is not the web server's
	}
	return "", ""
}
