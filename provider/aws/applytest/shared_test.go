package applytest

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedShop is the absolute path of the shared example (../shared/
// examples/shop beside the repository). The example is not part of the
// project: a checkout without it skips the tests that run it.
func sharedShop(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "shared", "examples", "shop"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("no shared example at %s", dir)
	}
	return dir
}
