package wgbind

// NAT traversal on a link's socket: STUN (edge/natdisc) shares the socket
// with WireGuard, so the mapping it learns is WireGuard's; and a path to
// a peer behind NAT punches: it sends small datagrams to the peer's
// observed endpoint until it hears from it, which opens this side's NAT
// (and firewall) to the peer's packets, and sends again the WireGuard
// handshake initiation its peer's NAT dropped before the peer punched.

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/patronus-sdwan/patronus/internal/stun"
)

// stunQueue is how many STUN datagrams wait for ReadSTUN; more are
// dropped (a discovery reads its answers at once).
const stunQueue = 16

// punchMsg is a punch datagram: neither STUN (first bits 11) nor
// WireGuard (first byte 1..4); a path takes it as "heard" and drops it.
var punchMsg = []byte{0xff, 'p', 'u', 'n', 'c', 'h', 0, 0}

// wgInitiationSize is a WireGuard handshake initiation's size; its first
// byte is 1.
const wgInitiationSize = 148

type stunDatagram struct {
	b   []byte
	src netip.AddrPort
}

// takeSTUN keeps a STUN datagram from a source that is no path for
// ReadSTUN; it reports whether b was one.
func (l *Link) takeSTUN(b *buffer) bool {
	if b.datagram != 1 || !stun.Looks(b.b[:b.n]) {
		return false
	}
	select {
	case l.stunq <- stunDatagram{bytes.Clone(b.b[:b.n]), b.src}:
	default:
	}
	l.free <- b
	return true
}

// WriteTo sends one datagram from the link's socket (edge/natdisc.Conn).
func (l *Link) WriteTo(b []byte, dst netip.AddrPort) error {
	return l.send([][]byte{b}, netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port()))
}

// ReadSTUN returns the next STUN datagram the socket received from a
// source that is not a path's remote (edge/natdisc.Conn). While no path
// reads the socket it takes the read role itself, until deadline.
func (l *Link) ReadSTUN(deadline time.Time) ([]byte, netip.AddrPort, error) {
	never := make(chan struct{})
	for {
		select {
		case d := <-l.stunq:
			return d.b, d.src, nil
		default:
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, netip.AddrPort{}, os.ErrDeadlineExceeded
		}
		select {
		case d := <-l.stunq:
			return d.b, d.src, nil
		case l.tok <- struct{}{}:
			err := l.readBatchUntil(never, deadline)
			<-l.tok
			if err != nil {
				return nil, netip.AddrPort{}, err
			}
		case <-time.After(min(wait, 50*time.Millisecond)): // a path reads: look at the queue again
		case <-l.quit:
			return nil, netip.AddrPort{}, os.ErrClosed
		}
	}
}

// Punch sends a punch datagram to the path's remote every interval until
// it hears from the remote, for at most window, or until the path is
// released. It returns at once.
func (p *Path) Punch(interval, window time.Duration) { p.PunchAt(time.Time{}, interval, window) }

// PunchAt is Punch starting at at (at once when at is past): the time
// the controller set for both ends of the path (docs/NAT.md). Handshake
// initiations are held from now on (holdInitiation).
func (p *Path) PunchAt(at time.Time, interval, window time.Duration) {
	p.punching.Store(true)
	go func() {
		if wait := time.Until(at); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-p.released:
				return
			case <-p.l.quit:
				return
			}
		}
		p.punch(interval, window)
	}()
}

func (p *Path) punch(interval, window time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	end := time.Now().Add(window)
	for !p.heard.Load() && time.Now().Before(end) {
		_ = p.l.send([][]byte{punchMsg}, p.remote())
		p.l.stats.Punches.Add(1)
		select {
		case <-t.C:
		case <-p.released:
			return
		case <-p.l.quit:
			return
		}
	}
}

// Heard reports whether anything came from the path's remote.
func (p *Path) Heard() bool { return p.heard.Load() }

// holdInitiation keeps the newest handshake initiation a punching path
// sends before it heard from its remote: the remote's NAT may drop it,
// and WireGuard would only send another after its rekey timeout (5 s).
func (p *Path) holdInitiation(bufs [][]byte) {
	if !p.punching.Load() || p.heard.Load() {
		return
	}
	for _, b := range bufs {
		if len(b) == wgInitiationSize && b[0] == 1 {
			p.hmu.Lock()
			p.held = append(p.held[:0], b...)
			p.hmu.Unlock()
		}
	}
}

// heardFrom marks the path as heard; the first time, a held initiation
// is sent again, now that the remote's NAT lets this side in. It reports
// whether b was a punch, which the path drops.
func (p *Path) heardFrom(b *buffer) bool {
	if !p.heard.Load() && p.heard.CompareAndSwap(false, true) {
		p.hmu.Lock()
		held := p.held
		p.held = nil
		p.hmu.Unlock()
		if held != nil {
			_ = p.l.send([][]byte{held}, p.remote())
			p.l.stats.Reinitiations.Add(1)
		}
	}
	return b.datagram == 1 && b.n == len(punchMsg) && bytes.Equal(b.b[:b.n], punchMsg)
}

// endpoint is the path's remote endpoint now: the one it was made with,
// or the one Repoint moved it to.
func (p *Path) endpoint() *Endpoint {
	if e := p.cur.Load(); e != nil {
		return e
	}
	return p.ep
}

// remote is the path's remote address and port now.
func (p *Path) remote() netip.AddrPort { return p.endpoint().dst }

// Remote is the path's remote address and port now (Repoint moves it).
func (p *Path) Remote() netip.AddrPort { return p.remote() }

// sendTo is where a datagram WireGuard sends to e goes: e itself, unless
// the path was repointed, whose remote wins over the endpoint WireGuard
// still holds (it takes the new one from the next datagram received).
func (p *Path) sendTo(e *Endpoint) netip.AddrPort {
	if c := p.cur.Load(); c != nil {
		return c.dst
	}
	return e.dst
}

// Repoint moves a direct path to a new remote endpoint, as when the
// remote link's NAT gave it a new mapping: the path's datagrams go
// there, datagrams from there reach the path, and the path punches again
// (for at most window) so that this side's NAT lets the remote's new
// mapping in. WireGuard's device, its session and keys stay: no new
// handshake is needed. It fails when another path of the link goes to
// remote.
func (p *Path) Repoint(remote netip.AddrPort, interval, window time.Duration) error {
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	if !remote.IsValid() || remote.Port() == 0 {
		return fmt.Errorf("wan link: invalid remote endpoint %v", remote)
	}
	if p.relay != nil && !p.relay.direct {
		return fmt.Errorf("wan link: a path without a direct way cannot be repointed")
	}
	l := p.l
	l.mu.Lock()
	old := p.remote()
	if other, dup := l.paths[remote]; dup && other != p {
		l.mu.Unlock()
		return fmt.Errorf("wan link port %d: a path to %v exists", l.port, remote)
	}
	if l.paths[old] == p {
		delete(l.paths, old)
	}
	l.paths[remote] = p
	p.cur.Store(&Endpoint{dst: remote})
	l.mu.Unlock()
	if old != remote {
		p.heard.Store(false)
		l.log.Info("path repointed", "from", old, "to", remote)
	}
	p.Punch(interval, window)
	return nil
}
