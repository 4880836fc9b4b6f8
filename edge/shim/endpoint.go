package shim

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/edge/compress"
)

// MaxInner is the largest inner packet an Endpoint decompresses: a jumbo
// MTU.
const MaxInner = 9216

// dataHeaderLen is what a compressed packet carries besides its LZ4
// block: the IPv6 and shim headers (no sequence number).
const dataHeaderLen = IPv6HeaderLen + HeaderLen

// Drop reasons of shim packets an Endpoint received, past Error's.
const (
	dropWrongDest  = int(NumErrors) + iota // not addressed to this site's control address
	dropDecompress                         // the LZ4 block did not decompress to Inner Length
	dropTooLarge                           // inner packet larger than the receive buffer
	dropDuplicate                          // the second copy of a duplicated packet
	dropSeqTooOld                          // a duplicated packet behind the receive window
	numDrops
)

var dropNames = func() [numDrops]string {
	var n [numDrops]string
	for e := Error(1); e < NumErrors; e++ {
		n[e] = e.Reason()
	}
	n[dropWrongDest], n[dropDecompress], n[dropTooLarge], n[dropDuplicate], n[dropSeqTooOld] =
		"wrong_destination", "decompress_failed", "too_large", "duplicate", "seq_too_old"
	return n
}()

// Endpoint is the shim end of one path: compression of what the path
// sends, decoding of the shim packets it receives (decompression, the
// duplicate filter, BFD, probes and Hellos handed back to the caller), and
// the compression negotiation with the peer (the Hello machine). It does
// no I/O: the caller sends what it returns.
//
// Concurrency: Compress is called by the path's sender only, Receive by
// its receiver only (one goroutine each, as a WireGuard device has);
// the negotiation (Tick, GotHello, SetCompression, Status) takes mu.
type Endpoint struct {
	local, peer netip.Addr   // control addresses of this site and the peer site
	mtu         atomic.Int32 // of the overlay (SetMTU)
	window      *Window      // the peer site's duplicate filter, shared by its paths

	// active says whether to compress; the sender reads it per packet,
	// the negotiation sets it.
	active atomic.Bool

	// comp is used by the sender only.
	comp *compress.Compressor
	tx   compress.Stats

	// scratch is the decompression buffer of the receiver.
	scratch [MaxInner]byte
	rx      compress.Stats // Errors: blocks that did not decompress
	rxPkts  atomic.Uint64  // compressed packets received
	rxWire  atomic.Uint64  // their bytes as shim packets
	rxInner atomic.Uint64  // their bytes decompressed

	drops               [numDrops]atomic.Uint64
	hellosIn, hellosOut atomic.Uint64
	hellosLost          atomic.Uint64 // not sent: no buffer or a full queue

	mu    sync.Mutex // guards hello
	hello helloMachine
}

// EndpointConfig is what an Endpoint is made of.
type EndpointConfig struct {
	LocalSite, PeerSite uint16
	MTU                 int  // of the overlay: compressed packets never exceed it
	Compression         bool // the local setting: compress on this path
	// FirstHello is when the first Hello is due (the zero time: at once).
	FirstHello time.Time
	// Window is the duplicate filter of the peer site; nil: a new one.
	Window *Window
}

// NewEndpoint makes a path's shim end.
func NewEndpoint(c EndpointConfig) *Endpoint {
	e := &Endpoint{local: ControlAddr(c.LocalSite), peer: ControlAddr(c.PeerSite), window: c.Window}
	e.mtu.Store(int32(c.MTU))
	if e.window == nil {
		e.window = new(Window)
	}
	e.comp = compress.NewCompressor(&e.tx)
	e.comp.Overhead = dataHeaderLen
	e.hello.local = c.Compression
	e.hello.next = c.FirstHello
	return e
}

// SetMTU puts a new overlay MTU in force: compressed packets never exceed
// it from the next one on. Safe with Compress running.
func (e *Endpoint) SetMTU(mtu int) { e.mtu.Store(int32(mtu)) }

// Local and Peer are the control addresses of the two sites.
func (e *Endpoint) Local() netip.Addr { return e.local }

// Peer is the peer site's control address.
func (e *Endpoint) Peer() netip.Addr { return e.peer }

// Active reports whether packets are to be compressed now.
func (e *Endpoint) Active() bool { return e.active.Load() }

// Encode writes the headers of a shim packet to the peer with a body of
// n bytes into b and returns their length; the body follows.
func (e *Endpoint) Encode(b []byte, h Header, n int) (int, error) {
	return Encode(b, e.local, e.peer, h, n)
}

// Compress writes pkt into out as a compressed shim packet and returns
// its length, or 0 when pkt is to be sent as it is: it is small, looks
// random, or would not shrink by compress.MinSaving with the shim's
// headers. The result never exceeds the path MTU. It does not allocate.
func (e *Endpoint) Compress(out, pkt []byte) int {
	end := min(len(out), int(e.mtu.Load()))
	if end <= dataHeaderLen {
		return 0
	}
	n := e.comp.Compress(out[dataHeaderLen:end], pkt)
	if n == 0 {
		return 0
	}
	h := Header{Type: TypeData, Compressed: true, InnerLength: len(pkt)}
	if _, err := e.Encode(out, h, n); err != nil {
		return 0 // cannot happen: out holds the headers, pkt is at most MaxInner
	}
	return dataHeaderLen + n
}

// IsFromPeer reports whether pkt is a shim packet from the peer's control
// address. Other packets, NH 253 between LAN hosts included, are plain
// traffic.
func (e *Endpoint) IsFromPeer(pkt []byte) bool {
	return IsShim(pkt) && netip.AddrFrom16([16]byte(pkt[8:24])) == e.peer
}

// Received is what a received shim packet holds.
type Received struct {
	Type Type // 0: dropped (counted)
	// Inner is the Data packet to deliver, moved to b[offset:]; nil for
	// a copy the duplicate filter dropped.
	Inner []byte
	// Body is a BFD or probe packet, a slice of b.
	Body  []byte
	Hello Hello // of a Hello, which Receive already counted
}

// Receive decodes the shim packet in b[offset:] (IsFromPeer). Malformed
// packets and second copies of duplicated ones are counted by reason
// and dropped. It does not allocate.
func (e *Endpoint) Receive(b []byte, offset int) Received {
	_, dst, h, body, err := Decode(b[offset:])
	switch {
	case err != nil:
		er, _ := err.(Error)
		e.drops[er].Add(1)
		return Received{}
	case dst != e.local:
		e.drops[dropWrongDest].Add(1)
		return Received{}
	case h.Type == TypeHello:
		hello, err := ParseHello(body)
		if err != nil {
			e.drops[ErrHello].Add(1)
			return Received{}
		}
		e.hellosIn.Add(1)
		return Received{Type: h.Type, Hello: hello}
	case h.Type != TypeData:
		return Received{Type: h.Type, Body: body}
	case h.InnerLength > cap(b)-offset:
		e.drops[dropTooLarge].Add(1)
		return Received{}
	case h.HasSeq && !e.fresh(h.Seq):
		return Received{}
	}
	if !h.Compressed {
		n := copy(b[offset:cap(b)], body)
		return Received{Type: h.Type, Inner: b[:offset+n]}
	}
	out, err := compress.Decompress(&e.rx, e.scratch[:], body, h.InnerLength)
	if err != nil {
		e.drops[dropDecompress].Add(1)
		return Received{}
	}
	e.rxPkts.Add(1)
	e.rxWire.Add(uint64(len(b) - offset))
	e.rxInner.Add(uint64(len(out)))
	n := copy(b[offset:cap(b)], out)
	return Received{Type: h.Type, Inner: b[:offset+n]}
}

// fresh runs seq through the duplicate filter and counts what it drops.
func (e *Endpoint) fresh(seq uint32) bool {
	switch e.window.Check(seq) {
	case SeqDuplicate:
		e.drops[dropDuplicate].Add(1)
		return false
	case SeqTooOld:
		e.drops[dropSeqTooOld].Add(1)
		return false
	}
	return true
}

// Negotiation. The mutex is never held across I/O: the machine returns
// what to send, and the caller sends it.

// Tick drives the negotiation: it returns the Hello to send, if any.
func (e *Endpoint) Tick(now time.Time) (Hello, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, send := e.hello.tick(now)
	e.active.Store(e.hello.active(now))
	return h, send
}

// GotHello takes the peer's Hello; it returns the reply to send, if any.
func (e *Endpoint) GotHello(now time.Time, in Hello) (Hello, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, send := e.hello.receive(now, in)
	e.active.Store(e.hello.active(now))
	return h, send
}

// SetCompression changes the local setting; it returns the Hello that
// announces the change.
func (e *Endpoint) SetCompression(now time.Time, on bool) (Hello, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, send := e.hello.setLocal(now, on)
	e.active.Store(e.hello.active(now))
	return h, send
}

// EncodeHello writes a Hello packet to the peer into b.
func (e *Endpoint) EncodeHello(b []byte, h Hello) (int, error) {
	return EncodeHello(b, e.local, e.peer, h)
}

// HelloSent counts a Hello the caller sent (sent) or could not send.
func (e *Endpoint) HelloSent(sent bool) {
	if sent {
		e.hellosOut.Add(1)
	} else {
		e.hellosLost.Add(1)
	}
}

// CompressionStatus is one path's compression: the negotiation and the
// counters. Bytes in are original bytes of the packets sent compressed,
// bytes out the same packets on the tunnel, shim headers included.
type CompressionStatus struct {
	EnabledLocal          bool    `json:"enabled_local"`
	PeerAccepts           bool    `json:"peer_accepts"`
	Active                bool    `json:"active"`
	Packets               uint64  `json:"packets"` // offered while active
	Compressed            uint64  `json:"compressed"`
	BytesIn               uint64  `json:"bytes_in"`
	BytesOut              uint64  `json:"bytes_out"`
	Saved                 uint64  `json:"saved"`
	Ratio                 float64 `json:"ratio"`
	SkippedSmall          uint64  `json:"skipped_small"`
	SkippedIncompressible uint64  `json:"skipped_incompressible"`
	SkippedNoGain         uint64  `json:"skipped_no_gain"`
	RxCompressed          uint64  `json:"rx_compressed"`
	RxBytesWire           uint64  `json:"rx_bytes_wire"`
	RxBytesInner          uint64  `json:"rx_bytes_inner"`
	HellosSent            uint64  `json:"hellos_sent"`
	HellosReceived        uint64  `json:"hellos_received"`
	HellosNotSent         uint64  `json:"hellos_not_sent"`
}

// Status returns the compression status and the drops by reason.
func (e *Endpoint) Status(now time.Time) (CompressionStatus, map[string]uint64) {
	e.mu.Lock()
	cs := CompressionStatus{EnabledLocal: e.hello.local, PeerAccepts: e.hello.peerAccepts(now), Active: e.hello.active(now)}
	e.mu.Unlock()
	t := &e.tx
	cs.Packets, cs.Compressed = t.Packets.Load(), t.Compressed.Load()
	cs.BytesIn, cs.BytesOut, cs.Saved, cs.Ratio = t.BytesIn.Load(), t.BytesOut.Load(), t.Saved(), t.Ratio()
	cs.SkippedSmall, cs.SkippedIncompressible, cs.SkippedNoGain = t.SkippedSmall.Load(), t.SkippedRandom.Load(), t.SkippedGain.Load()
	cs.RxCompressed, cs.RxBytesWire, cs.RxBytesInner = e.rxPkts.Load(), e.rxWire.Load(), e.rxInner.Load()
	cs.HellosSent, cs.HellosReceived, cs.HellosNotSent = e.hellosOut.Load(), e.hellosIn.Load(), e.hellosLost.Load()
	drops := make(map[string]uint64, numDrops)
	for i := 1; i < numDrops; i++ {
		if i != int(ErrBuffer) {
			drops[dropNames[i]] = e.drops[i].Load()
		}
	}
	return cs, drops
}
