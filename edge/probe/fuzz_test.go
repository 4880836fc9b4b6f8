package probe

import (
	"testing"
	"time"
)

// FuzzSenderReceive hands a Sender with probes outstanding arbitrary
// replies (the peer's bytes, offset in time): it never panics, and its
// metrics stay sane — no negative round trip or jitter, loss within
// 0..100 %.
func FuzzSenderReceive(f *testing.F) {
	var first []byte
	s, err := NewSender(Config{}, 0xabcd, func(b []byte) error { first = append([]byte(nil), b...); return nil })
	if err != nil {
		f.Fatal(err)
	}
	s.Tick(t0)
	out := make([]byte, Len)
	var r Reflector
	if n, err := r.Reflect(out, first, t0.Add(time.Millisecond), t0.Add(2*time.Millisecond)); err == nil {
		f.Add(out[:n], int64(5*time.Millisecond))
	}
	f.Add([]byte{}, int64(0))
	f.Add(make([]byte, Len), int64(-time.Hour))
	f.Fuzz(func(t *testing.T, body []byte, after int64) {
		g := newRig(t, Config{})
		for i := range 5 {
			g.s.Tick(t0.Add(time.Duration(i) * DefaultInterval))
		}
		now := t0.Add(time.Duration(after))
		_ = g.s.Receive(body, now)
		// The same bytes made a reply to each outstanding probe (its
		// session, sequence and timestamp), with the peer's timestamps.
		if len(body) >= Len {
			for _, sent := range g.sent {
				b := append([]byte(nil), body...)
				b[0] = Version<<4 | uint8(KindReply)
				copy(b[4:12], sent[4:12])
				copy(b[16:24], sent[16:24])
				_ = g.s.Receive(b, now)
			}
		}
		m := g.s.Metrics(now.Add(time.Second))
		if m.RTTMin < 0 || m.RTTAvg < 0 || m.RTTMax < 0 || m.RTTPct < 0 || m.Jitter < 0 ||
			m.LossPct < 0 || m.LossPct > 100 || m.RecentLossPct < 0 || m.RecentLossPct > 100 {
			t.Fatalf("metrics %+v", m)
		}
	})
}
