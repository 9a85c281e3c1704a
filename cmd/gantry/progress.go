package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gantry-gitops/gantry/applier"
	"github.com/gantry-gitops/gantry/provider"
)

// printer renders the progress of an apply or destroy from the events the
// applier emits (applier.Options.Progress). On a terminal it prints finished work
// as permanent lines and keeps a block of live lines at the bottom (changes
// in flight, services being deployed: running/desired, rollout state,
// elapsed), redrawn in place. Elsewhere (CI logs, pipes) it prints plain
// timestamped lines, and a deployment's state only when it changes or
// every HeartBeat.
type printer struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	color     bool
	width     int
	heartbeat time.Duration
	now       func() time.Time

	active map[string]*activeLine // by address
	drawn  int                    // lines of the live block on screen
	said   map[string]string      // plain: last deployment state printed
	saidAt map[string]time.Time
	stop   chan struct{}
	wg     sync.WaitGroup

	// compact: the stage's size, the changes done in it, the quarters said.
	compact         bool
	total, finished int
	tenths          int
}

type activeLine struct {
	address string
	verb    string
	since   time.Time
	state   string
	// gate is set for a health gate's line (a deployment, an instance
	// refresh): what people wait for, listed first.
	gate bool
}

// printerOptions configure a printer.
type printerOptions struct {
	// Terminal selects redrawn live lines; Width is the terminal's width.
	Terminal bool
	Width    int
	// Color adds ANSI colours (terminals without NO_COLOR).
	Color bool
	// HeartBeat is how often plain output repeats an unchanged deployment
	// state (default 30s).
	HeartBeat time.Duration
	// Compact leaves out the line of each change that succeeds, and of
	// each health gate that passes, and says instead how far each stage
	// is, every quarter of it: for large plans (failures, retries and
	// what is left waiting are still printed).
	Compact bool
	Now     func() time.Time
}

// newPrinter returns a printer writing to w. Call Close when the apply
// is over.
func newPrinter(w io.Writer, o printerOptions) *printer {
	p := &printer{
		w: w, tty: o.Terminal, color: o.Color, width: o.Width,
		heartbeat: o.HeartBeat, now: o.Now, compact: o.Compact,
		active: map[string]*activeLine{},
		said:   map[string]string{}, saidAt: map[string]time.Time{},
		stop: make(chan struct{}),
	}
	if p.width <= 20 {
		p.width = 100
	}
	if p.heartbeat <= 0 {
		p.heartbeat = 30 * time.Second
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.tty {
		// Elapsed times tick even when nothing happens.
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					p.mu.Lock()
					p.redraw(nil)
					p.mu.Unlock()
				}
			}
		}()
	}
	return p
}

// Close stops redrawing and removes the live block.
func (p *printer) Close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = map[string]*activeLine{}
	p.redraw(nil)
}

// Printf prints a permanent line (timestamped when plain) above the live
// block: for callers' own messages during an apply.
func (p *printer) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redraw([]string{fmt.Sprintf(format, args...)})
}

// Event implements applier.Progress.
func (p *printer) Event(e applier.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lines []string
	addr := ""
	if e.Change != nil {
		addr = e.Change.Address
	}
	switch e.Kind {
	case applier.EventStageStart:
		p.total, p.finished, p.tenths = e.Count, 0, 0
		lines = append(lines, p.paint(bold, fmt.Sprintf("==> %s (%s)", stageTitle(e), countNoun(e.Count, "change"))))
	case applier.EventStageDone:
		if e.Err != nil {
			lines = append(lines, p.paint(red, fmt.Sprintf("<== %s failed after %s", stageTitle(e), applier.Round(e.Elapsed))))
		} else {
			lines = append(lines, fmt.Sprintf("<== %s done in %s", stageTitle(e), applier.Round(e.Elapsed)))
		}
	case applier.EventStart:
		p.active[addr] = &activeLine{address: addr, verb: progressive(e.Op), since: e.Time}
	case applier.EventRetry:
		lines = append(lines, p.paint(yellow, fmt.Sprintf("    retry    %s: %s (attempt %d, again in %s)", addr, trimAddress(e.Err, addr), e.Attempt, applier.Round(e.Delay))))
	case applier.EventWait:
		lines = append(lines, p.wait(addr, e)...)
	case applier.EventDone:
		delete(p.active, addr)
		delete(p.said, "wait\x00"+addr)
		switch {
		case e.Err != nil:
			lines = append(lines, p.paint(red, fmt.Sprintf("    FAILED   %s (%s): %s", addr, e.Op, trimAddress(e.Err, addr))))
		case e.Kept:
			lines = append(lines, p.paint(yellow, fmt.Sprintf("    kept     %s: it still holds data", addr)))
		case p.compact:
			p.finished++
			if p.total > 0 && p.finished*4/p.total > p.tenths {
				p.tenths = p.finished * 4 / p.total
				lines = append(lines, p.paint(green, fmt.Sprintf("    done     %d of %d", p.finished, p.total)))
			}
		default:
			lines = append(lines, p.paint(green, fmt.Sprintf("    %-8s %s", shortPast(e.Op), addr))+p.dim(fmt.Sprintf("  %s %s", e.ID, applier.Round(e.Elapsed))))
		}
	case applier.EventGateStart:
		p.active[addr] = &activeLine{address: addr, verb: e.Gate.Activity(), since: e.Time, state: "waiting for " + e.Gate.Subject(), gate: true}
		if p.compact {
			// Said only if it takes a while: every HeartBeat.
			p.saidAt[addr] = e.Time
		} else {
			lines = append(lines, fmt.Sprintf("    waiting  %s: %s", addr, e.Gate.Awaits()))
		}
	case applier.EventGate:
		state := applier.DescribeHealth(e.Health)
		if a := p.active[addr]; a != nil {
			a.state = liveHealth(e.Health)
		}
		if !p.tty && (!p.compact && p.said[addr] != state || e.Time.Sub(p.saidAt[addr]) >= p.heartbeat) {
			p.said[addr], p.saidAt[addr] = state, e.Time
			lines = append(lines, fmt.Sprintf("    %-8s %s: %s (%s)", e.Gate.Verb(), addr, state, applier.Round(e.Elapsed)))
		}
	case applier.EventGateDone:
		delete(p.active, addr)
		delete(p.said, addr)
		var ge *applier.GateError
		switch {
		case e.Err != nil && errors.As(e.Err, &ge) && ge.Abandoned():
			lines = append(lines, p.paint(yellow, fmt.Sprintf("    abandon  %s: %s", addr, trimAddress(e.Err, addr))))
		case e.Err != nil:
			lines = append(lines, p.paint(red, fmt.Sprintf("    FAILED   %s: %s", addr, trimAddress(e.Err, addr))))
		case p.compact:
		default:
			lines = append(lines, p.paint(green, fmt.Sprintf("    %-8s %s", e.Gate.ShortDone(), addr))+p.dim(fmt.Sprintf("  %s in %s", applier.DescribeHealth(e.Health), applier.Round(e.Elapsed))))
		}
	}
	if len(lines) > 0 || p.tty {
		p.redraw(lines)
	}
}

// wait renders an EventWait: a line for a drain delay, and for services
// draining (deleted, or in the way of a re-create) the live state and, in
// plain output, a line when the state changes or every HeartBeat. p.mu held.
func (p *printer) wait(addr string, e applier.Event) []string {
	var state, line string
	switch e.Wait {
	case applier.WaitDeleted:
		state = "draining"
		if e.Health != nil {
			state = fmt.Sprintf("%s, %d running", strings.ToLower(serviceStatus(e.Health)), e.Health.Running)
		}
		line = fmt.Sprintf("    wait     %s: deleted, waiting until it is inactive (%s, %s)", addr, state, applier.Round(e.Elapsed))
		state = "waiting until inactive: " + state
	case applier.WaitRecreate:
		state = "waiting for the deleted service of the same name to drain"
		line = fmt.Sprintf("    wait     %s: %s (%s)", addr, state, applier.Round(e.Elapsed))
	default:
		if a := p.active[addr]; a != nil {
			a.state = fmt.Sprintf("waiting %s for targets to drain", applier.Round(e.Delay))
		}
		return []string{fmt.Sprintf("    wait     %s: %s for its targets to drain before it is deleted", addr, applier.Round(e.Delay))}
	}
	if a := p.active[addr]; a != nil {
		a.state = state
	}
	key := "wait\x00" + addr
	if p.tty || (p.said[key] == state && e.Time.Sub(p.saidAt[key]) < p.heartbeat) {
		return nil
	}
	p.said[key], p.saidAt[key] = state, e.Time
	return []string{line}
}

// stageTitle names a stage as the plan does (planner's phase labels).
func stageTitle(e applier.Event) string {
	if e.Deletions {
		return fmt.Sprintf("deletions, stage %d: %s", int(e.Stage), e.Stage)
	}
	return fmt.Sprintf("stage %d: %s", int(e.Stage), e.Stage)
}

func progressive(op applier.Op) string {
	switch op {
	case applier.OpCreate:
		return "creating"
	case applier.OpUpdate:
		return "updating"
	case applier.OpNewRevision:
		return "registering"
	case applier.OpReplace, applier.OpReplaceFirst:
		return "replacing"
	case applier.OpDelete:
		return "deleting"
	case applier.OpRetire:
		return "retiring"
	case applier.OpHold:
		return "holding"
	case applier.OpLeave:
		return "leaving"
	case applier.OpRevoke:
		return "revoking"
	}
	return string(op)
}

// shortPast names a finished operation in a progress line, in at most
// eight letters: the column is that wide.
func shortPast(op applier.Op) string {
	if op == applier.OpNewRevision {
		return "revised"
	}
	return op.PastTense()
}

// redraw prints lines above the live block and redraws the block (on a
// terminal); plain output just gets the lines, timestamped. p.mu held.
func (p *printer) redraw(lines []string) {
	var b bytes.Buffer
	if !p.tty {
		ts := p.now().UTC().Format(time.RFC3339)
		for _, l := range lines {
			b.WriteString(ts + " " + l + "\n")
		}
		_, _ = p.w.Write(b.Bytes())
		return
	}
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", p.drawn)
	}
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	block := p.block()
	for _, l := range block {
		b.WriteString(l + "\n")
	}
	p.drawn = len(block)
	_, _ = p.w.Write(b.Bytes())
}

// maxLive bounds the live block so that it always fits a terminal.
const maxLive = 15

func (p *printer) block() []string {
	if len(p.active) == 0 {
		return nil
	}
	all := make([]*activeLine, 0, len(p.active))
	for _, a := range p.active {
		all = append(all, a)
	}
	// Deployments first (they are what people wait for), then the oldest.
	sort.Slice(all, func(i, j int) bool {
		di, dj := all[i].gate, all[j].gate
		if di != dj {
			return di
		}
		if !all[i].since.Equal(all[j].since) {
			return all[i].since.Before(all[j].since)
		}
		return all[i].address < all[j].address
	})
	now := p.now()
	var out []string
	for i, a := range all {
		if i == maxLive {
			out = append(out, fmt.Sprintf("  … and %d more in flight", len(all)-maxLive))
			break
		}
		// Elapsed before the state, so that a narrow terminal cuts the
		// details, not the numbers.
		l := fmt.Sprintf("  %-11s %s  %s", a.verb, a.address, now.Sub(a.since).Round(time.Second))
		if a.state != "" {
			l += "  " + a.state
		}
		out = append(out, p.dim(truncate(l, p.width-1)))
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

const (
	bold   = "1"
	red    = "31"
	green  = "32"
	yellow = "33"
)

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *printer) dim(s string) string {
	if !p.color {
		return s
	}
	return "\x1b[2m" + s + "\x1b[0m"
}

// liveHealth is the short state of a deployment for the live block:
// running/desired and rollout state first.
func liveHealth(h *provider.Health) string {
	if h.Refresh != nil {
		// An instance refresh has no tasks: its own one-line state.
		return applier.DescribeHealth(h)
	}
	state := h.RolloutState
	if state == "" {
		state = "unknown"
	}
	counts := applier.TaskCounts(h)
	s := counts[0] + "  " + state
	for _, c := range counts[1:] {
		s += "  " + c
	}
	if len(h.Targets) > 0 {
		keys := make([]string, 0, len(h.Targets))
		for k := range h.Targets {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s += "  targets"
		for _, k := range keys {
			s += fmt.Sprintf(" %d %s", h.Targets[k], k)
		}
	}
	return s
}

// serviceStatus is a service's status: ACTIVE when the provider left it
// empty (provider.Health.Status).
func serviceStatus(h *provider.Health) string {
	if h.Status == "" {
		return provider.ServiceActive
	}
	return h.Status
}
