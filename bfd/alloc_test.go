package bfd_test

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
)

// slowInterval keeps the session's own timer quiet while the receive path
// is measured: no transmission or detection fires during a run.
const slowInterval = 10 * time.Second

var benchKey = []byte("0123456789abcdefghij")

// upSession returns a Manager holding one Up session whose peer is played
// by hand, and the steady-state Up packet that peer sends. auth is nil or
// the session's (and the peer's) authentication. With detectFirst the
// Detection Time (3 s) is shorter than the transmission interval, so every
// packet moves the session's next deadline; otherwise the next
// transmission comes first and a packet leaves the deadline alone.
func upSession(tb testing.TB, auth *session.Auth, detectFirst bool) (*bfd.Manager, []byte) {
	tb.Helper()
	m := bfd.NewManager(nil)
	cfg := sessionConfig(addrA, addrB)
	cfg.DesiredMinTx, cfg.RequiredMinRx, cfg.Auth = slowInterval, slowInterval, auth
	peerTx := slowInterval
	if detectFirst {
		cfg.RequiredMinRx, peerTx = time.Second, time.Second
	}
	disc, err := m.Add(cfg, discard{})
	if err != nil {
		tb.Fatal(err)
	}
	const peer = 0xbeef
	seq := uint32(42)
	pkt := func(st packet.State, your uint32) []byte {
		seq++
		c := packet.Control{
			State: st, DetectMult: 3, MyDiscriminator: peer, YourDiscriminator: your,
			DesiredMinTxInterval:  uint32(peerTx / time.Microsecond),
			RequiredMinRxInterval: uint32(slowInterval / time.Microsecond),
		}
		if auth != nil {
			c.Auth = packet.Auth{Type: auth.Type, KeyID: auth.KeyID, Sequence: seq}
		}
		b := make([]byte, packet.MaxLen)
		n, err := c.Encode(b)
		if err == nil && auth != nil {
			err = packet.Sign(b[:n], auth.Secret)
		}
		if err != nil {
			tb.Fatal(err)
		}
		return b[:n]
	}
	// Steady state: the first transmission, due at Add, has gone out, so
	// the next deadline is a real one in the future.
	deadline := time.Now().Add(waitTimeout)
	for si, _ := m.Session(cfg.Key); si.Counters.PacketsOut == 0; si, _ = m.Session(cfg.Key) {
		if time.Now().After(deadline) {
			tb.Fatal("setup: first packet not sent")
		}
		time.Sleep(time.Millisecond)
	}
	m.Receive(pkt(packet.StateDown, 0), rxFrom)
	up := pkt(packet.StateUp, disc)
	m.Receive(up, rxFrom)
	si, _ := m.Session(cfg.Key)
	if si.Session.State != packet.StateUp || si.Counters.PacketsIn != 2 {
		tb.Fatalf("setup: %v, counters %+v", si.Session.State, si.Counters)
	}
	return m, up
}

// TestReceiveAllocs asserts that the receive path of a packet for an Up
// session (decode, demultiplex, transport checks, state machine) does not
// allocate, with and without a digest to verify.
func TestReceiveAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are global; run without -short")
	}
	for _, tt := range []struct {
		name        string
		auth        *session.Auth
		detectFirst bool
	}{
		{"no auth", nil, false},
		{"no auth, deadline moves", nil, true},
		{"keyed-sha1", &session.Auth{Type: packet.AuthKeyedSHA1, KeyID: 1, Secret: benchKey}, false},
		{"keyed-sha1, deadline moves", &session.Auth{Type: packet.AuthKeyedSHA1, KeyID: 1, Secret: benchKey}, true},
		{"meticulous-keyed-md5 replay, dropped", &session.Auth{Type: packet.AuthMeticulousKeyedMD5, KeyID: 1, Secret: benchKey[:16]}, false},
	} {
		m, up := upSession(t, tt.auth, tt.detectFirst)
		if n := testing.AllocsPerRun(1000, func() { m.Receive(up, rxFrom) }); n != 0 {
			t.Errorf("%s: Manager.Receive: %v allocs per packet, want 0", tt.name, n)
		}
		c := m.Sessions()[0].Counters
		taken := c.PacketsIn > 1000
		if dropped := tt.auth != nil && tt.auth.Type.Meticulous(); taken == dropped {
			t.Errorf("%s: measured the wrong path: %+v", tt.name, c)
		}
		m.Close()
	}
}

// BenchmarkManagerReceive measures the full receive path of a steady-state
// packet: decode, demultiplex by Your Discriminator, GTSM and source
// checks, authentication, state machine and counters.
func BenchmarkManagerReceive(b *testing.B) {
	for _, bb := range []struct {
		name        string
		auth        *session.Auth
		detectFirst bool
	}{
		{"none", nil, false},
		{"none/deadline-moves", nil, true},
		{"keyed-sha1", &session.Auth{Type: packet.AuthKeyedSHA1, KeyID: 1, Secret: benchKey}, false},
	} {
		b.Run(bb.name, func(b *testing.B) {
			m, up := upSession(b, bb.auth, bb.detectFirst)
			defer m.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(up)))
			// As bfd/udp does, the clock is read once per batch of
			// up to 32 datagrams taken by one recvmmsg.
			meta, i := rxFrom, 0
			for b.Loop() {
				if i%32 == 0 {
					meta.Time = time.Now()
				}
				m.Receive(up, meta)
				i++
			}
			b.StopTimer()
			if si := m.Sessions()[0]; si.Session.State != packet.StateUp || len(si.Counters.Drops) != 0 {
				b.Fatalf("session %v drops %v", si.Session.State, si.Counters.Drops)
			}
		})
	}
}
