package planner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FormatVersion is the version of the plan file format this gantry writes
// and the newest it reads. Bump it when a change to Plan would make an
// older gantry misread a file (docs/plan.md lists the versions).
const FormatVersion = 1

// Encode writes p as a plan file: indented JSON of Plan with FormatVersion
// set. The desired graph keeps its references ($ref, $join) and sensitive
// values ($sensitive, unmasked: apply needs them), so a plan file is as
// secret as the configuration's sensitive values; WriteFile creates it
// readable by its owner only.
func Encode(w io.Writer, p *Plan) error {
	cp := *p
	cp.FormatVersion = FormatVersion
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&cp)
}

// Decode reads a plan file. A file of a newer format version than this
// gantry knows, or one that is not a plan file at all, is an error that
// says so.
func Decode(r io.Reader) (*Plan, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var head struct {
		FormatVersion *int   `json:"formatVersion"`
		GantryVersion string `json:"gantryVersion"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.FormatVersion == nil {
		return nil, errors.New("not a gantry plan file (no formatVersion); write one with gantry plan --out FILE")
	}
	switch v := *head.FormatVersion; {
	case v > FormatVersion:
		return nil, fmt.Errorf("plan file format version %d is newer than this gantry reads (up to %d); "+
			"use gantry %s, which wrote it, or a newer one", v, FormatVersion, head.GantryVersion)
	case v < 1:
		return nil, fmt.Errorf("plan file format version %d is not valid", v)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	if p.Desired == nil {
		return nil, errors.New("plan file has no desired graph")
	}
	return &p, nil
}

// WriteFile writes p to path atomically: to a temporary file in the same
// directory, synced, then renamed over path, so a reader never sees half a
// plan. The file is created with mode 0600.
func WriteFile(path string, p *Plan) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := Encode(f, p); err != nil {
		f.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// ReadFile reads the plan file at path.
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
