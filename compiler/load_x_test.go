package compiler

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

func dumpExpr(t *testing.T, v cue.Value, ind string) {
	op, args := v.Expr()
	t.Logf("%s%v op=%v n=%d", ind, v, op, len(args))
	if op == cue.NoOp {
		return
	}
	for _, a := range args {
		dumpExpr(t, a, ind+"  ")
	}
}

func TestXExpr(t *testing.T) {
	ctx := cuecontext.New()
	v := ctx.CompileString(`#R: {a: *256 | int & >=128 & <=196608, b: =~"^x$", c: *"linux/amd64" | =~"^(linux/amd64|linux/arm64)$", d: *false | bool, e: string, f: int & >=1 & <=65535, g: number}`)
	for _, f := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		dumpExpr(t, v.LookupPath(cue.ParsePath("#R."+f)), f+": ")
	}
}
