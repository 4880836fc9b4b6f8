package dataplane

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/edge/compress"
	"github.com/patronus-sdwan/patronus/edge/shim"
)

// dataHeaderLen is what a compressed packet carries besides its LZ4
// block: the IPv6 and shim headers (no sequence number).
const dataHeaderLen = shim.IPv6HeaderLen + shim.HeaderLen

// Drop reasons of shim packets received on a path, past shim.Error's.
const (
	dropWrongDest  = int(shim.NumErrors) + iota // not addressed to this site's control address
	dropDecompress                              // the LZ4 block did not decompress to Inner Length
	dropTooLarge                                // inner packet larger than the receive buffer
	dropDuplicate                               // the second copy of a duplicated packet
	dropSeqTooOld                               // a duplicated packet behind the receive window
	numShimDrops
)

var shimDropNames = func() [numShimDrops]string {
	var n [numShimDrops]string
	for e := shim.Error(1); e < shim.NumErrors; e++ {
		n[e] = e.Reason()
	}
	n[dropWrongDest], n[dropDecompress], n[dropTooLarge], n[dropDuplicate], n[dropSeqTooOld] =
		"wrong_destination", "decompress_failed", "too_large", "duplicate", "seq_too_old"
	return n
}()

// pathShim is the shim end of one path: compression of what the path
// sends, decoding of the shim packets it receives, and the compression
// negotiation with the peer.
type pathShim struct {
	local, peer netip.Addr // control addresses of this site and the peer site
	mtu         int

	// active says whether to compress; the sender reads it per packet,
	// the negotiation sets it.
	active atomic.Bool

	// comp is used by the path device's TUN reader only (one goroutine).
	comp *compress.Compressor
	tx   compress.Stats

	// scratch is the decompression buffer of the path device's receiver
	// (one goroutine: one WireGuard peer per device).
	scratch [maxPacket]byte
	rx      compress.Stats // Errors: blocks that did not decompress
	rxPkts  atomic.Uint64  // compressed packets received
	rxWire  atomic.Uint64  // their bytes as shim packets
	rxInner atomic.Uint64  // their bytes decompressed

	drops               [numShimDrops]atomic.Uint64
	hellosIn, hellosOut atomic.Uint64
	hellosLost          atomic.Uint64 // not sent: no buffer or a full queue

	mu    sync.Mutex // guards hello
	hello helloMachine
}

// newPathShim makes a path's shim state; its first Hello goes out at
// first (the zero time: at once).
func newPathShim(localSite, peerSite uint16, mtu int, compression bool, first time.Time) *pathShim {
	s := &pathShim{local: shim.ControlAddr(localSite), peer: shim.ControlAddr(peerSite), mtu: mtu}
	s.comp = compress.NewCompressor(&s.tx)
	s.comp.Overhead = dataHeaderLen
	s.hello.local = compression
	s.hello.next = first
	return s
}

// compress writes pkt into out as a compressed shim packet and returns
// its length, or 0 when pkt is to be sent as it is: it is small, looks
// random, or would not shrink by compress.MinSaving with the shim's
// headers. The result never exceeds the path MTU. It does not allocate.
func (s *pathShim) compress(out, pkt []byte) int {
	end := min(len(out), s.mtu)
	if end <= dataHeaderLen {
		return 0
	}
	n := s.comp.Compress(out[dataHeaderLen:end], pkt)
	if n == 0 {
		return 0
	}
	h := shim.Header{Type: shim.TypeData, Compressed: true, InnerLength: len(pkt)}
	if _, err := shim.Encode(out, s.local, s.peer, h, n); err != nil {
		return 0 // cannot happen: out holds the headers, pkt is at most maxPacket
	}
	return dataHeaderLen + n
}

// isFromPeer reports whether pkt is a shim packet from the peer's control
// address. Other packets, NH 253 between LAN hosts included, are plain
// traffic.
func (s *pathShim) isFromPeer(pkt []byte) bool {
	return shim.IsShim(pkt) && netip.AddrFrom16([16]byte(pkt[8:24])) == s.peer
}

// rxResult is what a received shim packet holds.
type rxResult struct {
	typ shim.Type // 0: dropped (counted)
	// inner is the Data packet to deliver, moved to b[offset:].
	inner  []byte
	hasSeq bool // inner carries a duplicate sequence number
	seq    uint32
	// body is a BFD or probe packet, a slice of b.
	body  []byte
	hello shim.Hello
}

// receive decodes the shim packet in b[offset:] (isFromPeer).
// Malformed packets are counted by reason and dropped. It does not
// allocate.
func (s *pathShim) receive(b []byte, offset int) rxResult {
	_, dst, h, body, err := shim.Decode(b[offset:])
	switch {
	case err != nil:
		e, _ := err.(shim.Error)
		s.drops[e].Add(1)
		return rxResult{}
	case dst != s.local:
		s.drops[dropWrongDest].Add(1)
		return rxResult{}
	case h.Type == shim.TypeHello:
		hello, err := shim.ParseHello(body)
		if err != nil {
			s.drops[shim.ErrHello].Add(1)
			return rxResult{}
		}
		s.hellosIn.Add(1)
		return rxResult{typ: h.Type, hello: hello}
	case h.Type != shim.TypeData:
		return rxResult{typ: h.Type, body: body}
	}
	if h.InnerLength > cap(b)-offset {
		s.drops[dropTooLarge].Add(1)
		return rxResult{}
	}
	r := rxResult{typ: h.Type, hasSeq: h.HasSeq, seq: h.Seq}
	if !h.Compressed {
		n := copy(b[offset:cap(b)], body)
		r.inner = b[:offset+n]
		return r
	}
	out, err := compress.Decompress(&s.rx, s.scratch[:], body, h.InnerLength)
	if err != nil {
		s.drops[dropDecompress].Add(1)
		return rxResult{}
	}
	s.rxPkts.Add(1)
	s.rxWire.Add(uint64(len(b) - offset))
	s.rxInner.Add(uint64(len(out)))
	n := copy(b[offset:cap(b)], out)
	r.inner = b[:offset+n]
	return r
}

// Negotiation. The mutex is never held across I/O: the machines return
// what to send, and the caller sends it after unlocking.

// tick drives the negotiation: it returns the Hello to send, if any.
func (s *pathShim) tick(now time.Time) (shim.Hello, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, send := s.hello.tick(now)
	s.active.Store(s.hello.active(now))
	return h, send
}

// gotHello takes the peer's Hello; it returns the reply to send, if any.
func (s *pathShim) gotHello(now time.Time, in shim.Hello) (shim.Hello, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, send := s.hello.receive(now, in)
	s.active.Store(s.hello.active(now))
	return h, send
}

// setLocal changes the local setting; it returns the Hello that announces
// the change.
func (s *pathShim) setLocal(now time.Time, on bool) (shim.Hello, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, send := s.hello.setLocal(now, on)
	s.active.Store(s.hello.active(now))
	return h, send
}

// encodeHello writes a Hello packet to the peer into b.
func (s *pathShim) encodeHello(b []byte, h shim.Hello) (int, error) {
	return shim.EncodeHello(b, s.local, s.peer, h)
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

func (s *pathShim) status(now time.Time) (CompressionStatus, map[string]uint64) {
	s.mu.Lock()
	cs := CompressionStatus{EnabledLocal: s.hello.local, PeerAccepts: s.hello.peerAccepts(now), Active: s.hello.active(now)}
	s.mu.Unlock()
	t := &s.tx
	cs.Packets, cs.Compressed = t.Packets.Load(), t.Compressed.Load()
	cs.BytesIn, cs.BytesOut, cs.Saved, cs.Ratio = t.BytesIn.Load(), t.BytesOut.Load(), t.Saved(), t.Ratio()
	cs.SkippedSmall, cs.SkippedIncompressible, cs.SkippedNoGain = t.SkippedSmall.Load(), t.SkippedRandom.Load(), t.SkippedGain.Load()
	cs.RxCompressed, cs.RxBytesWire, cs.RxBytesInner = s.rxPkts.Load(), s.rxWire.Load(), s.rxInner.Load()
	cs.HellosSent, cs.HellosReceived, cs.HellosNotSent = s.hellosOut.Load(), s.hellosIn.Load(), s.hellosLost.Load()
	drops := make(map[string]uint64, numShimDrops)
	for i := 1; i < numShimDrops; i++ {
		if i != int(shim.ErrBuffer) {
			drops[shimDropNames[i]] = s.drops[i].Load()
		}
	}
	return cs, drops
}
