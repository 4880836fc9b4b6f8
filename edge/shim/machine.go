package shim

import "time"

// Hello timing. Both ends of a path send a Hello when the path starts and
// every helloInterval after; a Hello is trusted for helloHold (announced
// in it), so a peer that goes silent, or is replaced by a version that
// does not speak the shim, is no longer sent compressed data after at
// most helloHold plus one tick.
const (
	helloInterval = 5 * time.Second
	helloHold     = 4 * helloInterval
	// HelloTick is how often the data plane drives its Endpoints (Tick):
	// the granularity of the periodic Hello and of expiry.
	HelloTick = time.Second
)

// helloMachine is one path's compression negotiation, without I/O: it is
// fed the clock and the peer's Hellos and says which Hellos to send.
// Compression is active on the path when the local setting enables it
// and the peer's last Hello, still within its hold time, accepted it.
// Decompression is always possible: what a peer sends compressed is
// taken, whatever was announced, so a change of setting at either end
// never drops packets in flight.
type helloMachine struct {
	local     bool      // the local setting: compress on this path
	peerCaps  uint32    // capabilities of the peer's last Hello
	peerUntil time.Time // when that Hello expires; zero: never heard
	next      time.Time // next periodic Hello; zero: at once
}

// tick expires the peer's Hello when its hold time is over and returns
// the periodic Hello when one is due. A Hello asks for a reply while the
// peer is unknown, so a restarted peer learns our setting at once.
func (m *helloMachine) tick(now time.Time) (Hello, bool) {
	if !m.peerUntil.IsZero() && !now.Before(m.peerUntil) {
		m.peerCaps, m.peerUntil = 0, time.Time{}
	}
	if now.Before(m.next) {
		return Hello{}, false
	}
	m.next = now.Add(helloInterval)
	return m.hello(!m.peerKnown(now)), true
}

// receive takes the peer's Hello and returns the answer when it asked
// for one.
func (m *helloMachine) receive(now time.Time, h Hello) (Hello, bool) {
	m.peerCaps = h.Caps
	m.peerUntil = now.Add(time.Duration(h.HoldTime) * time.Second)
	if h.HoldTime == 0 { // withdrawn
		m.peerCaps, m.peerUntil = 0, time.Time{}
	}
	if !h.ReplyRequested {
		return Hello{}, false
	}
	return m.hello(false), true
}

// setLocal changes the local setting and returns the Hello that
// announces it at once, if it changed.
func (m *helloMachine) setLocal(now time.Time, on bool) (Hello, bool) {
	if on == m.local {
		return Hello{}, false
	}
	m.local = on
	m.next = now.Add(helloInterval)
	return m.hello(!m.peerKnown(now)), true
}

func (m *helloMachine) hello(replyRequested bool) Hello {
	h := Hello{ReplyRequested: replyRequested, HoldTime: uint16(helloHold / time.Second)}
	if m.local {
		h.Caps |= CapLZ4
	}
	return h
}

func (m *helloMachine) peerKnown(now time.Time) bool {
	return !m.peerUntil.IsZero() && now.Before(m.peerUntil)
}

// peerAccepts reports whether the peer's Hello in force accepts LZ4.
func (m *helloMachine) peerAccepts(now time.Time) bool {
	return m.peerKnown(now) && m.peerCaps&CapLZ4 != 0
}

// active reports whether packets on the path are to be compressed.
func (m *helloMachine) active(now time.Time) bool { return m.local && m.peerAccepts(now) }
