package compiler

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

func TestExpRaw(t *testing.T) {
	dir := os.Getenv("GANTRY_EXP_DIR")
	if dir == "" {
		t.Skip()
	}
	extra := os.Getenv("GANTRY_EXP_EXTRA")
	t0 := time.Now()
	var files []*ast.File
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if filepath.Ext(p) == ".cue" && !d.IsDir() && filepath.Base(filepath.Dir(p)) != "cue.mod" {
			src, _ := os.ReadFile(p)
			f, err := parser.ParseFile(p, src)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		return nil
	})
	if extra != "" {
		src, _ := os.ReadFile(extra)
		f, err := parser.ParseFile(extra, src)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	t1 := time.Now()
	inst := build.NewContext().NewInstance(dir, nil)
	for _, f := range files {
		inst.AddSyntax(f)
	}
	ctx := cuecontext.New()
	v := ctx.BuildInstance(inst)
	t2 := time.Now()
	err := v.Validate()
	t3 := time.Now()
	t.Logf("files=%d parse=%v build=%v validate=%v err=%v", len(files), t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), err != nil)
}
