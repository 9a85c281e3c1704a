package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gantry-gitops/gantry/provider"
)

// Default account and region when a scope names none.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
)

// Options configure a handle on a sandbox directory. The zero value is
// ready to use.
type Options struct {
	// Knobs, when set, replace the knobs persisted in the directory (and
	// the GANTRY_SANDBOX_* environment) for this handle only.
	Knobs *Knobs
	// IgnoreEnv ignores the GANTRY_SANDBOX_* environment variables.
	IgnoreEnv bool
	// Clock returns the current time (default time.Now). Deployments
	// progress and locks age by it, so tests can move time by hand.
	Clock func() time.Time
	// Logger receives diagnostics (a broken stale lock, ...); default
	// slog.Default().
	Logger *slog.Logger
	// ReadConcurrency bounds the simulated API calls ListOwned makes at
	// once (default 32), as an SDK's connection pool would.
	ReadConcurrency int
	// Hostname is this host's name for lock holders (default os.Hostname).
	Hostname string
	// NoSync skips fsync after each write: much faster, and still safe
	// between processes, but a machine crash may lose the last writes.
	// For tests and benchmarks.
	NoSync bool
	// Create makes the directory when it does not exist; without it, a
	// directory that does not exist is an error (*NotExistError), so a
	// mistyped --sandbox path is never silently a new, empty account.
	Create bool
	// ReadOnly never writes to the directory: the database is opened
	// read-only, one that does not exist yet reads as an empty account,
	// and every write fails. For plan and inspection.
	ReadOnly bool
}

// Sandbox is a handle on a sandbox directory. It implements
// provider.Provider; it is safe for concurrent use, and any number of
// handles, in any number of processes, may share a directory.
type Sandbox struct {
	st   *store
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	knobs   Knobs
	stats   Stats
	callSeq map[string]int
}

var _ provider.Provider = (*Sandbox)(nil)

// Open opens the sandbox in dir, an existing directory (or one it makes,
// with opts.Create). An empty directory is a new, empty account.
func Open(dir string, opts Options) (*Sandbox, error) {
	st, err := openStore(dir, opts.Create, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	st.noSync = opts.NoSync
	s := &Sandbox{st: st, opts: opts, log: opts.Logger, callSeq: map[string]int{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.ReadConcurrency <= 0 {
		s.opts.ReadConcurrency = 32
	}
	if s.opts.Hostname == "" {
		s.opts.Hostname, _ = os.Hostname()
	}
	s.stats.Calls = map[string]int{}
	if opts.Knobs != nil {
		s.knobs = *opts.Knobs
	} else {
		k, err := s.SavedKnobs()
		if err != nil {
			return nil, err
		}
		if !opts.IgnoreEnv {
			if err := EnvKnobs(&k, nil); err != nil {
				return nil, fmt.Errorf("sandbox: %w", err)
			}
		}
		s.knobs = k
	}
	if err := s.knobs.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return s, nil
}

// Name is "sandbox".
func (s *Sandbox) Name() string { return "sandbox" }

// Dir is the sandbox directory (absolute).
func (s *Sandbox) Dir() string { return s.st.dir }

// Close releases the handle. The database is only open during calls, so
// there is nothing to flush; Close exists for symmetry with other stores.
func (s *Sandbox) Close() error { return nil }

func (s *Sandbox) now() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}

// Knobs returns this handle's knobs.
func (s *Sandbox) Knobs() Knobs {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.knobs
	k.Failures = append([]Failure(nil), s.knobs.Failures...)
	return k
}

// SetKnobs changes this handle's knobs without persisting them.
func (s *Sandbox) SetKnobs(k Knobs) error {
	if err := k.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.knobs = k
	s.mu.Unlock()
	return nil
}

// SavedKnobs reads the knobs persisted in the directory.
func (s *Sandbox) SavedKnobs() (Knobs, error) {
	k := DefaultKnobs()
	err := s.st.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get([]byte("knobs")); v != nil {
			return json.Unmarshal(v, &k)
		}
		return nil
	})
	return k, err
}

// SaveKnobs persists k in the directory, for every later handle and
// process, and sets them on this handle.
func (s *Sandbox) SaveKnobs(k Knobs) error {
	if err := k.Validate(); err != nil {
		return err
	}
	v, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := s.st.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put([]byte("knobs"), v)
	}); err != nil {
		return err
	}
	return s.SetKnobs(k)
}

// Stats counts the simulated API calls of one handle.
type Stats struct {
	// Calls counts calls by AWS operation ("ecs:DescribeServices"),
	// retries included.
	Calls map[string]int `json:"calls"`
	// Total is the sum of Calls.
	Total int `json:"total"`
	// Throttled and Failed count the calls that failed by injection.
	Throttled int `json:"throttled"`
	Failed    int `json:"failed"`
	// Retries counts the read calls the sandbox repeated itself after a
	// throttling or transient error, as an SDK's retryer does.
	Retries int `json:"retries"`
	// UnownedWrites counts Update and Delete calls on resources that do
	// not carry the caller's ownership tags: gantry should never make one.
	UnownedWrites int `json:"unownedWrites"`
	// TrafficGaps describes every write that left traffic without a
	// healthy target: a listener or rule moved from target groups with
	// healthy targets to one without, or a service left a target group a
	// listener or rule still sends traffic to. gantry should never make one.
	TrafficGaps []string `json:"trafficGaps,omitempty"`
	// InUse describes every delete refused because something still uses
	// the resource (DependencyViolation, ResourceInUse, DeleteConflict,
	// ClusterContainsServicesException, ...), retries included: a delete
	// made in dependency order never gets one.
	InUse []string `json:"inUse,omitempty"`
}

// Stats returns a copy of this handle's call counts.
func (s *Sandbox) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = make(map[string]int, len(s.stats.Calls))
	for k, v := range s.stats.Calls {
		st.Calls[k] = v
	}
	st.TrafficGaps = append([]string(nil), s.stats.TrafficGaps...)
	st.InUse = append([]string(nil), s.stats.InUse...)
	return st
}

// ResetStats zeroes the call counts.
func (s *Sandbox) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Calls: map[string]int{}}
}

// serviceErrors are each API's throttling and transient error codes: the
// server errors each reference lists (ECS and ECR ServerException, IAM
// ServiceFailure, CloudWatch Logs ServiceUnavailableException, Application
// Auto Scaling and the tagging API InternalServiceException, CloudWatch
// InternalServiceError) and the common errors of the Query APIs
// (Throttling, InternalFailure; EC2's RequestLimitExceeded: EC2 API
// Reference, Error codes).
var serviceErrors = map[string]struct{ throttle, transient, transientMsg string }{
	"ecs":                     {"ThrottlingException", "ServerException", "Service Unavailable. Please try again later."},
	"elasticloadbalancing":    {"Throttling", "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."},
	"iam":                     {"Throttling", "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure."},
	"ec2":                     {"RequestLimitExceeded", "InternalError", "An internal error has occurred."},
	"ecr":                     {"ThrottlingException", "ServerException", "Service Unavailable. Please try again later."},
	"logs":                    {"ThrottlingException", "ServiceUnavailableException", "The service cannot complete the request."},
	"autoscaling":             {"Throttling", "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."},
	"application-autoscaling": {"ThrottlingException", "InternalServiceException", "Internal service error, please try again."},
	"cloudwatch":              {"Throttling", "InternalServiceError", "Internal service error."},
	"tag":                     {"ThrottledException", "InternalServiceException", "The request processing has failed because of an unknown error."},
	"sandbox":                 {"ThrottlingException", "ServiceUnavailable", "Service unavailable. Please try again later."},
}

// retryableCode reports whether an AWS error code is a throttling or
// transient server error.
func retryableCode(code string) bool {
	switch code {
	case "ThrottlingException", "Throttling", "ThrottledException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "SlowDown",
		"ServerException", "InternalFailure", "ServiceFailure", "InternalError",
		"ServiceUnavailableException", "ServiceUnavailable", "InternalServiceException",
		"InternalServiceError", "Unavailable":
		return true
	}
	return false
}

func serviceOf(op string) string {
	svc, _, _ := strings.Cut(op, ":")
	return svc
}

// call simulates one API call: it waits the latency, counts the call and
// decides whether it fails by injection. A write call may fail after its
// change is made (after != nil): the caller makes the change and then
// returns after.
func (s *Sandbox) call(ctx context.Context, op, typ, address string, write bool) (after *provider.OpError, err error) {
	k := s.Knobs()
	if d := k.Latency.D(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stats.Calls[op]++
	s.stats.Total++
	seqKey := op + "\x00" + address
	n := s.callSeq[seqKey]
	s.callSeq[seqKey] = n + 1
	s.mu.Unlock()

	fail, isAfter, err := s.inject(k, op, address, n, write)
	if err != nil || fail == nil {
		return nil, err
	}
	fail.Type = typ
	fail.Address = address
	if isAfter && write {
		return fail, nil
	}
	return nil, fail
}

// unit returns a deterministic number in [0,1) for the n-th call of an
// operation on an address.
func unit(seed int64, salt, op, address string, n int) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%d", seed, salt, op, address, n)
	// FNV alone is poorly mixed for inputs that differ in one digit:
	// finish with splitmix64.
	z := h.Sum64() + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / float64(1<<53)
}

// inject decides whether the n-th call of op on address fails.
func (s *Sandbox) inject(k Knobs, op, address string, n int, write bool) (*provider.OpError, bool, error) {
	codes := serviceErrors[serviceOf(op)]
	if codes.throttle == "" {
		codes = serviceErrors["sandbox"]
	}
	for i, f := range k.Failures {
		if f.Spent || !f.matches(op, address) {
			continue
		}
		if f.Rate > 0 && unit(k.Seed, fmt.Sprintf("failure%d", i), op, address, n) >= f.Rate {
			continue
		}
		if f.Times > 0 {
			fired, err := s.spendFailure(i, f)
			if err != nil {
				return nil, false, err
			}
			if !fired {
				continue
			}
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = codes.transient
		}
		if msg == "" {
			msg = codes.transientMsg
			if code == codes.throttle {
				msg = "Rate exceeded"
			} else if code != codes.transient {
				msg = "injected failure"
			}
		}
		s.countFailure(code)
		return &provider.OpError{Operation: op, Code: code, Message: msg, Retryable: retryableCode(code)}, f.After, nil
	}
	if k.ThrottleRate > 0 && unit(k.Seed, "throttle", op, address, n) < k.ThrottleRate {
		s.countFailure(codes.throttle)
		return &provider.OpError{Operation: op, Code: codes.throttle, Message: "Rate exceeded", Retryable: true}, false, nil
	}
	if u := unit(k.Seed, "failure", op, address, n); k.FailureRate > 0 && u < k.FailureRate {
		s.countFailure(codes.transient)
		// With lost responses, the lower half of the failing draws fail
		// after the change.
		lost := write && k.LostResponses && u < k.FailureRate/2
		return &provider.OpError{Operation: op, Code: codes.transient, Message: codes.transientMsg, Retryable: true}, lost, nil
	}
	return nil, false, nil
}

func (s *Sandbox) countFailure(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.Contains(code, "Throttl") || code == "RequestLimitExceeded" {
		s.stats.Throttled++
	} else {
		s.stats.Failed++
	}
}

// spendFailure counts down a failure that fires a number of times, in
// the directory so that every process sees the same count; a failure that
// exists only on this handle (Options.Knobs, SetKnobs) counts down here.
// It reports whether the failure still had a turn.
func (s *Sandbox) spendFailure(i int, f Failure) (bool, error) {
	found, fired := false, false
	var left Failure
	err := s.st.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		var saved Knobs
		if v := meta.Get([]byte("knobs")); v != nil {
			if err := json.Unmarshal(v, &saved); err != nil {
				return err
			}
		}
		for j := range saved.Failures {
			sf := &saved.Failures[j]
			if sf.Operation != f.Operation || sf.Address != f.Address || sf.Code != f.Code || sf.After != f.After {
				continue
			}
			found = true
			if sf.Spent || sf.Times <= 0 {
				left = *sf
				return nil
			}
			fired = true
			sf.Times--
			sf.Spent = sf.Times == 0
			left = *sf
			v, err := json.Marshal(saved)
			if err != nil {
				return err
			}
			return meta.Put([]byte("knobs"), v)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.knobs.Failures) {
		return fired, nil
	}
	hf := &s.knobs.Failures[i]
	if found {
		hf.Times, hf.Spent = left.Times, left.Spent
		return fired, nil
	}
	if hf.Spent || hf.Times <= 0 {
		return false, nil
	}
	hf.Times--
	hf.Spent = hf.Times == 0
	return true, nil
}

// readAttempts bounds a read call's attempts, as an AWS provider
// configures the SDK's retryer for reads (retry.AddWithMaxAttempts): a
// plan of thousands of resources makes hundreds of read calls, and at the
// SDK's default of 3 attempts a few percent of throttling would fail one
// of them.
const readAttempts = 10

// readCall is a read API call with the SDK's standard retries: throttling
// and transient errors are retried up to readAttempts with capped
// exponential backoff and full jitter in its upper half (5ms, 10ms, ...
// up to 100ms here, scaled down from the SDK's 20s cap so that tests stay
// fast); every attempt counts as a call.
func (s *Sandbox) readCall(ctx context.Context, op, typ, address string) error {
	const attempts = readAttempts
	var err error
	for i := 0; i < attempts; i++ {
		_, err = s.call(ctx, op, typ, address, false)
		if err == nil || !provider.IsRetryable(err) {
			return err
		}
		if i == attempts-1 {
			break
		}
		s.mu.Lock()
		s.stats.Retries++
		s.mu.Unlock()
		backoff := time.Duration(math.Min(float64(5*time.Millisecond)*math.Pow(2, float64(i)), float64(100*time.Millisecond)))
		backoff = backoff/2 + time.Duration(unit(s.Knobs().Seed, "backoff", op, address, i)*float64(backoff/2))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

// scopeAccount returns the account and region of a scope, with defaults.
func scopeAccount(scope provider.Scope) (string, string) {
	a, r := scope.Account, scope.Region
	if a == "" {
		a = DefaultAccount
	}
	if r == "" {
		r = DefaultRegion
	}
	return a, r
}
