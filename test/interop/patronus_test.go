//go:build interop

package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// Event is one line of `patronus bfd run --json`: a session state change.
type Event struct {
	TS    time.Time `json:"ts"`
	Local string    `json:"local"`
	Peer  string    `json:"peer"`
	State string    `json:"state"`
	Diag  string    `json:"diag"`
	// Kind is empty for state changes; other kinds (counters, …) may come.
	Kind string `json:"kind"`

	// Line is the raw JSON line, for fields this struct does not name.
	Line string `json:"-"`
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s->%s %s (%s)", e.TS.Format("15:04:05.000"), e.Local, e.Peer, e.State, e.Diag)
}

// Patronus is a `patronus bfd run --json` process in a namespace. A reader
// goroutine parses its JSON lines into a channel; a second goroutine records
// them, so tests can wait for states and also look back at the history.
type Patronus struct {
	Proc *netns.Proc
	ns   *netns.NS

	mu      sync.Mutex
	events  []Event       // mu must be held; every state event, in order
	junk    []string      // mu must be held; stdout lines that were not events
	changed chan struct{} // mu must be held; closed and replaced on each event
}

// startPatronus runs `patronus bfd run --json ARGS…` in ns.
func startPatronus(t *testing.T, ns *netns.NS, args ...string) *Patronus {
	t.Helper()
	bin := patronusBin(t)
	pr, pw := io.Pipe()
	p := &Patronus{ns: ns, changed: make(chan struct{})}
	p.Proc = ns.StartWith(pw, bin, append([]string{"bfd", "run", "--json"}, args...)...)
	go func() {
		<-p.Proc.Done()
		pw.Close()
	}()
	lines := make(chan Event, 64)
	go p.parse(pr, lines)
	go p.record(lines)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("[%s] patronus events:\n%s", ns.Name, p.dump())
		}
	})
	return p
}

// parse turns stdout lines into events on the channel.
func (p *Patronus) parse(r io.Reader, out chan<- Event) {
	defer close(out)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		var e Event
		if err := json.Unmarshal([]byte(line), &e); err != nil || (e.Kind == "" && e.State == "") {
			p.mu.Lock()
			p.junk = append(p.junk, line)
			p.mu.Unlock()
			continue
		}
		e.Line = line
		out <- e
	}
}

func (p *Patronus) record(in <-chan Event) {
	for e := range in {
		p.mu.Lock()
		p.events = append(p.events, e)
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
}

// Events returns every event so far.
func (p *Patronus) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// State returns the last reported state of the session to peer, "" if none.
func (p *Patronus) State(peer string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastLocked(peer).State
}

func (p *Patronus) lastLocked(peer string) Event {
	for i := len(p.events) - 1; i >= 0; i-- {
		if e := p.events[i]; e.Kind == "" && e.Peer == peer {
			return e
		}
	}
	return Event{}
}

// WaitState waits until the last reported state of the session to peer is
// state, and returns that event. It fails the test after timeout.
func (p *Patronus) WaitState(t *testing.T, peer, state string, timeout time.Duration) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		last, changed := p.lastLocked(peer), p.changed
		p.mu.Unlock()
		if last.State == state {
			return last
		}
		select {
		case <-changed:
		case <-p.Proc.Done():
			t.Fatalf("[%s] patronus exited (%v) while waiting for %s %s; last: %v\n%s",
				p.ns.Name, p.Proc.Err(), peer, state, last, p.Proc.Output())
		case <-deadline:
			t.Fatalf("[%s] session to %s not %s after %v; last event: %v", p.ns.Name, peer, state, timeout, last)
		}
	}
}

// EventsFor returns the events of the session to peer from index from on.
func (p *Patronus) EventsFor(peer string, from int) []Event {
	var out []Event
	for i, e := range p.Events() {
		if i >= from && e.Kind == "" && e.Peer == peer {
			out = append(out, e)
		}
	}
	return out
}

// Stop sends SIGINT, as an operator's Ctrl-C, and waits for a clean exit.
func (p *Patronus) Stop(t *testing.T) {
	t.Helper()
	if err := p.Proc.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT patronus: %v", err)
	}
	if !p.Proc.Wait(10 * time.Second) {
		t.Fatalf("[%s] patronus did not exit within 10s of SIGINT", p.ns.Name)
	}
	if err := p.Proc.Err(); err != nil {
		t.Errorf("[%s] patronus exited with %v", p.ns.Name, err)
	}
}

func (p *Patronus) dump() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, e := range p.events {
		b.WriteString(e.Line + "\n")
	}
	for _, l := range p.junk {
		b.WriteString("(not an event) " + l + "\n")
	}
	b.WriteString("stderr:\n" + p.Proc.Output())
	return b.String()
}

// Session is one entry of a --sessions-file.
type Session struct {
	Local, Peer            string
	TxInterval, RxInterval time.Duration
	Multiplier             int
	Multihop, Passive      bool
	Auth                   *Auth
}

// Auth configures BFD authentication of a session.
type Auth struct {
	Type       string // simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1
	KeyID      int
	SecretFile string
}

// writeSessionsFile writes the YAML --sessions-file format. It replaces the
// file atomically, so a SIGHUP never sees half of it.
func writeSessionsFile(t *testing.T, path string, sessions []Session) {
	t.Helper()
	var b strings.Builder
	b.WriteString("sessions:\n")
	for _, s := range sessions {
		fmt.Fprintf(&b, "  - local: %s\n    peer: %s\n", s.Local, s.Peer)
		if s.TxInterval != 0 {
			fmt.Fprintf(&b, "    tx_interval: %s\n", s.TxInterval)
		}
		if s.RxInterval != 0 {
			fmt.Fprintf(&b, "    rx_interval: %s\n", s.RxInterval)
		}
		if s.Multiplier != 0 {
			fmt.Fprintf(&b, "    multiplier: %d\n", s.Multiplier)
		}
		fmt.Fprintf(&b, "    multihop: %t\n    passive: %t\n", s.Multihop, s.Passive)
		if a := s.Auth; a != nil {
			fmt.Fprintf(&b, "    auth: {type: %s, key_id: %d, secret_file: %s}\n", a.Type, a.KeyID, a.SecretFile)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// writeSecret writes a secret file (no trailing newline) and returns its path.
func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// counters is the part of `patronus bfd show --json` the tests read.
type counters struct {
	PacketsIn      uint64            `json:"packets_in"`
	PacketsOut     uint64            `json:"packets_out"`
	PollsCompleted uint64            `json:"polls_completed"`
	AuthFailures   uint64            `json:"auth_failures"`
	Drops          map[string]uint64 `json:"drops"`
}

// sessionCounters reads the counters of the session with peer through the
// control socket of a running `patronus bfd run`, with `patronus bfd show`.
func sessionCounters(t *testing.T, sock, peer string) counters {
	t.Helper()
	out, err := exec.Command(patronusBin(t), "bfd", "show", "--json", "--control-socket", sock).Output()
	if err != nil {
		t.Fatalf("patronus bfd show: %v", err)
	}
	var st struct {
		Sessions []struct {
			Peer     string   `json:"peer"`
			Counters counters `json:"counters"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("patronus bfd show: %v: %s", err, out)
	}
	for _, s := range st.Sessions {
		if s.Peer == peer {
			return s.Counters
		}
	}
	t.Fatalf("patronus bfd show: no session with peer %s: %s", peer, out)
	return counters{}
}
