package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. Resources are nested: resources/<account>/<region>/<type>/<id>.
// The other buckets are flat, with keys joined by NUL.
var (
	bResources = []byte("resources")
	bOwners    = []byte("owners") // project, env, account, region, type, id → ""
	bNames     = []byte("names")  // account, region, type, identity key → id
	bRefs      = []byte("refs")   // account, region, referenced string, type, id → ""
	bMeta      = []byte("meta")   // "knobs" → Knobs; "version" → schema version
	bLocks     = []byte("locks")  // project, env → LockInfo
	bSeq       = []byte("seq")    // counters for deterministic identifiers
)

const schemaVersion = "1"

// store is the sandbox's bbolt file. Every operation opens the database,
// runs one short transaction and closes it again, under an exclusive
// flock of a side file: two processes interleave transaction by
// transaction, and neither holds the file while it sleeps a simulated
// latency.
type store struct {
	dir      string
	dbPath   string
	lockPath string
	// mu serialises this process's transactions: flock locks belong to
	// open files, so two handles in one process would otherwise exclude
	// each other only through the kernel, which is fine, but one handle's
	// goroutines must not open the file twice.
	mu sync.Mutex
	// timeout bounds the wait for bbolt's own file lock, held only by a
	// tool that ignores sandbox.lock (such as the bbolt CLI).
	timeout time.Duration
	noSync  bool
}

func openStore(dir string) (*store, error) {
	if dir == "" {
		return nil, fmt.Errorf("sandbox: no directory (use --sandbox DIR or %s)", EnvDir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &store{
		dir:      abs,
		dbPath:   filepath.Join(abs, "sandbox.db"),
		lockPath: filepath.Join(abs, "sandbox.lock"),
		timeout:  30 * time.Second,
	}
	err = s.update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bResources, bOwners, bNames, bRefs, bMeta, bLocks, bSeq} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get([]byte("version")); v == nil {
			if err := meta.Put([]byte("version"), []byte(schemaVersion)); err != nil {
				return err
			}
			k, _ := json.Marshal(DefaultKnobs())
			return meta.Put([]byte("knobs"), k)
		} else if string(v) != schemaVersion {
			return fmt.Errorf("sandbox %s has format version %s; this gantry reads version %s", abs, v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// with opens the database for one transaction.
func (s *store) with(writable bool, fn func(*bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	lf, err := os.OpenFile(s.lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer lf.Close()
	if err := lockFile(lf); err != nil {
		return fmt.Errorf("sandbox: lock %s: %w", s.lockPath, err)
	}
	defer unlockFile(lf)
	db, err := bolt.Open(s.dbPath, 0o644, &bolt.Options{Timeout: s.timeout, NoSync: s.noSync})
	if err != nil {
		return fmt.Errorf("sandbox: open %s: %w", s.dbPath, err)
	}
	defer db.Close()
	if writable {
		return db.Update(fn)
	}
	return db.View(fn)
}

func (s *store) update(fn func(*bolt.Tx) error) error { return s.with(true, fn) }
func (s *store) view(fn func(*bolt.Tx) error) error   { return s.with(false, fn) }

// key joins key parts with NUL, which no AWS identifier contains.
func key(parts ...string) []byte {
	return []byte(joinKey(parts...))
}

func joinKey(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return string(b)
}

func splitKey(k []byte) []string {
	parts := bytes.Split(k, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// prefix returns key(parts...) followed by a NUL, to scan one level down.
func prefix(parts ...string) []byte {
	return append(key(parts...), 0)
}

// scanPrefix calls fn for every key of b starting with p.
func scanPrefix(b *bolt.Bucket, p []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
