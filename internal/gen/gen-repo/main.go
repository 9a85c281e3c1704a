// Command gen-repo writes a synthetic gantry configuration repository for
// benchmarks:
//
//	go run ./internal/gen/gen-repo -services 2000 -envs 3 -out /tmp/bench-2000
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gantry-gitops/gantry/internal/gen"
)

func main() {
	services := flag.Int("services", 200, "number of services")
	envs := flag.Int("envs", 3, "number of environments (1-9)")
	out := flag.String("out", "", "directory to write (required; created if needed)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen-repo: -out is required")
		os.Exit(2)
	}
	if err := gen.Write(*out, gen.Options{Services: *services, Environments: *envs}); err != nil {
		fmt.Fprintln(os.Stderr, "gen-repo:", err)
		os.Exit(1)
	}
}
