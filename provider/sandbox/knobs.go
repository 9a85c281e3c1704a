package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// Knobs tune how the sandbox behaves. They are persisted in the sandbox
// directory (SaveKnobs, `gantry sandbox knobs`), can be overridden per
// process by GANTRY_SANDBOX_* environment variables (see EnvKnobs) and per
// handle by Options.Knobs or SetKnobs.
type Knobs struct {
	// Latency is added to every simulated API call.
	Latency Duration `json:"latency,omitempty"`
	// ThrottleRate is the fraction of API calls (0..1) that fail with the
	// service's throttling error (ThrottlingException, Throttling,
	// RequestLimitExceeded, ...), marked Retryable.
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// FailureRate is the fraction of API calls (0..1) that fail with the
	// service's transient server error (ServerException, InternalFailure,
	// ...), marked Retryable.
	FailureRate float64 `json:"failureRate,omitempty"`
	// LostResponses makes half of the random failures of write calls
	// happen after the change was made, as when a response is lost on the
	// way back: the resource exists although the call failed.
	LostResponses bool `json:"lostResponses,omitempty"`
	// Failures are targeted failures, tried in order before the rates.
	Failures []Failure `json:"failures,omitempty"`
	// DeploymentDuration is how long an ECS deployment takes to reach
	// COMPLETED (and a crash-looping one to trip the circuit breaker). 0
	// makes deployments settle at once.
	DeploymentDuration Duration `json:"deploymentDuration"`
	// NoShuffle returns set-like lists in the order they were given.
	// By default they come back in a different (deterministic) order.
	NoShuffle bool `json:"noShuffle,omitempty"`
	// Seed makes identifiers, list orders and injected failures
	// reproducible; two sandboxes with the same seed and the same calls
	// agree.
	Seed int64 `json:"seed,omitempty"`
}

// DefaultDeploymentDuration is the deployment duration of a new sandbox:
// long enough that an apply visibly waits, short enough for a demo.
const DefaultDeploymentDuration = 2 * time.Second

// DefaultKnobs are the knobs of a new sandbox.
func DefaultKnobs() Knobs {
	return Knobs{DeploymentDuration: Duration(DefaultDeploymentDuration)}
}

// Failure is a targeted failure: calls that match Operation and Address
// fail with Code and Message.
type Failure struct {
	// Operation is an AWS operation or a path.Match pattern of one, e.g.
	// "ecs:CreateService", "ecs:*", "*:Delete*"; empty matches any.
	Operation string `json:"operation,omitempty"`
	// Address is a gantry address or a pattern of one; empty matches any.
	// A call without an address (a list page) matches only an empty Address.
	Address string `json:"address,omitempty"`
	// Code is the AWS error code; empty means the service's transient
	// server error. Throttling and server error codes are Retryable.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Rate is the fraction of matching calls that fail; 0 means all.
	Rate float64 `json:"rate,omitempty"`
	// Times is how many more times the failure fires; 0 means always.
	// It is counted down in the sandbox directory, across processes.
	Times int `json:"times,omitempty"`
	// After makes a write call fail after its change was made (a lost
	// response).
	After bool `json:"after,omitempty"`
	// Spent marks a counted failure that has fired its last time.
	Spent bool `json:"spent,omitempty"`
}

func (f Failure) matches(op, address string) bool {
	if f.Operation != "" {
		if ok, _ := path.Match(f.Operation, op); !ok {
			return false
		}
	}
	if f.Address != "" {
		if address == "" {
			return false
		}
		if ok, _ := path.Match(f.Address, address); !ok {
			return false
		}
	}
	return true
}

func (f Failure) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("operation", f.Operation)
	add("address", f.Address)
	add("code", f.Code)
	add("message", f.Message)
	if f.Rate > 0 {
		add("rate", strconv.FormatFloat(f.Rate, 'f', -1, 64))
	}
	if f.Times > 0 {
		add("times", strconv.Itoa(f.Times))
	}
	if f.After {
		add("after", "true")
	}
	if f.Spent {
		add("spent", "true")
	}
	if len(parts) == 0 {
		return "every call"
	}
	return strings.Join(parts, " ")
}

// Duration is a time.Duration that reads and writes as "50ms" in JSON.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: want \"50ms\" or nanoseconds, got %s", b)
	}
	*d = Duration(n)
	return nil
}

// Environment variables that override persisted knobs for one process.
const (
	EnvDir                = "GANTRY_SANDBOX"
	EnvLatency            = "GANTRY_SANDBOX_LATENCY"             // e.g. 50ms
	EnvThrottleRate       = "GANTRY_SANDBOX_THROTTLE_RATE"       // e.g. 0.2
	EnvFailureRate        = "GANTRY_SANDBOX_FAILURE_RATE"        // e.g. 0.2
	EnvLostResponses      = "GANTRY_SANDBOX_LOST_RESPONSES"      // true|false
	EnvDeploymentDuration = "GANTRY_SANDBOX_DEPLOYMENT_DURATION" // e.g. 2s, 0
	EnvShuffle            = "GANTRY_SANDBOX_SHUFFLE"             // true|false
	EnvSeed               = "GANTRY_SANDBOX_SEED"                // integer
)

// EnvKnobs applies the GANTRY_SANDBOX_* environment variables to k.
func EnvKnobs(k *Knobs, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	dur := func(name string, dst *Duration) error {
		if v := getenv(name); v != "" {
			if v == "0" {
				*dst = 0
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = Duration(d)
		}
		return nil
	}
	rate := func(name string, dst *float64) error {
		if v := getenv(name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				return fmt.Errorf("%s: want a fraction between 0 and 1, got %q", name, v)
			}
			*dst = f
		}
		return nil
	}
	flag := func(name string, dst *bool, invert bool) error {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: want true or false, got %q", name, v)
			}
			*dst = b != invert
		}
		return nil
	}
	if err := dur(EnvLatency, &k.Latency); err != nil {
		return err
	}
	if err := dur(EnvDeploymentDuration, &k.DeploymentDuration); err != nil {
		return err
	}
	if err := rate(EnvThrottleRate, &k.ThrottleRate); err != nil {
		return err
	}
	if err := rate(EnvFailureRate, &k.FailureRate); err != nil {
		return err
	}
	if err := flag(EnvLostResponses, &k.LostResponses, false); err != nil {
		return err
	}
	if err := flag(EnvShuffle, &k.NoShuffle, true); err != nil {
		return err
	}
	if v := getenv(EnvSeed); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: want an integer, got %q", EnvSeed, v)
		}
		k.Seed = n
	}
	return nil
}

// Validate checks the knobs' ranges.
func (k Knobs) Validate() error {
	check := func(name string, f float64) error {
		if f < 0 || f > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %v", name, f)
		}
		return nil
	}
	if err := check("throttle rate", k.ThrottleRate); err != nil {
		return err
	}
	if err := check("failure rate", k.FailureRate); err != nil {
		return err
	}
	if k.Latency < 0 || k.DeploymentDuration < 0 {
		return fmt.Errorf("durations must not be negative")
	}
	for i, f := range k.Failures {
		if err := check(fmt.Sprintf("failure %d rate", i+1), f.Rate); err != nil {
			return err
		}
		if f.Operation != "" {
			if _, err := path.Match(f.Operation, ""); err != nil {
				return fmt.Errorf("failure %d: bad operation pattern %q", i+1, f.Operation)
			}
		}
	}
	return nil
}
