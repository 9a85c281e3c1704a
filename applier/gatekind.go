package applier

import "fmt"

// GateKind is what a health gate waits for. Events and outcomes of gates
// carry it, so that progress lines and reports say what was awaited
// without knowing resource types: the applier picks the kind from the
// catalog entry (a type with Refresh is gated on its instance refresh).
type GateKind int

// The kinds of gates. The zero value is a deployment's gate.
const (
	// GateDeployment: a service's deployment completes with all its
	// tasks running and its targets healthy.
	GateDeployment GateKind = iota
	// GateRefresh: an Auto Scaling group's instance refresh replaces its
	// instances, then the services placed on them are steady again.
	GateRefresh
)

var gateKinds = map[GateKind]struct {
	awaits, subject, activity, verb, short, done, noun, nouns, counted string
}{
	GateDeployment: {
		awaits:   "deployment to complete and targets to be healthy",
		subject:  "the deployment",
		activity: "deploying", verb: "deploy", short: "healthy", done: "healthy",
		noun: "service", nouns: "services", counted: "healthy",
	},
	GateRefresh: {
		awaits:   "instance refresh to replace its instances, then the services on them to be healthy",
		subject:  "the instance refresh",
		activity: "refreshing", verb: "refresh", short: "complete", done: "refreshed",
		noun: "instance refresh", nouns: "instance refreshes", counted: "completed",
	},
}

// Awaits says what the gate waits for, after "waiting for the": "deployment
// to complete and targets to be healthy".
func (k GateKind) Awaits() string { return gateKinds[k].awaits }

// Subject names what the gate waits on in messages: "the deployment",
// "the instance refresh".
func (k GateKind) Subject() string { return gateKinds[k].subject }

// Activity is the gate's present participle for live lines: "deploying",
// "refreshing".
func (k GateKind) Activity() string { return gateKinds[k].activity }

// Verb names a poll of the gate in a progress line, at most eight
// letters: "deploy", "refresh".
func (k GateKind) Verb() string { return gateKinds[k].verb }

// Done names a gate that passed in reports: "healthy", "refreshed".
func (k GateKind) Done() string { return gateKinds[k].done }

// ShortDone names a gate that passed in a progress line, at most eight
// letters: "healthy", "complete".
func (k GateKind) ShortDone() string { return gateKinds[k].short }

// Count counts n passed gates of the kind for a summary: "2 services
// healthy", "1 instance refresh completed".
func (k GateKind) Count(n int) string {
	g := gateKinds[k]
	noun := g.nouns
	if n == 1 {
		noun = g.noun
	}
	return fmt.Sprintf("%d %s %s", n, noun, g.counted)
}

// GateKinds lists the kinds in the order summaries count them.
func GateKinds() []GateKind { return []GateKind{GateRefresh, GateDeployment} }

// PastTense names what happened to the outcome's change: its operation's
// past tense, or for a gate what its kind says of a gate that passed.
func (o Outcome) PastTense() string {
	if o.Op == OpGate {
		return o.Gate.Done()
	}
	return o.Op.PastTense()
}
