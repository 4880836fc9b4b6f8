package natdisc_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/natdisc"
	"github.com/patronus-sdwan/patronus/internal/stun"
)

// responder starts internal/stun's responder on loopback: 127.0.0.1 and,
// with twoAddrs, 127.0.0.2 as its alternate address.
func responder(t *testing.T, twoAddrs bool) netip.AddrPort {
	t.Helper()
	p1, p2 := freePort(t), freePort(t)
	alt := netip.MustParseAddr("127.0.0.1")
	if twoAddrs {
		alt = netip.MustParseAddr("127.0.0.2")
	}
	cfg := stun.Config{Listen: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), p1), Alternate: netip.AddrPortFrom(alt, p2)}
	s, err := stun.Listen(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return cfg.Listen
}

func freePort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var fast = natdisc.Config{RTO: 100 * time.Millisecond, Tries: 2}

func TestDiscoverNoNAT(t *testing.T) {
	srv := responder(t, true)
	c := listen(t)
	cfg := fast
	cfg.IsLocal = func(a netip.Addr) bool { return a.IsLoopback() }
	res, err := natdisc.Discover(context.Background(), &natdisc.UDPConn{C: c}, srv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := c.LocalAddr().(*net.UDPAddr).AddrPort(); res.Mapped != want {
		t.Errorf("mapped %v, want the socket's own %v", res.Mapped, want)
	}
	if res.Kind != (natdisc.NATKind{Mapping: natdisc.NoNAT, Filtering: natdisc.NoNAT}) || res.Kind.Behind() {
		t.Errorf("kind %v, want none/none", res.Kind)
	}
}

// TestDiscoverThroughNAT classifies every RFC 4787 behaviour of the
// emulated NAT, with a responder of two addresses and of one.
func TestDiscoverThroughNAT(t *testing.T) {
	B := []natdisc.Behaviour{natdisc.EndpointIndependent, natdisc.AddressDependent, natdisc.AddressAndPortDependent}
	for _, two := range []bool{true, false} {
		for _, m := range B {
			for _, f := range B {
				want := natdisc.NATKind{Mapping: m, Filtering: f}
				if !two { // one address: the port alone is changed
					if m == natdisc.AddressDependent {
						want.Mapping = natdisc.EndpointIndependent
					}
					if f == natdisc.EndpointIndependent {
						want.Filtering = natdisc.AddressDependent
					}
				}
				name := natdisc.NATKind{Mapping: m, Filtering: f}.String()
				if !two {
					name += "/one-address"
				}
				t.Run(name, func(t *testing.T) {
					srv := responder(t, two)
					n := newNAT(t, m, f)
					res, err := natdisc.Discover(context.Background(), n, srv, fast)
					if err != nil {
						t.Fatal(err)
					}
					if res.Kind != want {
						t.Errorf("kind %v, want %v", res.Kind, want)
					}
					if first := n.firstMapping(); res.Mapped != first {
						t.Errorf("mapped %v, want the NAT's first mapping %v", res.Mapped, first)
					}
				})
			}
		}
	}
}

func TestDiscoverNoResponder(t *testing.T) {
	c := listen(t)
	dead := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freePort(t))
	_, err := natdisc.Discover(context.Background(), &natdisc.UDPConn{C: c}, dead, fast)
	if !errors.Is(err, natdisc.ErrNoResponse) {
		t.Fatalf("err %v, want ErrNoResponse", err)
	}
}

func TestMappedFollowsRebind(t *testing.T) {
	srv := responder(t, false)
	n := newNAT(t, natdisc.EndpointIndependent, natdisc.AddressAndPortDependent)
	a, err := natdisc.Mapped(context.Background(), n, srv, fast)
	if err != nil {
		t.Fatal(err)
	}
	n.rebind()
	b, err := natdisc.Mapped(context.Background(), n, srv, fast)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("mapping %v unchanged after the NAT rebound", a)
	}
}

// nat is a Conn that behaves as a NAT in front of real sockets: each
// mapping is a socket of its own (its port the mapped port), chosen per
// remote as the mapping behaviour says; received datagrams pass the
// filter of the mapping they arrive on.
type nat struct {
	t       *testing.T
	mapping natdisc.Behaviour
	filter  natdisc.Behaviour
	timeout time.Duration // an idle flow's state is forgotten after it; 0: never

	mu    sync.Mutex
	maps  map[string]*natMap // by mapping key
	order []*natMap
	in    chan datagram
}

type natMap struct {
	c    *net.UDPConn
	sent map[netip.AddrPort]time.Time // remotes sent to, when the flow was last active
}

type datagram struct {
	b   []byte
	src netip.AddrPort
}

func newNAT(t *testing.T, m, f natdisc.Behaviour) *nat {
	return &nat{t: t, mapping: m, filter: f, maps: map[string]*natMap{}, in: make(chan datagram, 64)}
}

func (n *nat) key(dst netip.AddrPort) string {
	switch n.mapping {
	case natdisc.AddressDependent:
		return dst.Addr().String()
	case natdisc.AddressAndPortDependent:
		return dst.String()
	}
	return ""
}

func (n *nat) WriteTo(b []byte, dst netip.AddrPort) error {
	n.mu.Lock()
	m := n.maps[n.key(dst)]
	if m == nil {
		m = &natMap{c: listen(n.t), sent: map[netip.AddrPort]time.Time{}}
		n.maps[n.key(dst)] = m
		n.order = append(n.order, m)
		go n.read(m)
	}
	m.sent[dst] = time.Now()
	n.mu.Unlock()
	_, err := m.c.WriteToUDPAddrPort(b, dst)
	return err
}

func (n *nat) read(m *natMap) {
	for {
		buf := make([]byte, 1500)
		k, src, err := m.c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if n.admits(m, src) {
			n.in <- datagram{buf[:k], src}
		}
	}
}

func (n *nat) admits(m *natMap, src netip.AddrPort) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for dst, last := range m.sent {
		if n.timeout > 0 && time.Since(last) > n.timeout {
			continue // forgotten
		}
		switch {
		case n.filter == natdisc.EndpointIndependent,
			n.filter == natdisc.AddressDependent && dst.Addr() == src.Addr(),
			dst == src:
			if dst == src {
				m.sent[dst] = time.Now()
			}
			return true
		}
	}
	return false
}

func (n *nat) ReadSTUN(deadline time.Time) ([]byte, netip.AddrPort, error) {
	select {
	case d := <-n.in:
		return d.b, d.src, nil
	case <-time.After(time.Until(deadline)):
		return nil, netip.AddrPort{}, os.ErrDeadlineExceeded
	}
}

func (n *nat) firstMapping() netip.AddrPort {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.order[0].c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// rebind forgets every mapping, as a NAT that lost its state.
func (n *nat) rebind() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range n.order {
		m.c.Close()
	}
	n.maps, n.order = map[string]*natMap{}, nil
}

// TestWatcherSeesRebind: a Watcher classifies the link, then a Recheck
// after the NAT rebound reports the new mapping and calls onChange.
func TestWatcherSeesRebind(t *testing.T) {
	srv := responder(t, false)
	n := newNAT(t, natdisc.EndpointIndependent, natdisc.AddressAndPortDependent)
	changed := make(chan struct{}, 10)
	w := natdisc.Watch(srv, time.Hour, []natdisc.Link{{Name: "lte", Conn: n}}, fast, func() { changed <- struct{}{} }, nil)
	defer w.Close()
	wait := func(what string) natdisc.Observation {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no change reported", what)
		}
		obs := w.Observations()
		if len(obs) != 1 || obs[0].Link != "lte" || obs[0].Err != nil {
			t.Fatalf("%s: %+v", what, obs)
		}
		return obs[0]
	}
	first := wait("first discovery")
	if first.Kind != (natdisc.NATKind{Mapping: natdisc.EndpointIndependent, Filtering: natdisc.AddressAndPortDependent}) {
		t.Fatalf("kind %v", first.Kind)
	}
	n.rebind()
	w.Recheck()
	second := wait("after the rebind")
	if second.Mapped == first.Mapped || second.Kind != first.Kind {
		t.Fatalf("after the rebind: %+v, before %+v", second, first)
	}
}

// TestMeasureLifetime: through an address-and-port-dependent NAT that
// forgets an idle flow after 600 ms, the search finds the timeout within
// its precision; a NAT that keeps flows longer than the range is
// reported so (not measured).
func TestMeasureLifetime(t *testing.T) {
	for _, two := range []bool{false, true} {
		srv := responder(t, two)
		n := newNAT(t, natdisc.EndpointIndependent, natdisc.AddressAndPortDependent)
		n.timeout = 600 * time.Millisecond
		lc := natdisc.LifetimeConfig{Max: 2 * time.Second, Precision: 150 * time.Millisecond}
		got, err := natdisc.MeasureLifetime(context.Background(), n, srv, fast, lc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Measured() || got.Alive > n.timeout || got.Dead < n.timeout || got.Dead-got.Alive > lc.Precision {
			t.Errorf("two addresses %v: %+v, want the 600 ms timeout within 150 ms", two, got)
		}
	}
	srv := responder(t, false)
	n := newNAT(t, natdisc.EndpointIndependent, natdisc.AddressAndPortDependent)
	n.timeout = 5 * time.Second
	got, err := natdisc.MeasureLifetime(context.Background(), n, srv, fast, natdisc.LifetimeConfig{Max: 500 * time.Millisecond}, nil)
	if err != nil || got.Measured() || got.Alive != 500*time.Millisecond {
		t.Errorf("a timeout past the range: %+v %v, want Alive = the range, not measured", got, err)
	}
}

// TestWatcherMeasuresLifetime: behind an address-and-port-dependent
// filter, a Watcher measures the NAT's idle timeout once, while it keeps
// refreshing the mapping on the same socket, and reports it.
func TestWatcherMeasuresLifetime(t *testing.T) {
	srv := responder(t, true)
	n := newNAT(t, natdisc.EndpointIndependent, natdisc.AddressAndPortDependent)
	n.timeout = 600 * time.Millisecond
	changed := make(chan struct{}, 10)
	lc := natdisc.LifetimeConfig{Max: 2 * time.Second, Precision: 150 * time.Millisecond}
	w := natdisc.WatchLifetime(srv, 100*time.Millisecond, []natdisc.Link{{Name: "lte", Conn: n}}, fast, lc, func() { changed <- struct{}{} }, nil)
	defer w.Close()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no lifetime measured: %+v", w.Observations())
		}
		if obs := w.Observations(); len(obs) == 1 && obs[0].Lifetime.Measured() {
			lt := obs[0].Lifetime
			if lt.Alive > n.timeout || lt.Dead < n.timeout {
				t.Errorf("lifetime %+v, want around %v", lt, n.timeout)
			}
			return
		}
	}
}
