package wgbind

// Relayed paths. A path given a Relay (Link.RelayedPath) has two ways
// to its peer: direct, to the remote link's endpoint, and through the
// relay, its WireGuard datagrams each behind a relay/wire Data header
// naming the path's session. Its one WireGuard device keeps its session
// across a switch of way, so a switch costs a handshake nothing and
// loses only what was in flight. The way is chosen here, per path:
//
//   - direct first, when there is an endpoint; relayed when nothing came
//     directly for DirectTimeout (the direct way does not open: UDP
//     blocked, an end behind symmetric NAT), or at once without an
//     endpoint or when the controller says the direct way cannot open
//     (Relay.StartRelayed);
//   - while relayed, a Probe to the endpoint every ProbeEvery; the peer
//     echoes it, and an echo proves the direct way works in both
//     directions: back to direct.
//
// The relay binding is refreshed every RegisterEvery while the path
// exists, whichever way it takes, so that a switch to the relay finds it
// ready and the edge's NAT mapping towards the relay alive.

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/relay/wire"
)

// Transports of a path, as status reports them.
const (
	TransportDirect  = "direct"
	TransportRelayed = "relayed"
)

// Relay is how a path reaches its peer through a relay: the controller's
// allocation for the path.
type Relay struct {
	// Addr is the relay's address.
	Addr netip.AddrPort
	// Session, Side and Token are this edge's side of the path's
	// session; Site names this edge's site as the token does.
	Session uint64
	Side    uint8
	Site    string
	Token   [wire.TokenLen]byte
	// StartRelayed: the direct way is known not to open (an end
	// behind symmetric NAT): start relayed, and still probe it.
	StartRelayed bool
	// Timers; zero fields take the defaults.
	Timers RelayTimers
}

// RelayTimers time the choice of a path's way.
type RelayTimers struct {
	// DirectTimeout: a direct way nothing came through for this long is
	// given up for the relay.
	DirectTimeout time.Duration
	// ProbeEvery: how often a relayed path probes the direct way.
	ProbeEvery time.Duration
	// RegisterEvery: how often the path registers at the relay.
	RegisterEvery time.Duration
}

// DefaultRelayTimers are the timers of a Relay that sets none.
var DefaultRelayTimers = RelayTimers{DirectTimeout: 5 * time.Second, ProbeEvery: time.Second, RegisterEvery: 5 * time.Second}

// echoFresh is how many ProbeEvery an echo counts as recent.
const echoFresh = 3

// relayed is a path's relay state. cfg and direct are fixed; the rest is
// atomics or belongs to the run goroutine (next*).
type relayed struct {
	cfg    Relay
	direct bool // the path has a direct endpoint
	hdr    [wire.DataHeaderLen]byte

	viaRelay   atomic.Bool
	lastDirect atomic.Int64  // unix ns: last datagram that came directly, or the last switch to direct
	echoed     atomic.Int64  // unix ns: last echo of our latest probe
	nonce      atomic.Uint64 // of the latest probe
	switches   atomic.Uint64

	stop     chan struct{}
	stopOnce sync.Once
	scratch  sync.Pool // *[][]byte: Send's datagrams with headers
}

// RelayedPath registers a path to remote over this link with a second
// way through a relay, and starts choosing between them. remote may be
// the zero AddrPort: the peer's link has no endpoint, and the path is
// always relayed. One path per remote endpoint and per session.
func (l *Link) RelayedPath(remote netip.AddrPort, r Relay) (*Path, error) {
	if !r.Addr.IsValid() || r.Addr.Port() == 0 {
		return nil, fmt.Errorf("wan link: invalid relay address %v", r.Addr)
	}
	r.Addr = netip.AddrPortFrom(r.Addr.Addr().Unmap(), r.Addr.Port())
	r.Timers = r.Timers.orDefaults()
	rs := &relayed{cfg: r, direct: remote.IsValid(), stop: make(chan struct{})}
	wire.PutDataHeader(rs.hdr[:], r.Session)
	rs.scratch.New = func() any { s := make([][]byte, maxBatch); return &s }
	now := time.Now().UnixNano()
	rs.lastDirect.Store(now)
	rs.viaRelay.Store(!rs.direct || r.StartRelayed)
	p := &Path{l: l, ep: &Endpoint{dst: r.Addr}, queue: make(chan *buffer, pathQueue), released: make(chan struct{}), relay: rs}
	if rs.direct {
		p.ep.dst = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.relayed[r.Session]; dup {
		return nil, fmt.Errorf("wan link port %d: a path with relay session %016x exists", l.port, r.Session)
	}
	if _, dup := l.paths[p.ep.dst]; dup && rs.direct {
		return nil, fmt.Errorf("wan link port %d: a path to %v exists", l.port, p.ep.dst)
	}
	if rs.direct {
		l.paths[p.ep.dst] = p
	}
	l.relayed[r.Session] = p
	go p.runRelay()
	return p, nil
}

func (t RelayTimers) orDefaults() RelayTimers {
	d := DefaultRelayTimers
	if t.DirectTimeout > 0 {
		d.DirectTimeout = t.DirectTimeout
	}
	if t.ProbeEvery > 0 {
		d.ProbeEvery = t.ProbeEvery
	}
	if t.RegisterEvery > 0 {
		d.RegisterEvery = t.RegisterEvery
	}
	return d
}

// Transport is the way the path takes now: TransportDirect or
// TransportRelayed.
func (p *Path) Transport() string {
	if p.relay != nil && p.relay.viaRelay.Load() {
		return TransportRelayed
	}
	return TransportDirect
}

// TransportSwitches counts the path's changes of way.
func (p *Path) TransportSwitches() uint64 {
	if p.relay == nil {
		return 0
	}
	return p.relay.switches.Load()
}

// runRelay registers at the relay and chooses the way, until the path
// is released.
func (p *Path) runRelay() {
	rs := p.relay
	tick := min(rs.cfg.Timers.ProbeEvery, rs.cfg.Timers.DirectTimeout/4)
	t := time.NewTicker(tick)
	defer t.Stop()
	var nextReg time.Time
	for {
		now := time.Now()
		if !now.Before(nextReg) {
			p.register(now)
			nextReg = now.Add(rs.cfg.Timers.RegisterEvery)
		}
		p.chooseWay(now)
		select {
		case <-t.C:
		case <-rs.stop:
			return
		case <-p.l.quit:
			return
		}
	}
}

// register sends the path's registration to the relay.
func (p *Path) register(now time.Time) {
	rs := p.relay
	msg, err := wire.AppendRegister(nil, wire.Register{Session: rs.cfg.Session, Side: rs.cfg.Side, Site: rs.cfg.Site, Time: now}, rs.cfg.Token)
	if err != nil {
		p.l.log.Warn("relay registration", "session", fmt.Sprintf("%016x", rs.cfg.Session), "err", err)
		return
	}
	_ = p.l.send([][]byte{msg}, rs.cfg.Addr)
}

// chooseWay switches between the ways by the rules above. It probes the
// direct way while relayed, and while direct when nothing came for
// ProbeEvery (an idle path), so that the echo keeps it direct.
func (p *Path) chooseWay(now time.Time) {
	rs := p.relay
	if !rs.direct {
		return
	}
	tm := rs.cfg.Timers
	quiet := now.Sub(time.Unix(0, rs.lastDirect.Load()))
	if !rs.viaRelay.Load() {
		if quiet > tm.DirectTimeout {
			p.setWay(true, "nothing came directly")
		} else if quiet > tm.ProbeEvery {
			p.probe()
		}
		return
	}
	if now.Sub(time.Unix(0, rs.echoed.Load())) < echoFresh*tm.ProbeEvery {
		p.setWay(false, "the direct way answered")
		return
	}
	p.probe()
}

// probe sends a Probe with a new nonce to the direct endpoint.
func (p *Path) probe() {
	rs := p.relay
	var n [8]byte
	_, _ = rand.Read(n[:])
	nonce := binary.BigEndian.Uint64(n[:])
	rs.nonce.Store(nonce)
	_ = p.l.send([][]byte{wire.AppendProbe(nil, wire.Probe{Session: rs.cfg.Session, Nonce: nonce})}, p.remote())
}

func (p *Path) setWay(viaRelay bool, why string) {
	if p.relay.viaRelay.Swap(viaRelay) == viaRelay {
		return
	}
	p.relay.switches.Add(1)
	p.l.log.Info("path transport", "remote", p.remote(), "transport", p.Transport(), "why", why)
}

// sendRelayed sends bufs through the relay, each behind the session's
// Data header.
func (p *Path) sendRelayed(bufs [][]byte) error {
	rs := p.relay
	sp := rs.scratch.Get().(*[][]byte)
	defer rs.scratch.Put(sp)
	s := *sp
	var last error
	for len(bufs) > 0 {
		k := min(len(bufs), maxBatch)
		for i, b := range bufs[:k] {
			s[i] = append(append(s[i][:0], rs.hdr[:]...), b...)
		}
		if err := p.l.send(s[:k], rs.cfg.Addr); err != nil {
			last = err
		}
		bufs = bufs[k:]
	}
	return last
}

// dispatchRelayed hands a Data message from a relay to the path of its
// session. The datagrams of a GRO buffer come from one relay but may be
// for several sessions: such a buffer is split.
func (l *Link) dispatchRelayed(b *buffer) {
	seg := b.seg
	if seg == 0 {
		seg = b.n
	}
	id, ok := wire.DataSession(b.b[:min(seg, b.n)])
	for off := seg; ok && off < b.n; off += seg {
		s, same := wire.DataSession(b.b[off:min(off+seg, b.n)])
		if !same {
			break
		}
		if s != id {
			l.splitRelayed(b, seg)
			return
		}
	}
	l.mu.RLock()
	p := l.relayed[id]
	l.mu.RUnlock()
	if !ok || p == nil || p.relay.cfg.Addr != b.src || !l.segmentsAreData(b, seg) {
		l.stats.DropNoPath.Add(uint64(b.datagram))
		l.free <- b
		return
	}
	b.hdr = wire.DataHeaderLen
	l.enqueue(p, b)
}

// segmentsAreData reports whether every datagram of b is a Data message.
func (l *Link) segmentsAreData(b *buffer, seg int) bool {
	for off := 0; off < b.n; off += seg {
		if _, ok := wire.DataSession(b.b[off:min(off+seg, b.n)]); !ok {
			return false
		}
	}
	return true
}

// splitRelayed copies each datagram of a GRO buffer into its own buffer
// and dispatches it; without a free buffer the datagram is dropped.
func (l *Link) splitRelayed(b *buffer, seg int) {
	for off := 0; off < b.n; off += seg {
		var one *buffer
		select {
		case one = <-l.free:
		default:
			l.stats.DropQueue.Add(1)
			continue
		}
		one.n = copy(one.b[:], b.b[off:min(off+seg, b.n)])
		one.src, one.seg, one.off, one.datagram, one.hdr = b.src, 0, 0, 1, 0
		l.dispatchRelayed(one)
	}
	l.free <- b
}

// probeReceived answers a Probe for a path of this link, or takes the
// echo of the path's latest one.
func (l *Link) probeReceived(b *buffer) {
	defer func() { l.free <- b }()
	pr, ok := wire.ParseProbe(b.b[:b.n])
	l.mu.RLock()
	p := l.paths[b.src]
	l.mu.RUnlock()
	if !ok || p == nil || p.relay == nil || pr.Session != p.relay.cfg.Session {
		l.stats.DropNoPath.Add(1)
		return
	}
	now := time.Now().UnixNano()
	if !pr.Echo {
		// Not proof that our way to the peer works (only its echo of our
		// own probe is): lastDirect stays, or a path blocked only towards
		// the peer would stay direct on the peer's probes.
		pr.Echo = true
		_ = l.send([][]byte{wire.AppendProbe(nil, pr)}, b.src)
		return
	}
	if pr.Nonce == p.relay.nonce.Load() {
		p.relay.lastDirect.Store(now)
		p.relay.echoed.Store(now)
	}
}

// stopRelay ends the path's choice of way.
func (rs *relayed) stopRelay() { rs.stopOnce.Do(func() { close(rs.stop) }) }
