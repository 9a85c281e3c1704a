package compiler

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

func walkAll(v cue.Value, n *int) {
	switch v.IncompleteKind() {
	case cue.StructKind:
		it, _ := v.Fields()
		for it.Next() {
			walkAll(it.Value(), n)
		}
	case cue.ListKind:
		it, _ := v.List()
		for it.Next() {
			walkAll(it.Value(), n)
		}
	default:
		d, _ := v.Default()
		if d.IsConcrete() {
			switch d.Kind() {
			case cue.StringKind:
				d.String()
			case cue.IntKind:
				d.Int64()
			}
		}
		*n++
	}
}

func TestExpWalk(t *testing.T) {
	dir := os.Getenv("GANTRY_EXP_DIR")
	if dir == "" {
		t.Skip()
	}
	var files []*ast.File
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if filepath.Ext(p) == ".cue" && !d.IsDir() && filepath.Base(filepath.Dir(p)) != "cue.mod" {
			src, _ := os.ReadFile(p)
			f, _ := parser.ParseFile(p, src)
			files = append(files, f)
		}
		return nil
	})
	inst := build.NewContext().NewInstance(dir, nil)
	for _, f := range files {
		inst.AddSyntax(f)
	}
	ctx := cuecontext.New()
	t1 := time.Now()
	v := ctx.BuildInstance(inst)
	v.Validate()
	t2 := time.Now()
	n := 0
	walkAll(v.LookupPath(cue.ParsePath("services")), &n)
	t3 := time.Now()
	m := 0
	walkAll(v.LookupPath(cue.ParsePath("environments")), &m)
	t4 := time.Now()
	// leaf unify cost
	a := v.LookupPath(cue.ParsePath("services.svc0000.scale.min"))
	b := v.LookupPath(cue.ParsePath("environments.prod.services.svc0000.scale.min"))
	t5 := time.Now()
	for i := 0; i < 30000; i++ {
		u := a.Unify(b)
		u.Int64()
	}
	t6 := time.Now()
	t.Logf("build=%v walkTop=%v (%d leaves) walkEnv=%v (%d leaves) 30k leaf unify=%v", t2.Sub(t1), t3.Sub(t2), n, t4.Sub(t3), m, t6.Sub(t5))
}
