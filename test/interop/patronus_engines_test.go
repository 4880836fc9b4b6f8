//go:build interop

package interop

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Two Patronus processes, one per namespace: everything proven against
// FRR and BIRD, proven between two Patronus engines too.

func TestPatronusPairIPv6(t *testing.T) {
	n := newPair(t)
	a := startPatronus(t, n.a, "--local", addr6A, "--peer", addr6B)
	b := startPatronus(t, n.b, "--local", addr6B, "--peer", addr6A)
	a.WaitState(t, addr6B, "up", upTimeout)
	b.WaitState(t, addr6A, "up", upTimeout)
}

// TestPatronusKilledDetectionTime kills one end: the other declares the
// session Down after the negotiated detection time (100 ms × 3 here), plus
// at most one interval and the receive coalescing.
func TestPatronusKilledDetectionTime(t *testing.T) {
	n := newPair(t)
	fast := []string{"--tx-interval", "100ms", "--rx-interval", "100ms", "--multiplier", "3"}
	a := startPatronus(t, n.a, append([]string{"--local", addrA, "--peer", addrB}, fast...)...)
	b := startPatronus(t, n.b, append([]string{"--local", addrB, "--peer", addrA}, fast...)...)
	a.WaitState(t, addrB, "up", upTimeout)
	b.WaitState(t, addrA, "up", upTimeout)
	time.Sleep(time.Second) // the Poll Sequence to the fast rate is done
	killed := time.Now()
	b.Proc.Kill()
	e := a.WaitState(t, addrB, "down", 5*time.Second)
	if e.Diag != "control_detection_time_expired" {
		t.Errorf("diag = %s, want control_detection_time_expired", e.Diag)
	}
	took := e.TS.Sub(killed)
	t.Logf("down %v after SIGKILL (detection time 300ms)", took)
	if took > 400*time.Millisecond+5*time.Millisecond || took < 200*time.Millisecond-5*time.Millisecond {
		t.Errorf("detected %v after the kill, want within one interval of 300ms", took)
	}
}

// TestPatronusIntervalChange changes both ends' timers on live sessions:
// Poll Sequences complete on both sides and nothing goes down.
func TestPatronusIntervalChange(t *testing.T) {
	n := newPair(t)
	dir := t.TempDir()
	fileA, fileB := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	sa := Session{Local: addrA, Peer: addrB, TxInterval: 300 * time.Millisecond, RxInterval: 300 * time.Millisecond}
	sb := Session{Local: addrB, Peer: addrA, TxInterval: 300 * time.Millisecond, RxInterval: 300 * time.Millisecond}
	writeSessionsFile(t, fileA, []Session{sa})
	writeSessionsFile(t, fileB, []Session{sb})
	sockA := filepath.Join(dir, "a.sock")
	a := startPatronus(t, n.a, "--sessions-file", fileA, "--control-socket", sockA)
	b := startPatronus(t, n.b, "--sessions-file", fileB)
	a.WaitState(t, addrB, "up", upTimeout)
	b.WaitState(t, addrA, "up", upTimeout)
	time.Sleep(1500 * time.Millisecond)
	marks := [2]int{len(a.Events()), len(b.Events())}
	polls := sessionCounters(t, sockA, addrB).PollsCompleted

	for _, iv := range []time.Duration{50 * time.Millisecond, 500 * time.Millisecond, 100 * time.Millisecond} {
		sa.TxInterval, sa.RxInterval = iv, iv
		sb.TxInterval, sb.RxInterval = iv, iv
		writeSessionsFile(t, fileA, []Session{sa})
		writeSessionsFile(t, fileB, []Session{sb})
		for _, p := range []*Patronus{a, b} {
			if err := p.Proc.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
	}
	if got := sessionCounters(t, sockA, addrB).PollsCompleted; got < polls+3 {
		t.Errorf("polls completed went from %d to %d over three changes, want at least 3 more", polls, got)
	}
	for _, e := range a.EventsFor(addrB, marks[0]) {
		t.Errorf("A changed state during the interval changes: %v", e)
	}
	for _, e := range b.EventsFor(addrA, marks[1]) {
		t.Errorf("B changed state during the interval changes: %v", e)
	}
}

func TestPatronusMultihop(t *testing.T) {
	c := newChain(t)
	a := startPatronus(t, c.a, "--local", hopA, "--peer", hopB, "--multihop")
	b := startPatronus(t, c.b, "--local", hopB, "--peer", hopA, "--multihop")
	a.WaitState(t, hopB, "up", upTimeout)
	b.WaitState(t, hopA, "up", upTimeout)
}

// TestPatronusMultihopMinTTL: packets that crossed one router arrive with
// TTL 254; requiring 255 keeps the session down and counts the drops.
func TestPatronusMultihopMinTTL(t *testing.T) {
	c := newChain(t)
	sock := filepath.Join(t.TempDir(), "a.sock")
	a := startPatronus(t, c.a, "--local", hopA, "--peer", hopB, "--multihop", "--min-ttl", "255", "--control-socket", sock)
	startPatronus(t, c.b, "--local", hopB, "--peer", hopA, "--multihop")
	time.Sleep(4 * time.Second)
	for _, e := range a.EventsFor(hopB, 0) {
		t.Errorf("session changed state although every packet has TTL 254: %v", e)
	}
	if c := sessionCounters(t, sock, hopB); c.Drops["ttl"] < 2 || c.PacketsIn != 0 {
		t.Errorf("counters = %+v, want TTL drops and nothing accepted", c)
	}
}

func TestPatronusAuthentication(t *testing.T) {
	for i, typ := range []string{"simple", "keyed-md5", "meticulous-keyed-md5", "keyed-sha1", "meticulous-keyed-sha1"} {
		t.Run(typ, func(t *testing.T) {
			n := newPair(t)
			key := writeSecret(t, fmt.Sprintf("key-%d", i))
			auth := []string{"--auth", typ, "--auth-key-id", fmt.Sprint(i + 3), "--auth-secret-file", key,
				"--tx-interval", "50ms", "--rx-interval", "50ms"}
			a := startPatronus(t, n.a, append([]string{"--local", addrA, "--peer", addrB}, auth...)...)
			b := startPatronus(t, n.b, append([]string{"--local", addrB, "--peer", addrA}, auth...)...)
			a.WaitState(t, addrB, "up", upTimeout)
			b.WaitState(t, addrA, "up", upTimeout)
			mark := len(a.Events())
			time.Sleep(2 * time.Second) // sequence numbers advance at 50 ms
			for _, e := range a.EventsFor(addrB, mark) {
				t.Errorf("session changed state: %v", e)
			}
		})
	}
}

func TestPatronusWrongKeyCounted(t *testing.T) {
	n := newPair(t)
	sock := filepath.Join(t.TempDir(), "a.sock")
	a := startPatronus(t, n.a, "--local", addrA, "--peer", addrB, "--control-socket", sock,
		"--auth", "meticulous-keyed-md5", "--auth-secret-file", writeSecret(t, "right"))
	b := startPatronus(t, n.b, "--local", addrB, "--peer", addrA,
		"--auth", "meticulous-keyed-md5", "--auth-secret-file", writeSecret(t, "wrong"))
	time.Sleep(4 * time.Second)
	for _, p := range []*Patronus{a, b} {
		for _, e := range p.Events() {
			t.Errorf("state changed with mismatched keys: %v", e)
		}
	}
	if c := sessionCounters(t, sock, addrB); c.AuthFailures < 2 || c.Drops["auth_digest_mismatch"] != c.AuthFailures {
		t.Errorf("counters = %+v, want digest mismatches counted as auth failures", c)
	}
}

// TestPatronusReload: SIGHUP applies a new sessions file as a whole or not
// at all. A file with an error, or one that needs a socket not opened at
// start, is refused and the running session is left alone; a good file
// removes the old session (the peer hears AdminDown) and adds the new one.
func TestPatronusReload(t *testing.T) {
	n := newPair(t)
	dir := t.TempDir()
	file, sock := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "a.sock")
	writeSessionsFile(t, file, []Session{{Local: addrA, Peer: addrB}})
	a := startPatronus(t, n.a, "--sessions-file", file, "--control-socket", sock)
	b := startPatronus(t, n.b, "--local", addrB, "--peer", addrA)
	a.WaitState(t, addrB, "up", upTimeout)
	b.WaitState(t, addrA, "up", upTimeout)
	mark := len(a.Events())

	for i, bad := range [][]Session{
		{{Local: addrA, Peer: addrB, Multiplier: 300}},
		{{Local: addrA, Peer: addrB}, {Local: addr6A, Peer: addr6B}},
	} {
		writeSessionsFile(t, file, bad)
		if err := a.Proc.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitOutput(t, a, "reload refused", i+1)
	}
	time.Sleep(time.Second)
	for _, e := range a.EventsFor(addrB, mark) {
		t.Errorf("a refused reload changed the running session: %v", e)
	}

	const other = "198.18.0.9"
	writeSessionsFile(t, file, []Session{{Local: addrA, Peer: other}})
	if err := a.Proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e := b.WaitState(t, addrA, "down", 5*time.Second)
	if e.Diag != "neighbor_signaled_session_down" {
		t.Errorf("peer of the removed session: diag %s, want neighbor_signaled_session_down", e.Diag)
	}
	waitOutput(t, a, "msg=reloaded", 1)
	c := sessionCounters(t, sock, other) // fails the test if the session is missing
	if c.PacketsIn != 0 {
		t.Errorf("new session to a silent peer received %d packets", c.PacketsIn)
	}
}

// waitOutput waits until the process's stderr holds want at least n times.
func waitOutput(t *testing.T, p *Patronus, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(p.Proc.Output(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q not logged %d times; output:\n%s", want, n, p.Proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPassive: a passive session (RFC 5880 §6.1) sends nothing until the
// peer speaks, so it comes Up with an active FRR but two passive ends
// never start.
func TestPassive(t *testing.T) {
	t.Run("with-active-frr", func(t *testing.T) {
		n := newPair(t)
		frr := startFRR(t, n.b, frrConfig(addrA+" local-address "+addrB))
		us := startPatronus(t, n.a, "--local", addrA, "--peer", addrB, "--passive")
		us.WaitState(t, addrB, "up", upTimeout)
		frr.WaitStatus(t, addrA, "up", upTimeout)
	})
	t.Run("both-passive", func(t *testing.T) {
		n := newPair(t)
		sock := filepath.Join(t.TempDir(), "a.sock")
		a := startPatronus(t, n.a, "--local", addrA, "--peer", addrB, "--passive", "--control-socket", sock)
		b := startPatronus(t, n.b, "--local", addrB, "--peer", addrA, "--passive")
		time.Sleep(3 * time.Second)
		for _, p := range []*Patronus{a, b} {
			for _, e := range p.Events() {
				t.Errorf("two passive ends changed state: %v", e)
			}
		}
		if c := sessionCounters(t, sock, addrB); c.PacketsOut != 0 || c.PacketsIn != 0 {
			t.Errorf("passive ends exchanged packets: %+v", c)
		}
	})
}
