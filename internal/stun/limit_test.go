package stun

import (
	"net"
	"net/netip"
	"testing"
	"time"

	pion "github.com/pion/stun/v3"
	"github.com/prometheus/client_golang/prometheus"
)

// startLimited runs a responder on loopback with lim, its metrics in a
// registry of its own.
func startLimited(t *testing.T, lim Limits) (netip.AddrPort, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	lo := netip.MustParseAddr("127.0.0.1")
	cfg := Config{Listen: netip.AddrPortFrom(lo, freePort(t)), Alternate: netip.AddrPortFrom(lo, freePort(t)),
		Limits: lim, Registerer: reg}
	s, err := Listen(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	return cfg.Listen, reg
}

func freePort(t *testing.T) uint16 {
	t.Helper()
	c := udpClient(t)
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func udpClient(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// burst sends n Binding requests from c at once and counts the
// responses that come back within wait.
func burst(t *testing.T, c *net.UDPConn, to netip.AddrPort, n int, wait time.Duration) int {
	t.Helper()
	for range n {
		req, err := pion.Build(pion.TransactionID, pion.BindingRequest, pion.Fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WriteToUDPAddrPort(req.Raw, to); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(wait))
	for {
		if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
			return got
		}
		got++
	}
}

// metricValue reads a counter from reg by name and reason label ("" for
// none).
func metricValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			lbl := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" {
					lbl = l.GetValue()
				}
			}
			if lbl == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s{reason=%q}", name, reason)
	return 0
}

// TestPerSourceLimit: a burst from one source is answered up to its
// bucket, the rest dropped and counted; a second port of the same
// address shares the bucket; once the bucket refilled the source is
// answered again.
func TestPerSourceLimit(t *testing.T) {
	srv, reg := startLimited(t, Limits{PerSource: 10, PerSourceBurst: 5})
	a, b := udpClient(t), udpClient(t)
	got := burst(t, a, srv, 50, 300*time.Millisecond)
	if got < 5 || got > 7 {
		t.Fatalf("a burst of 50 from one source: %d answered, want its bucket's 5 (+ what refills meanwhile)", got)
	}
	if n := burst(t, b, srv, 5, 200*time.Millisecond); n > 3 {
		t.Errorf("another port of the same address: %d of 5 answered, want the shared bucket's refill only", n)
	}
	dropped := metricValue(t, reg, "patronus_stun_dropped_requests_total", ReasonSourceRate)
	answered := metricValue(t, reg, "patronus_stun_answered_requests_total", "")
	if dropped+answered != 55 || dropped < 45 {
		t.Errorf("counted %v answered, %v dropped for source_rate; want all 55 requests counted, most dropped", answered, dropped)
	}
	time.Sleep(time.Second) // the bucket refills (10/s, burst 5)
	if n := burst(t, a, srv, 5, 300*time.Millisecond); n != 5 {
		t.Errorf("after the bucket refilled: %d of 5 answered", n)
	}
	if v := metricValue(t, reg, "patronus_stun_dropped_requests_total", ReasonGlobalRate); v != 0 {
		t.Errorf("global_rate drops %v, want 0", v)
	}
}

// TestGlobalLimit: many sources within their own buckets are bounded
// together by the global one; the drops are counted as global_rate.
func TestGlobalLimit(t *testing.T) {
	srv, reg := startLimited(t, Limits{Global: 1, GlobalBurst: 8})
	total := 0
	for range 4 {
		total += burst(t, udpClient(t), srv, 4, 100*time.Millisecond)
	}
	if total < 8 || total > 9 {
		t.Fatalf("16 requests from 4 sources: %d answered, want the global burst (8)", total)
	}
	if v := metricValue(t, reg, "patronus_stun_dropped_requests_total", ReasonGlobalRate); v != float64(16-total) {
		t.Errorf("global_rate drops %v, want %d", v, 16-total)
	}
}

// TestMaxSources: past MaxSources tracked sources, a new source is
// dropped and counted (the table cannot grow without bound under a
// spoofed flood); the sources tracked are still answered.
func TestMaxSources(t *testing.T) {
	lm := newLimiter(Limits{MaxSources: 2})
	now := time.Now()
	for i, a := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		ok, reason := lm.allow(netip.MustParseAddr(a), now)
		if want := i < 2; ok != want || (!ok && reason != ReasonSources) {
			t.Errorf("source %d: allowed %v (%s), want %v", i+1, ok, reason, want)
		}
	}
	if ok, _ := lm.allow(netip.MustParseAddr("192.0.2.1"), now); !ok {
		t.Error("a tracked source refused")
	}
	if ok, _ := lm.allow(netip.MustParseAddr("192.0.2.3"), now.Add(2*sourceIdle)); !ok {
		t.Error("a new source refused after the idle ones were forgotten")
	}
}

func TestLimitsValidate(t *testing.T) {
	lo := netip.MustParseAddr("192.0.2.1")
	cfg := Config{Listen: netip.AddrPortFrom(lo, 3478), Alternate: netip.AddrPortFrom(lo, 3479), Limits: Limits{PerSource: -1}}
	if err := cfg.Validate(); err == nil {
		t.Error("a negative per-source rate accepted")
	}
}
