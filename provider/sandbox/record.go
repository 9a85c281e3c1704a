package sandbox

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/graph"
	"github.com/gantry-gitops/gantry/provider"
)

// record is one resource as the sandbox stores it: the properties as they
// were last written (without the defaults AWS adds on read), tags,
// attributes and whatever run-time state its type has.
type record struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Key is the identity that must be unique among live resources of the
	// type (a name; cluster/name for services; load balancer and port for
	// listeners); "" when the type has none.
	Key   string            `json:"key,omitempty"`
	Props map[string]any    `json:"props"`
	Tags  map[string]string `json:"tags,omitempty"`
	// Owner records the scope and address a resource was created for, for
	// types that take no tags (scaling policies, capacity provider
	// associations): ownership an AWS provider derives from the parent.
	Owner  *owner            `json:"owner,omitempty"`
	Attrs  map[string]string `json:"attrs,omitempty"`
	Status string            `json:"status,omitempty"` // "" (active), INACTIVE, DRAINING
	// Created and Updated are the times of the API calls that made and
	// last changed the resource; Gen counts the changes.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Gen     int       `json:"gen"`

	Revision    int               `json:"revision,omitempty"`    // task definitions
	Versions    []ltVersion       `json:"versions,omitempty"`    // launch templates
	Deployments []*deployment     `json:"deployments,omitempty"` // services
	Instances   []instance        `json:"instances,omitempty"`   // Auto Scaling groups: as launched
	Refreshes   []*refresh        `json:"refreshes,omitempty"`   // Auto Scaling groups: oldest first
	DeletedAt   time.Time         `json:"deletedAt,omitzero"`    // services: when draining began
	Images      []string          `json:"images,omitempty"`      // ECR repositories
	Extra       map[string]string `json:"extra,omitempty"`       // small per-type settings
}

type owner struct {
	Project     string `json:"project"`
	Environment string `json:"environment"`
	Address     string `json:"address"`
}

// ltVersion is one launch template version.
type ltVersion struct {
	Number      int            `json:"number"`
	Data        map[string]any `json:"data"`
	Description string         `json:"description,omitempty"`
	Created     time.Time      `json:"created"`
}

// live reports whether the resource exists as far as the APIs' list and
// describe calls are concerned.
func (r *record) live() bool { return r.Status == "" || r.Status == "ACTIVE" }

// ownership returns the project, environment and address the resource
// belongs to: from its tags, or, for types that take none, from Owner.
func (r *record) ownership() (project, env, address string, ok bool) {
	if p := r.Tags[graph.TagProject]; p != "" {
		return p, r.Tags[graph.TagEnvironment], r.Tags[graph.TagAddress], true
	}
	if h := handlers[r.Type]; h != nil && !h.Taggable && r.Owner != nil {
		return r.Owner.Project, r.Owner.Environment, r.Owner.Address, true
	}
	return "", "", "", false
}

// ownedBy reports whether the resource belongs to scope.
func (r *record) ownedBy(project, env string) bool {
	p, e, _, ok := r.ownership()
	return ok && p == project && e == env
}

func (r *record) address() string {
	_, _, a, _ := r.ownership()
	return a
}

// txc is the context of one transaction against one account and region:
// lookups, writes that keep the indexes right, identifier generation and
// errors that name the operation.
type txc struct {
	s       *Sandbox
	tx      *bolt.Tx
	account string
	region  string
	now     time.Time
	knobs   Knobs
	// op, typ and addr name the API call under way, for errors.
	op   string
	typ  string
	addr string
}

func (s *Sandbox) newTxc(tx *bolt.Tx, account, region string) *txc {
	return &txc{s: s, tx: tx, account: account, region: region, now: s.now(), knobs: s.Knobs()}
}

// errorf builds the OpError of the call under way.
func (c *txc) errorf(code, format string, args ...any) *provider.OpError {
	return &provider.OpError{
		Address:   c.addr,
		Type:      c.typ,
		Operation: c.op,
		Code:      code,
		Message:   fmt.Sprintf(format, args...),
		Retryable: retryableCode(code),
	}
}

// notFound builds a NotFound OpError.
func (c *txc) notFound(code, format string, args ...any) *provider.OpError {
	e := c.errorf(code, format, args...)
	e.NotFound = true
	return e
}

// rgn is the region a type's resources live in: "" for global services
// (IAM), else the transaction's region.
func (c *txc) rgn(typ string) string {
	if h := handlers[typ]; h != nil && h.Global {
		return ""
	}
	return c.region
}

func (c *txc) typeBucket(typ string, create bool) (*bolt.Bucket, error) {
	return c.typeBucketIn(c.rgn(typ), typ, create)
}

func (c *txc) typeBucketIn(region, typ string, create bool) (*bolt.Bucket, error) {
	root := c.tx.Bucket(bResources)
	names := []string{c.account + "/" + region, typ}
	b := root
	for _, n := range names {
		next := b.Bucket([]byte(n))
		if next == nil {
			if !create {
				return nil, nil
			}
			var err error
			if next, err = b.CreateBucket([]byte(n)); err != nil {
				return nil, err
			}
		}
		b = next
	}
	return b, nil
}

// get returns the record with this id, or nil.
func (c *txc) get(typ, id string) (*record, error) {
	return c.getIn(c.rgn(typ), typ, id)
}

// getIn is get in another region of the account.
func (c *txc) getIn(region, typ, id string) (*record, error) {
	b, err := c.typeBucketIn(region, typ, false)
	if b == nil || err != nil {
		return nil, err
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return decodeRecord(v)
}

func decodeRecord(v []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("sandbox: corrupt record: %w", err)
	}
	if r.Props == nil {
		r.Props = map[string]any{}
	}
	return &r, nil
}

// byAlias returns the record of type typ that a name, ARN or key names.
func (c *txc) byAlias(typ, alias string) (*record, error) {
	if alias == "" {
		return nil, nil
	}
	if r, err := c.get(typ, alias); r != nil || err != nil {
		return r, err
	}
	id := c.tx.Bucket(bNames).Get(key(c.account, c.rgn(typ), typ, alias))
	if id == nil {
		return nil, nil
	}
	return c.get(typ, string(id))
}

// liveByAlias is byAlias restricted to live records.
func (c *txc) liveByAlias(typ, alias string) (*record, error) {
	r, err := c.byAlias(typ, alias)
	if r != nil && !r.live() {
		return nil, err
	}
	return r, err
}

// scan calls fn for every record of a type in this account and region.
func (c *txc) scan(typ string, fn func(*record) error) error {
	b, err := c.typeBucket(typ, false)
	if b == nil || err != nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		r, err := decodeRecord(v)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// aliases are the names other records and callers use for r: its key,
// its ARN attributes and the typed name refs its handler declares.
func aliases(r *record) []string {
	var out []string
	if r.Key != "" && r.Key != r.ID {
		out = append(out, r.Key)
	}
	keys := make([]string, 0, len(r.Attrs))
	for k := range r.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := r.Attrs[k]; strings.HasPrefix(v, "arn:") && v != r.ID {
			out = append(out, v)
		}
	}
	if h := handlers[r.Type]; h != nil && h.RefName != nil {
		if n := h.RefName(r); n != "" {
			out = append(out, n)
		}
	}
	return dedupe(out)
}

var idLike = regexp.MustCompile(`^(sg|lt)-[0-9a-f]{8,17}$`)

// references lists the identifiers r's properties point at: ARNs, sg-
// and lt- ids, and the typed names its handler extracts (a cluster named
// by name, a role named by name).
func references(r *record) []string {
	var out []string
	graph.WalkStrings(r.Props, func(s string) {
		if strings.HasPrefix(s, "arn:") || idLike.MatchString(s) {
			out = append(out, s)
		}
	})
	if h := handlers[r.Type]; h != nil && h.NameRefs != nil {
		out = append(out, h.NameRefs(r.Props)...)
	}
	self := map[string]bool{r.ID: true}
	for _, a := range aliases(r) {
		self[a] = true
	}
	var refs []string
	for _, s := range dedupe(out) {
		if !self[s] {
			refs = append(refs, s)
		}
	}
	return refs
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// put writes r, replacing old (nil for a new record), and keeps the
// indexes right.
func (c *txc) put(old, r *record) error {
	if old != nil {
		if err := c.unindex(old); err != nil {
			return err
		}
	}
	r.Gen++
	r.Updated = c.now
	if r.Created.IsZero() {
		r.Created = c.now
	}
	r.Account, r.Region = c.account, c.rgn(r.Type)
	b, err := c.typeBucket(r.Type, true)
	if err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(r.ID), v); err != nil {
		return err
	}
	return c.index(r)
}

// remove deletes r and its index entries.
func (c *txc) remove(r *record) error {
	if err := c.unindex(r); err != nil {
		return err
	}
	b, err := c.typeBucketIn(r.Region, r.Type, false)
	if b == nil || err != nil {
		return err
	}
	return b.Delete([]byte(r.ID))
}

// indexed reports whether r takes part in the owner, name and reference
// indexes: live records, and services still draining (their name is
// taken until they are inactive).
func indexed(r *record) bool { return r.live() || r.Status == "DRAINING" }

func (c *txc) index(r *record) error {
	if !indexed(r) {
		return nil
	}
	names, refs, owners := c.tx.Bucket(bNames), c.tx.Bucket(bRefs), c.tx.Bucket(bOwners)
	for _, a := range aliases(r) {
		if err := names.Put(key(c.account, r.Region, r.Type, a), []byte(r.ID)); err != nil {
			return err
		}
	}
	for _, ref := range references(r) {
		if err := refs.Put(key(c.account, ref, r.Region, r.Type, r.ID), nil); err != nil {
			return err
		}
	}
	if p, e, _, ok := r.ownership(); ok && r.live() {
		if err := owners.Put(key(p, e, c.account, r.Region, r.Type, r.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

func (c *txc) unindex(r *record) error {
	names, refs, owners := c.tx.Bucket(bNames), c.tx.Bucket(bRefs), c.tx.Bucket(bOwners)
	for _, a := range aliases(r) {
		k := key(c.account, r.Region, r.Type, a)
		// Only drop a name that still points at this record: a newer
		// resource may have taken it.
		if string(names.Get(k)) == r.ID {
			if err := names.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, ref := range references(r) {
		if err := refs.Delete(key(c.account, ref, r.Region, r.Type, r.ID)); err != nil {
			return err
		}
	}
	if p, e, _, ok := r.ownership(); ok {
		if err := owners.Delete(key(p, e, c.account, r.Region, r.Type, r.ID)); err != nil {
			return err
		}
	}
	return nil
}

// referrers returns the live records whose properties name r, optionally
// only those of the given types.
func (c *txc) referrers(r *record, types ...string) ([]*record, error) {
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	seen := map[string]bool{}
	var out []*record
	for _, a := range append([]string{r.ID}, aliases(r)...) {
		err := scanPrefix(c.tx.Bucket(bRefs), prefix(c.account, a), func(k, _ []byte) error {
			parts := splitKey(k)
			region, typ, id := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
			// Only this region's referrers, and global ones; a regional
			// resource is in use only by resources of its own region.
			if region != "" && region != c.region {
				return nil
			}
			if (len(want) > 0 && !want[typ]) || seen[typ+"\x00"+id] {
				return nil
			}
			seen[typ+"\x00"+id] = true
			ref, err := c.getIn(region, typ, id)
			if err != nil || ref == nil || !ref.live() {
				return err
			}
			out = append(out, ref)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// seq returns the next number of a counter of this account and region.
func (c *txc) seq(kind, identity string) (int, error) {
	b := c.tx.Bucket(bSeq)
	k := key(c.account, c.rgn(kind), kind, identity)
	n := 0
	if v := b.Get(k); len(v) == 8 {
		n = int(binary.BigEndian.Uint64(v))
	}
	n++
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(n))
	return n, b.Put(k, buf[:])
}

// entropy returns deterministic bytes for a new identifier: a hash of the
// seed, the account and region, the kind and identity of the resource and
// how many such identifiers were made before, so identifiers do not
// depend on the order concurrent calls arrive in.
func (c *txc) entropy(kind, identity string) ([]byte, error) {
	n, err := c.seq(kind, identity)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%d", c.knobs.Seed, c.account, c.region, kind, identity, n)))
	return h[:], nil
}

// ids derives identifier parts from entropy, for identifiers in AWS's
// formats (AWS General Reference: Amazon Resource Names; each service's
// ids: sg- and lt- with 17 hex digits, ELB ARNs with 16, ...).
type ids []byte

func (b ids) hex(n int) string { return hex.EncodeToString(b)[:n] }

func (b ids) digits(n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = '0' + b[(i+7)%len(b)]%10
	}
	if out[0] == '0' {
		out[0] = '1'
	}
	return string(out)
}

func (b ids) upper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[b[(i+3)%len(b)]%32]
	}
	return string(out)
}

func (b ids) uuid() string {
	h := b.hex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// newIDs returns entropy for a new identifier as ids.
func (c *txc) newIDs(kind, identity string) (ids, error) {
	b, err := c.entropy(kind, identity)
	return ids(b), err
}

// rng returns a deterministic random source for one list of one version
// of one record: the same read gives the same order, a new version of the
// record may give another.
func (c *txc) rng(r *record, path string) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s", c.knobs.Seed, r.ID, r.Gen, path)
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// shuffle returns l in another order, as AWS returns set-like lists: a
// deterministic permutation that differs from the given order whenever
// the list has two or more distinct elements (unless shuffling is off).
func (c *txc) shuffle(r *record, path string, l []any) []any {
	if c.knobs.NoShuffle || len(l) < 2 {
		return l
	}
	out := append([]any(nil), l...)
	c.rng(r, path).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if jsonEqual(out, l) {
		// Rotate by one: a different order whenever elements differ.
		out = append(out[1:], out[0])
	}
	return out
}

// shuffleKey shuffles the list p[key] in place (see shuffle).
func (c *txc) shuffleKey(r *record, path string, p map[string]any, k string) {
	if l := list(p, k); l != nil {
		p[k] = c.shuffle(r, path+"."+k, l)
	}
}

// fnvHash is a small stable hash for deterministic choices.
func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
