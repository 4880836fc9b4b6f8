package dataplane

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/ippkt"
	"github.com/patronus-sdwan/patronus/edge/shim"
)

// fwdState is the forwarder goroutine's own state.
type fwdState struct {
	seq        map[uint16]uint32 // next duplicate sequence number, per peer site
	lastExpire time.Time
	rules      *classify.Rules // the classifier's
	pkt        ippkt.Packet    // the packet being routed, parsed once
}

func newFwdState(r *classify.Rules) fwdState { return fwdState{seq: map[uint16]uint32{}, rules: r} }

// expireEvery is how often the forwarder forgets idle flows.
const expireEvery = 5 * time.Second

// forward reads the overlay interface and hands each packet to the path
// steering chooses for its flow.
func (d *Dataplane) forward() {
	defer d.wg.Done()
	batch := d.tun.BatchSize()
	bufs := make([][]byte, batch)
	for i := range bufs {
		bufs[i] = make([]byte, tunOffset+65535)
	}
	sizes := make([]int, batch)
	for {
		n, err := d.tun.Read(bufs, sizes, tunOffset)
		now := time.Now()
		s := d.snap.Load()
		if s.st.Rules != d.fwd.rules {
			d.fwd.rules = s.st.Rules
			d.classifier.SetRules(s.st.Rules)
		}
		if now.Sub(d.fwd.lastExpire) >= expireEvery {
			d.fwd.lastExpire = now
			d.classifier.Expire(now)
		}
		for i := range n {
			d.route(s, bufs[i][tunOffset:tunOffset+sizes[i]], now)
		}
		if err != nil {
			d.Stats.OverlayRead.Add(1)
			if errors.Is(err, tun.ErrTooManySegments) {
				continue // a super-packet of more segments than bufs: lost
			}
			if !errors.Is(err, os.ErrClosed) {
				d.log.Error("overlay interface: read failed, forwarding stops", "err", err)
			}
			return
		}
	}
}

// route sends one packet from the overlay towards its site, as s says.
// The packet is parsed once; what the parse found feeds the route lookup,
// MSS clamping, pins, classification and the flow hash.
func (d *Dataplane) route(s *snapshot, pkt []byte, now time.Time) {
	d.Stats.FromOverlay.Add(1)
	ip := &d.fwd.pkt
	perr := ippkt.Parse(pkt, ip)
	if ip.Version == 0 || len(pkt) > maxPacket {
		d.Stats.Malformed.Add(1)
		return
	}
	if ip.Version == 6 && ip.Flow.Proto == shim.Protocol && isControlAddr(ip.Flow.Src) {
		d.Stats.ShimFromOverlay.Add(1)
		return
	}
	dest, ok := s.routes.Lookup(ip.Flow.Dst)
	if !ok || dest.Local {
		d.Stats.NoRoute.Add(1)
		return
	}
	p := s.peers[dest.Site]
	if p == nil || len(p.paths) == 0 {
		d.Stats.NoPath.Add(1)
		return
	}
	if ippkt.ClampMSS(pkt, ip, d.cfg.Overlay.MTU) {
		d.Stats.MSSClamped.Add(1)
	}
	path := s.pinned(ip, dest.Site)
	var dup *Path
	var flow classify.FlowRef // counted on the path taken (Classifier.Count)
	noCompress := false
	if path == nil {
		// Classified even when steering has no path yet: the classifier
		// learns names from DNS answers and SNI on the flow's first
		// packets.
		verdict := d.classify(ip, perr, now)
		flow = verdict.Flow
		pol := s.st.PolicyOfApp(verdict.App)
		noCompress = s.st.NoCompress[pol]
		if c, ok := d.engine.Lookup(dest.Site, pol, ip.FlowHash()); ok {
			path, dup = s.path(c.Path, dest.Site), s.path(c.Dup, dest.Site)
		}
		if path == nil {
			path, dup = p.paths[0], nil
		} else {
			d.Stats.Steered.Add(1)
		}
	}
	d.classifier.Count(flow, uint32(path.num), len(pkt))
	if dup != nil && dup != path {
		if len(pkt)+shim.MaxOverhead <= d.cfg.Overlay.MTU {
			seq := d.nextSeq(dest.Site)
			d.sendSeq(path, pkt, seq)
			if d.sendSeq(dup, pkt, seq) {
				d.Stats.Duplicated.Add(1)
			}
			return
		}
		d.Stats.DupTooLarge.Add(1)
	}
	d.send(path, pkt, noCompress)
}

// classify is the verdict of the classifier on ip; a packet whose
// transport header did not parse (perr) is the unclassified application.
func (d *Dataplane) classify(ip *ippkt.Packet, perr error, now time.Time) classify.Verdict {
	if perr != nil {
		return d.classifier.Unparsed(perr)
	}
	return d.classifier.ClassifyPacket(ip, now)
}

// send queues pkt on path.
func (d *Dataplane) send(path *Path, pkt []byte, noCompress bool) bool {
	b := d.pool.get()
	if b == nil {
		d.Stats.NoBuffer.Add(1)
		return false
	}
	b.n = copy(b.b[:], pkt)
	b.noCompress = noCompress
	return d.queue(path, b, len(pkt))
}

// sendSeq queues pkt on path as a shim Data packet with sequence number
// seq, for the peer's duplicate filter.
func (d *Dataplane) sendSeq(path *Path, pkt []byte, seq uint32) bool {
	b := d.pool.get()
	if b == nil {
		d.Stats.NoBuffer.Add(1)
		return false
	}
	n, err := path.shim.Encode(b.b[:], shim.Header{Type: shim.TypeData, HasSeq: true, Seq: seq}, len(pkt))
	if err != nil {
		d.pool.put(b)
		d.Stats.Malformed.Add(1)
		return false
	}
	b.n = n + copy(b.b[n:], pkt)
	return d.queue(path, b, len(pkt))
}

func (d *Dataplane) queue(path *Path, b *packetBuf, inner int) bool {
	select {
	case path.tun.queue <- b:
		path.TxPackets.Add(1)
		path.TxBytes.Add(uint64(inner))
		return true
	default:
		d.pool.put(b)
		d.Stats.QueueFull.Add(1)
		return false
	}
}

// nextSeq returns the next duplicate sequence number towards site. The
// first is random, so a restarted edge's numbers are not taken for copies
// of its predecessor's.
func (d *Dataplane) nextSeq(site uint16) uint32 {
	s, ok := d.fwd.seq[site]
	if !ok {
		var b [4]byte
		_, _ = rand.Read(b[:])
		s = binary.BigEndian.Uint32(b[:])
	}
	d.fwd.seq[site] = s + 1
	return s
}

func isControlAddr(a netip.Addr) bool {
	_, ok := shim.SiteOf(a)
	return ok
}

// delivery returns the function that writes a path's decrypted packets to
// the overlay interface. Shim packets from the peer's control address
// are decoded first: a compressed packet is delivered decompressed, a
// Hello goes to the negotiation. A packet whose source is none of the
// peer site's prefixes (nor its control address) is dropped and counted:
// this is the cryptokey routing of an SD-WAN site.
func (d *Dataplane) delivery(p *peer, path *Path) func([][]byte, int) (int, error) {
	keep := make([][]byte, 0, 128)
	var ip ippkt.Packet // the receive goroutine's: one per path device
	return func(bufs [][]byte, offset int) (int, error) {
		keep = keep[:0]
		var bytes uint64
		now := time.Now()
		path.lastRx.Store(now.UnixNano())
		for _, b := range bufs {
			if path.shim.IsFromPeer(b[offset:]) {
				r := path.shim.Receive(b, offset)
				switch r.Type {
				case shim.TypeHello:
					d.gotHello(path, r.Hello)
				case shim.TypeBFD, shim.TypeProbe:
					d.receiveControl(path, r.Type, r.Body, now)
				}
				if r.Inner == nil {
					continue
				}
				b = r.Inner
			}
			perr := ippkt.Parse(b[offset:], &ip)
			if ip.Version == 0 || !fromPeer(d.snap.Load(), p, ip.Flow.Src) {
				d.Stats.SourceRejected.Add(1)
				continue
			}
			if ippkt.ClampMSS(b[offset:], &ip, d.cfg.Overlay.MTU) {
				d.Stats.MSSClamped.Add(1)
			}
			if perr == nil && ip.Ports && ip.Flow.SrcPort == 53 {
				// A DNS answer for a LAN host: the names it resolves
				// classify the flows that follow (domain rules).
				d.classifier.ObservePacket(&ip, now)
			}
			keep = append(keep, b)
			bytes += uint64(len(b) - offset)
		}
		path.RxBytes.Add(bytes)
		if len(keep) == 0 {
			return len(bufs), nil
		}
		path.RxPackets.Add(uint64(len(keep)))
		d.Stats.ToOverlay.Add(uint64(len(keep)))
		if _, err := d.tun.Write(keep, offset); err != nil {
			if errors.Is(err, os.ErrClosed) {
				return 0, err
			}
			// Counted, not returned: WireGuard would log every failed
			// batch.
			d.Stats.OverlayWrite.Add(uint64(len(keep)))
		}
		return len(bufs), nil
	}
}

func fromPeer(s *snapshot, p *peer, src netip.Addr) bool {
	dest, ok := s.routes.Lookup(src)
	return ok && !dest.Local && dest.Site == p.cfg.ID
}

// helloLoop drives the compression negotiation of every path: a Hello
// at start and every helloInterval, expiry of the peers' Hellos.
func (d *Dataplane) helloLoop() {
	defer d.wg.Done()
	t := time.NewTicker(shim.HelloTick)
	defer t.Stop()
	for {
		now := time.Now()
		for _, p := range d.Paths() {
			if h, send := p.shim.Tick(now); send {
				d.sendHello(p, h)
			}
		}
		select {
		case <-t.C:
		case <-d.stop:
			return
		}
	}
}

// gotHello takes a peer's Hello from a path and answers it if asked.
func (d *Dataplane) gotHello(p *Path, h shim.Hello) {
	if reply, send := p.shim.GotHello(time.Now(), h); send {
		d.sendHello(p, reply)
	}
}

// sendHello queues a Hello on the path; it never blocks.
func (d *Dataplane) sendHello(p *Path, h shim.Hello) {
	b := d.pool.get()
	if b == nil {
		p.shim.HelloSent(false)
		return
	}
	n, err := p.shim.EncodeHello(b.b[:], h)
	if err != nil {
		d.pool.put(b)
		p.shim.HelloSent(false)
		return
	}
	b.n = n
	select {
	case p.tun.queue <- b:
		p.shim.HelloSent(true)
	default:
		d.pool.put(b)
		p.shim.HelloSent(false)
	}
}
