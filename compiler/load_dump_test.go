package compiler

import (
	"encoding/json"
	"os"
	"testing"
)

func TestDumpTmp(t *testing.T) {
	dir := os.Getenv("GANTRY_DUMP_DIR")
	if dir == "" {
		t.Skip()
	}
	p, d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(d.String())
	b, _ := json.MarshalIndent(p, "", " ")
	os.WriteFile("/tmp/dump.json", b, 0o644)
}
