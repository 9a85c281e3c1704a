package gitrepo

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"
)

// The compiler reads a commit's files in parallel: the tree answers many
// readers at once (go-git's trees fill a map on first lookup; without a
// lock, this fails under -race or with "concurrent map writes").
func TestTreeFSConcurrentReads(t *testing.T) {
	r := newTestRepo(t)
	const n = 64
	for i := range n {
		r.write(fmt.Sprintf("deploy/d%02d/f.cue", i), fmt.Sprintf("package app\nx%d: %d\n", i, i))
	}
	r.commit("many")
	repo, err := Open(filepath.Join(r.dir, "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.Resolve("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := repo.TreeFS(c)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("deploy/d%02d/f.cue", i)
			b, err := fs.ReadFile(fsys, name)
			if err == nil && string(b) != fmt.Sprintf("package app\nx%d: %d\n", i, i) {
				err = fmt.Errorf("%s = %q", name, b)
			}
			if _, serr := fs.Stat(fsys, name); err == nil {
				err = serr
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
