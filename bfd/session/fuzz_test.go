package session

import (
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// FuzzReceive feeds a session, Up or not, with or without authentication,
// a sequence of arbitrary packets (those that decode) and clock ticks: it
// never panics, its state is one of the four, and the remote's timers
// never stretch the detection time past its cap.
func FuzzReceive(f *testing.F) {
	var b [packet.MaxLen]byte
	for _, st := range []packet.State{down, initSt, up, adminDown} {
		c := peerPkt(st)
		if n, err := c.Encode(b[:]); err == nil {
			f.Add(append([]byte(nil), b[:n]...), false, uint16(10))
		}
	}
	f.Add([]byte{0x20, 0xc0, 3, 24}, true, uint16(0))
	f.Fuzz(func(t *testing.T, stream []byte, auth bool, tick uint16) {
		cfg := fastConfig()
		if auth {
			cfg.Auth = &Auth{Type: packet.AuthKeyedSHA1, KeyID: 1, Secret: []byte("secret")}
		}
		clk := newClock()
		s := New(localDisc, cfg, clk.now, fullJitter)
		for len(stream) > 0 {
			n := min(int(stream[0])%packet.MaxLen+1, len(stream))
			raw := stream[:n]
			stream = stream[n:]
			var c packet.Control
			if c.Decode(raw) == nil {
				s.Receive(&c, raw, clk.now)
			}
			clk.advance(time.Duration(tick) * time.Millisecond)
			s.Tick(clk.now)
			if _, err := s.Encode(b[:], false); err != nil {
				t.Fatalf("encode after receive: %v", err)
			}
			if st := s.State(); st != down && st != initSt && st != up && st != adminDown {
				t.Fatalf("state %v", st)
			}
			if dt := s.DetectionTime(); dt > DefaultMaxDetectionTime {
				t.Fatalf("detection time %v past the cap", dt)
			}
		}
	})
}
