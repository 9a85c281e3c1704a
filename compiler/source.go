package compiler

import (
	"log/slog"
	"os"

	"cuelang.org/go/cue/parser"

	"github.com/gantry-gitops/gantry/config"
)

// This file is what tools that edit the configuration's source (gantry
// image set, gantry promote) need from the compiler: the files it reads,
// a load of edited contents before they are written, and the addresses of
// what a service compiles to.

// SourceFiles lists the .cue files Load reads for the configuration in
// dir, as absolute paths in load order (see listFiles for what is left
// out and how symbolic links are followed). Problems with single files
// (a link leading outside the repository) are Load's to report; they are
// not errors here.
func SourceFiles(dir string) ([]string, error) {
	l, err := newLoader(dir, LoadOptions{})
	if err != nil {
		return nil, err
	}
	return l.listFiles()
}

// LoadOverlay is LoadWithOptions with the contents of some files replaced:
// a file whose absolute path (as SourceFiles returns it) is a key of
// overlay is read from there instead of the disk. It is how an edit is
// validated before anything is written: the diagnostics name the files as
// Load would, at the lines of the edited contents.
func LoadOverlay(dir string, overlay map[string][]byte, opts LoadOptions) (*config.Project, Diagnostics, error) {
	l, err := newLoader(dir, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := l.readOverlay(overlay); err != nil {
		return nil, nil, err
	}
	// As loadAll, after readFiles.
	l.marks = sensitiveVars(l.files, l.sources)
	p := l.evaluate()
	ds := normalize(l.diags)
	maskSensitiveDiagnostics(ds, l.marks)
	maskSensitiveValues(ds, l.secrets)
	if ds.HasErrors() {
		return nil, ds, nil
	}
	return p, ds, nil
}

// readOverlay is readFiles with contents taken from overlay where it has
// them. It reads one file after the other: an edit is validated once, not
// on every pre-commit run.
func (l *loader) readOverlay(overlay map[string][]byte) error {
	paths, err := l.listFiles()
	if err != nil {
		return err
	}
	for _, path := range paths {
		name := l.displayName(path)
		src, ok := overlay[path]
		if !ok {
			if src, err = os.ReadFile(path); err != nil {
				return err
			}
		}
		l.sources[name] = src
		l.absPath[name] = path
		f, err := parser.ParseFile(name, src)
		if err != nil {
			l.addCUEErrors(firstParseError(err), "")
			continue
		}
		l.files = append(l.files, f)
	}
	slog.Debug("gantry: parsed configuration with edits", "dir", l.dir, "files", len(l.files), "edited", len(overlay))
	return nil
}

// ServiceAddress is the graph address of the ECS service a configuration
// service compiles to (docs/compile.md), as providers report it in
// provider.Observed.Address.
func ServiceAddress(service string) string { return serviceAddr(service) }

// ServiceContainer is the name of a service's own container in its task
// definition (taskDefinition names it after the service; sidecars follow
// under their own names).
func ServiceContainer(service string) string { return service }
