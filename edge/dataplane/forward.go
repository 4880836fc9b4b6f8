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

	// The overlay is read straight into in's buffers (bufs are their
	// bytes, as tun.Read takes them). A packet routed to a path leaves
	// with its buffer, replaced by a spare; the spares are topped up from
	// the pool once per batch. touched lists the paths given packets in
	// the batch being routed: their pending packets are pushed once, at
	// the batch's end.
	in      []*packetBuf
	bufs    [][]byte
	sizes   []int
	spare   []*packetBuf
	touched []*Path
}

func newFwdState(r *classify.Rules) fwdState { return fwdState{seq: map[uint16]uint32{}, rules: r} }

// expireEvery is how often the forwarder forgets idle flows.
const expireEvery = 5 * time.Second

// forward reads the overlay interface and hands each packet to the path
// steering chooses for its flow.
func (d *Dataplane) forward() {
	defer d.wg.Done()
	if !d.fwdBuffers(min(d.tun.BatchSize(), pathBatch)) {
		d.log.Error("overlay interface: no packet buffers, forwarding stops")
		return
	}
	f := &d.fwd
	for {
		n, err := d.tun.Read(f.bufs, f.sizes, tunOffset)
		d.forwardBatch(n, time.Now())
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

// fwdBuffers takes the forwarder's read buffers from the pool: batch of
// them, and room for as many spares as a batch can need (two per packet:
// duplicates are copies).
func (d *Dataplane) fwdBuffers(batch int) bool {
	f := &d.fwd
	f.in, f.bufs, f.sizes = make([]*packetBuf, batch), make([][]byte, batch), make([]int, batch)
	f.spare, f.touched = make([]*packetBuf, 0, 2*batch), make([]*Path, 0, batch)
	if d.pool.getN(f.in) < batch {
		return false
	}
	for i, b := range f.in {
		f.bufs[i] = b.b[:]
	}
	return true
}

// forwardBatch routes the n packets the last overlay read left in the
// read buffers, then hands each path its share at once.
func (d *Dataplane) forwardBatch(n int, now time.Time) {
	f := &d.fwd
	s := d.snap.Load()
	if s.st.Rules != f.rules {
		f.rules = s.st.Rules
		d.classifier.SetRules(s.st.Rules)
	}
	if now.Sub(f.lastExpire) >= expireEvery {
		f.lastExpire = now
		d.classifier.Expire(now)
	}
	if k := len(f.spare); k < 2*n {
		f.spare = f.spare[:k+d.pool.getN(f.spare[k:2*n])]
	}
	for i := range n {
		b := f.in[i]
		b.off, b.n = tunOffset, f.sizes[i]
		if d.route(s, b, now) {
			f.in[i] = f.spare[len(f.spare)-1]
			f.spare = f.spare[:len(f.spare)-1]
			f.bufs[i] = f.in[i].b[:]
		}
	}
	d.flush()
}

// flush pushes each touched path's pending packets onto its queue; what
// a full (or closed) queue refuses goes back to the pool.
func (d *Dataplane) flush() {
	f := &d.fwd
	for _, p := range f.touched {
		t := p.tun
		var bytes uint64
		for _, b := range t.pending {
			bytes += uint64(b.inner)
		}
		// The buffers push takes are the path's from then on: only
		// those it refused are read after.
		k := t.q.push(t.pending)
		for _, b := range t.pending[k:] {
			bytes -= uint64(b.inner)
		}
		p.TxPackets.Add(uint64(k))
		p.TxBytes.Add(bytes)
		if k < len(t.pending) {
			d.Stats.QueueFull.Add(uint64(len(t.pending) - k))
			d.pool.putN(t.pending[k:])
		}
		clear(t.pending)
		t.pending = t.pending[:0]
	}
	clear(f.touched)
	f.touched = f.touched[:0]
}

// route sends the packet in b from the overlay towards its site, as s
// says, and reports whether b went with it (to one path). The packet is
// parsed once; what the parse found feeds the route lookup, MSS
// clamping, pins, classification and the flow hash.
func (d *Dataplane) route(s *snapshot, b *packetBuf, now time.Time) bool {
	d.Stats.FromOverlay.Add(1)
	pkt := b.bytes()
	ip := &d.fwd.pkt
	perr := ippkt.Parse(pkt, ip)
	if ip.Version == 0 || len(pkt) > maxPacket {
		d.Stats.Malformed.Add(1)
		return false
	}
	if ip.Version == 6 && ip.Flow.Proto == shim.Protocol && isControlAddr(ip.Flow.Src) {
		d.Stats.ShimFromOverlay.Add(1)
		return false
	}
	dest, ok := s.routes.Lookup(ip.Flow.Dst)
	if !ok || dest.Local {
		d.Stats.NoRoute.Add(1)
		return false
	}
	p := s.peers[dest.Site]
	if p == nil || len(p.paths) == 0 {
		d.Stats.NoPath.Add(1)
		return false
	}
	if ippkt.ClampMSS(pkt, ip, s.mtu) {
		d.Stats.MSSClamped.Add(1)
	}
	// Classified even when pinned or when steering has no path yet: the
	// classifier learns names from DNS queries and answers and SNI on the
	// flow's first packets, and a pinned flow's policy is demand too.
	verdict := d.classify(ip, perr, now)
	pol := s.st.PolicyOfApp(verdict.App)
	noCompress := s.st.NoCompress[pol]
	path, dup := d.choose(s, ip, dest.Site, pol)
	d.classifier.Count(verdict.Flow, uint32(path.num), len(pkt))
	if dup != nil && dup != path {
		if len(pkt)+shim.MaxOverhead <= s.mtu {
			seq := d.nextSeq(dest.Site)
			d.sendSeq(path, pkt, seq)
			if d.sendSeq(dup, pkt, seq) {
				d.Stats.Duplicated.Add(1)
			}
			return false
		}
		d.Stats.DupTooLarge.Add(1)
	}
	if len(d.fwd.spare) == 0 { // no buffer to read the next packet into
		d.Stats.NoBuffer.Add(1)
		return false
	}
	b.noCompress, b.inner = noCompress, len(pkt)
	d.enqueue(path, b)
	return true
}

// choose returns the path of a packet of policy pol towards site, and
// the second path in duplicate mode (else nil): a pin's, else the one
// steering chose for the flow, else the peer's first path. A pinned flow
// skips steering's lookup, so it is marked active for its site's demand
// here (steer.Engine.Touch): a pinned voice flow keeps its paths' BFD at
// the real-time rate (adapt.go).
func (d *Dataplane) choose(s *snapshot, ip *ippkt.Packet, site uint16, pol int) (path, dup *Path) {
	if path = s.pinned(ip, site); path != nil {
		d.engine.Touch(site, pol)
		return path, nil
	}
	if c, ok := d.engine.Lookup(site, pol, ip.FlowHash()); ok {
		path, dup = s.path(c.Path, site), s.path(c.Dup, site)
	}
	if path == nil {
		return s.peers[site].paths[0], nil
	}
	d.Stats.Steered.Add(1)
	return path, dup
}

// classify is the verdict of the classifier on ip; a packet whose
// transport header did not parse (perr) is the unclassified application.
func (d *Dataplane) classify(ip *ippkt.Packet, perr error, now time.Time) classify.Verdict {
	if perr != nil {
		return d.classifier.Unparsed(perr)
	}
	return d.classifier.ClassifyPacket(ip, now)
}

// sendSeq queues pkt on path as a shim Data packet with sequence number
// seq, for the peer's duplicate filter, in a spare buffer. It reports
// whether a spare was left for it.
func (d *Dataplane) sendSeq(path *Path, pkt []byte, seq uint32) bool {
	f := &d.fwd
	if len(f.spare) == 0 {
		d.Stats.NoBuffer.Add(1)
		return false
	}
	b := f.spare[len(f.spare)-1]
	n, err := path.shim.Encode(b.b[:], shim.Header{Type: shim.TypeData, HasSeq: true, Seq: seq}, len(pkt))
	if err != nil {
		d.Stats.Malformed.Add(1)
		return false
	}
	f.spare = f.spare[:len(f.spare)-1]
	b.n = n + copy(b.b[n:], pkt)
	b.inner = len(pkt)
	d.enqueue(path, b)
	return true
}

// enqueue adds b to what path gets at the end of the batch.
func (d *Dataplane) enqueue(path *Path, b *packetBuf) {
	t := path.tun
	if len(t.pending) == 0 {
		d.fwd.touched = append(d.fwd.touched, path)
	}
	t.pending = append(t.pending, b)
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
// peer site's prefixes (nor its control address), or whose destination is
// not this site's, is dropped and counted (admit): this is the cryptokey
// routing of an SD-WAN site.
func (d *Dataplane) delivery(p *peer, path *Path) func([][]byte, int) (int, error) {
	keep := make([][]byte, 0, 128)
	var ip ippkt.Packet // the receive goroutine's: one per path device
	return func(bufs [][]byte, offset int) (int, error) {
		keep = keep[:0]
		var bytes uint64
		now := time.Now()
		mtu := d.snap.Load().mtu
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
			if !d.admit(p, &ip) { // admit.go: source and destination
				continue
			}
			if ippkt.ClampMSS(b[offset:], &ip, mtu) {
				d.Stats.MSSClamped.Add(1)
			}
			if perr == nil && ip.Ports && ip.Flow.SrcPort == 53 {
				// A DNS answer for a LAN host: the names it resolves
				// classify the flows that follow (domain rules).
				d.classifier.ObservePacket(&ip, now)
			}
			keep = append(keep, b)
			bytes += uint64(len(b) - offset)
			if perr == nil {
				d.classifier.CountReceived(&ip.Flow, uint32(path.num), len(b)-offset)
			}
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
	if !p.tun.push1(b) {
		d.pool.put(b)
		p.shim.HelloSent(false)
		return
	}
	p.shim.HelloSent(true)
}
