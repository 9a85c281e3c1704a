package compiler

import (
	"log/slog"

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
// overlay is read from there instead of the disk (or of opts.FS). It is
// how an edit is validated before anything is written: the diagnostics
// name the files as Load would, at the lines of the edited contents. The
// load is Load's own, over a tree with the files laid over it
// (overlayFS), so nothing of Load's checks is left out.
func LoadOverlay(dir string, overlay map[string][]byte, opts LoadOptions) (*config.Project, Diagnostics, error) {
	opts, err := overlayOptions(dir, overlay, opts)
	if err != nil {
		return nil, nil, err
	}
	slog.Debug("gantry: loading configuration with edits", "dir", dir, "edited", len(overlay))
	return LoadWithOptions(dir, opts)
}

// ServiceAddress is the graph address of the ECS service a configuration
// service compiles to (docs/compile.md), as providers report it in
// provider.Observed.Address.
func ServiceAddress(service string) string { return serviceAddr(service) }

// ServiceContainer is the name of a service's own container in its task
// definition (taskDefinition names it after the service; sidecars follow
// under their own names).
func ServiceContainer(service string) string { return service }
