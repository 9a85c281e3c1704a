// Command vetcmp measures gantry validate side by side with cue vet on one
// repository: it runs `cue vet -c ./...` and `gantry validate` one after
// the other, round after round, and prints the medians of their wall times
// and peak resident memory, and the ratios, as a row of the table in
// docs/benchmarks.md. Interleaving the two keeps a shared machine's load
// from favouring either.
//
//	go run ./internal/gen/gen-repo -services 2000 -envs 3 -out /tmp/b2000
//	go build -o /tmp/gantry ./cmd/gantry
//	go run ./internal/gen/vetcmp -gantry /tmp/gantry -runs 15 /tmp/b2000
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

func main() {
	gantry := flag.String("gantry", "gantry", "the gantry binary")
	cue := flag.String("cue", defaultCue(), "the cue binary (v0.17.x)")
	runs := flag.Int("runs", 9, "rounds; the medians are printed")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: vetcmp [-gantry PATH] [-cue PATH] [-runs N] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	dir := flag.Arg(0)
	var vet, val []sample
	for range *runs {
		for _, m := range []struct {
			out  *[]sample
			args []string
		}{{&vet, []string{*cue, "vet", "-c", "./..."}}, {&val, []string{*gantry, "validate"}}} {
			s, err := measure(dir, m.args)
			if err != nil {
				fmt.Fprintln(os.Stderr, "vetcmp:", err)
				os.Exit(1)
			}
			*m.out = append(*m.out, s)
		}
	}
	vt, vm := medians(vet)
	gt, gm := medians(val)
	fmt.Printf("| %s | %.3f s | %.3f s | %.2f× | %d MB | %d MB | %.2f× |\n",
		filepath.Base(dir), vt.Seconds(), gt.Seconds(), gt.Seconds()/vt.Seconds(),
		vm>>10, gm>>10, float64(gm)/float64(vm))
}

// sample is one run: its wall time and peak resident memory in KiB.
type sample struct {
	wall   time.Duration
	maxRSS int64
}

// measure runs a command in dir, which must succeed.
func measure(dir string, args []string) (sample, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	t := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t)
	if err != nil {
		return sample{}, fmt.Errorf("%v in %s: %v\n%s", args, dir, err, out)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		return sample{}, fmt.Errorf("%v: no resource usage on this system", args)
	}
	return sample{wall, ru.Maxrss}, nil
}

func medians(s []sample) (time.Duration, int64) {
	walls := make([]time.Duration, len(s))
	rss := make([]int64, len(s))
	for i, x := range s {
		walls[i], rss[i] = x.wall, x.maxRSS
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return walls[len(walls)/2], rss[len(rss)/2]
}

func defaultCue() string {
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "cue"); fileExists(p) {
			return p
		}
	}
	return "cue"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
