//go:build interop

package interop

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestPatronusSimultaneousStart starts both ends at the same moment, several
// times: the predecessor's state machine deadlocked in Init exactly then.
func TestPatronusSimultaneousStart(t *testing.T) {
	n := newPair(t)
	for round := range 3 {
		t.Run(fmt.Sprintf("round%d", round), func(t *testing.T) {
			a := startPatronus(t, n.a, "--local", addrA, "--peer", addrB)
			b := startPatronus(t, n.b, "--local", addrB, "--peer", addrA)
			a.WaitState(t, addrB, "up", upTimeout)
			b.WaitState(t, addrA, "up", upTimeout)
			a.Stop(t)
			e := b.WaitState(t, addrA, "down", 5*time.Second)
			if e.Diag != "neighbor_signaled_session_down" {
				t.Errorf("after the peer's Ctrl-C: diag %s, want neighbor_signaled_session_down", e.Diag)
			}
			b.Stop(t)
		})
	}
}

// TestPatronusHundredSessions runs 100 sessions between two processes. Each
// side owns a /24 of AnyIP addresses (a local route on lo) and routes the
// other side's /24 over the veth, so session i is 198.19.0.i <-> 198.19.1.i.
//
// It runs twice: with one source port per session (the default) and with
// --shared-source-port (one batched socket per family and kind).
func TestPatronusHundredSessions(t *testing.T) {
	for _, mode := range [][]string{nil, {"--shared-source-port"}} {
		t.Run(fmt.Sprintf("flags=%v", mode), func(t *testing.T) { hundredSessions(t, mode) })
	}
}

func hundredSessions(t *testing.T, flags []string) {
	const count = 100
	n := newPair(t)
	n.a.AddLocalRoute("198.19.0.0/24")
	n.b.AddLocalRoute("198.19.1.0/24")
	n.a.AddRoute("198.19.1.0/24", addrB)
	n.b.AddRoute("198.19.0.0/24", addrA)

	var sa, sb []Session
	for i := 1; i <= count; i++ {
		a, b := fmt.Sprintf("198.19.0.%d", i), fmt.Sprintf("198.19.1.%d", i)
		sa = append(sa, Session{Local: a, Peer: b})
		sb = append(sb, Session{Local: b, Peer: a})
	}
	dir := t.TempDir()
	fileA, fileB := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	writeSessionsFile(t, fileA, sa)
	writeSessionsFile(t, fileB, sb)
	a := startPatronus(t, n.a, append([]string{"--sessions-file", fileA}, flags...)...)
	b := startPatronus(t, n.b, append([]string{"--sessions-file", fileB}, flags...)...)

	start := time.Now()
	for i := range count {
		a.WaitState(t, sa[i].Peer, "up", 30*time.Second)
		b.WaitState(t, sb[i].Peer, "up", 30*time.Second)
	}
	t.Logf("%d sessions up in %v", count, time.Since(start))

	// And they stay up: nothing flaps for a few detection times.
	mark := len(a.Events())
	time.Sleep(3 * time.Second)
	for _, e := range a.Events()[mark:] {
		t.Errorf("session changed state while idle: %v", e)
	}
}
