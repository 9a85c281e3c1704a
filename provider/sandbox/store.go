package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
	// readOnly: see Options.ReadOnly.
	readOnly bool
	// broken is the error of a database bbolt panicked on: the file is
	// not opened again (a panic inside bolt.Open leaves its descriptor,
	// and bbolt's lock on it, behind).
	broken error
}

// NotExistError is Open's error for a directory that does not exist.
type NotExistError struct{ Dir string }

func (e *NotExistError) Error() string {
	return fmt.Sprintf("sandbox %s does not exist: create it with gantry sandbox init --sandbox %s (an empty directory is an empty account)", e.Dir, e.Dir)
}

// errReadOnly is the error of a write through a read-only handle.
var errReadOnly = errors.New("sandbox: opened read-only")

func openStore(dir string, create, readOnly bool) (*store, error) {
	if dir == "" {
		return nil, fmt.Errorf("sandbox: no directory (use --sandbox DIR or %s)", EnvDir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := ensureDir(abs, create && !readOnly); err != nil {
		return nil, err
	}
	s := &store{
		dir:      abs,
		dbPath:   filepath.Join(abs, "sandbox.db"),
		lockPath: filepath.Join(abs, "sandbox.lock"),
		timeout:  30 * time.Second,
		readOnly: readOnly,
	}
	if readOnly {
		return s, s.view(func(tx *bolt.Tx) error { return checkVersion(tx, abs) })
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
		}
		return checkVersion(tx, abs)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ensureDir checks that dir is a directory, making it when it does not
// exist and create is set.
func ensureDir(dir string, create bool) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("sandbox %s is a file, not a directory", dir)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("sandbox: %w", err)
	case !create:
		return &NotExistError{Dir: dir}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}

// checkVersion refuses a database of another format version.
func checkVersion(tx *bolt.Tx, dir string) error {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return fmt.Errorf("sandbox %s is damaged: it has no metadata (move sandbox.db away to start a new, empty account)", dir)
	}
	if v := meta.Get([]byte("version")); string(v) != schemaVersion {
		return fmt.Errorf("sandbox %s has format version %s; this gantry reads version %s", dir, v, schemaVersion)
	}
	return nil
}

// with opens the database for one transaction. A read-only store never
// creates a file: without a database there is nothing to read and fn is
// not run (an empty account). bbolt panics on some damage: that, and its
// open errors, are a damaged-file error naming the file.
func (s *store) with(writable bool, fn func(*bolt.Tx) error) (err error) {
	if writable && s.readOnly {
		return errReadOnly
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return s.broken
	}
	if s.readOnly {
		if _, err := os.Stat(s.dbPath); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	release, err := s.lockDir()
	if err != nil {
		return err
	}
	defer release()
	defer func() {
		if p := recover(); p != nil {
			err = s.damaged(fmt.Errorf("%v", p))
			s.broken = err
		}
	}()
	db, err := bolt.Open(s.dbPath, 0o644, &bolt.Options{Timeout: s.timeout, NoSync: s.noSync, ReadOnly: s.readOnly})
	if err != nil {
		return s.damaged(err)
	}
	defer db.Close()
	if writable {
		return db.Update(fn)
	}
	return db.View(fn)
}

// lockDir takes the exclusive lock of the directory's side file (opened
// read-only by a read-only store, which then skips it when absent).
func (s *store) lockDir() (release func(), err error) {
	flag := os.O_CREATE | os.O_RDWR
	if s.readOnly {
		flag = os.O_RDONLY
	}
	lf, err := os.OpenFile(s.lockPath, flag, 0o644)
	if s.readOnly && errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := lockFile(lf); err != nil {
		lf.Close()
		return nil, fmt.Errorf("sandbox: lock %s: %w", s.lockPath, err)
	}
	return func() { unlockFile(lf); lf.Close() }, nil
}

// damaged is the error for a database bbolt cannot read.
func (s *store) damaged(cause error) error {
	if errors.Is(cause, bolt.ErrTimeout) {
		return fmt.Errorf("sandbox: open %s: %w (another program holds the file)", s.dbPath, cause)
	}
	return fmt.Errorf("sandbox %s is damaged (%v): move it away to start a new, empty account", s.dbPath, cause)
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
