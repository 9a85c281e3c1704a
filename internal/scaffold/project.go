package scaffold

import (
	"fmt"
	"regexp"
	"strings"
)

// Project is what gantry init asks for.
type Project struct {
	Name, Env, Region, Account, Service string
	// PreCommitRev is the revision of gantry's pre-commit hook to use (a
	// tag or a full commit that exists); empty writes a local hook that
	// runs the gantry on PATH instead.
	PreCommitRev string
}

// Package is the CUE package name: the project's, as an identifier.
func (p Project) Package() string { return strings.ReplaceAll(p.Name, "-", "_") }

// Check names the first value the configuration format would refuse.
func (p Project) Check() error {
	for _, c := range []struct {
		flag, value string
		re          *regexp.Regexp
		want        string
	}{
		{"project", p.Name, projectName, "2-20 characters: lower-case letters, digits and -, starting with a letter"},
		{"env", p.Env, envName, "1-12 characters: lower-case letters, digits and -, starting with a letter"},
		{"service", p.Service, itemName, "1-28 characters: lower-case letters, digits and -, starting with a letter"},
		{"region", p.Region, regionName, "an AWS region name such as eu-west-1"},
		{"account", p.Account, accountID, "12 digits"},
	} {
		if !c.re.MatchString(c.value) {
			return fmt.Errorf("--%s %q: want %s", c.flag, c.value, c.want)
		}
	}
	return checkRev(p.PreCommitRev)
}

var (
	revName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
	shortSHA = regexp.MustCompile(`^[0-9a-f]{7,39}$`)
)

// checkRev refuses a pre-commit rev that cannot name a revision: an
// abbreviated commit (pre-commit fetches a full one) or characters no
// git ref has.
func checkRev(rev string) error {
	switch {
	case rev == "":
		return nil
	case shortSHA.MatchString(rev):
		return fmt.Errorf("--pre-commit-rev %q: an abbreviated commit; give all 40 characters (git rev-parse %s)", rev, rev)
	case !revName.MatchString(rev) || strings.Contains(rev, ".."):
		return fmt.Errorf("--pre-commit-rev %q: not a tag or commit", rev)
	}
	return nil
}

// projectFiles maps each template under templates/project to the path it
// is written to.
var projectFiles = []struct{ tmpl, path string }{
	{"project/gantry.cue.tmpl", "gantry.cue"},
	{"project/environments.cue.tmpl", "environments.cue"},
	{"project/clusters.cue.tmpl", "clusters.cue"},
	{"project/loadbalancers.cue.tmpl", "loadbalancers.cue"},
	{"project/repositories.cue.tmpl", "repositories.cue"},
	{"project/policy.cue.tmpl", "policy.cue"},
	{"project/services/service.cue.tmpl", "services/{{service}}.cue"},
	{"project/gitignore.tmpl", ".gitignore"},
	{"project/pre-commit-config.yaml.tmpl", ".pre-commit-config.yaml"},
}

// ProjectFiles renders a new configuration repository for p and checks
// that it validates.
func ProjectFiles(p Project) ([]File, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	var files []File
	for _, f := range projectFiles {
		data, err := render(f.tmpl, p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: strings.ReplaceAll(f.path, "{{service}}", p.Service), Data: data})
	}
	if err := Validate(files); err != nil {
		return nil, err
	}
	return files, nil
}

// ProjectName derives a project name from a directory's name, or "" when
// none fits the format (lower-cased, other characters turned into -).
func ProjectName(dir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(dir) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 20 {
		name = strings.TrimRight(name[:20], "-")
	}
	if !projectName.MatchString(name) {
		return ""
	}
	return name
}
