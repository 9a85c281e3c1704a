package compiler

import (
	"log/slog"
	"os"
	"testing"
)

func TestProfTmp(t *testing.T) {
	dir := os.Getenv("GANTRY_PROF_DIR")
	if dir == "" {
		t.Skip()
	}
	_, d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.HasErrors() {
		t.Fatal(d.String())
	}
}

func init() {
	if os.Getenv("GANTRY_DEBUG") != "" {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
}
