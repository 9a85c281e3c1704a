package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gantry's version, commit, and its Go and CUE versions",
		Long: `Print the version of gantry, the commit it was built from (with
"+dirty" when the build had uncommitted changes), and the versions of Go
and of CUE (cuelang.org/go) it was built with: what a bug report needs.`,
		Example: `  gantry version
  gantry --version        # the version alone`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := readBuild()
			fmt.Fprintf(cmd.OutOrStdout(), "gantry %s\ncommit %s\ngo     %s\ncue    %s\n", gantryVersion(), b.commit, b.goVersion, b.cue)
			return nil
		},
	}
}

// build is what the binary records about how it was built.
type build struct{ commit, goVersion, cue string }

func readBuild() build {
	b := build{commit: "unknown", goVersion: runtime.Version(), cue: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.commit != "unknown" {
		b.commit += "+dirty"
	}
	for _, d := range bi.Deps {
		if d.Path == "cuelang.org/go" {
			b.cue = d.Version
			if d.Replace != nil {
				b.cue = d.Replace.Version
			}
		}
	}
	return b
}
