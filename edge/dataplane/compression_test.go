package dataplane

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/compress"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
)

// udpPacket is an IPv4 UDP packet from src to dst (IPv4 addresses) with
// the given payload.
func udpPacket(src, dst string, payload []byte) []byte {
	pkt := make([]byte, 28, 28+len(payload))
	pkt[0], pkt[8], pkt[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(pkt[2:], uint16(28+len(payload)))
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(pkt[12:], s[:])
	copy(pkt[16:], d[:])
	binary.BigEndian.PutUint16(pkt[20:], 5000)
	binary.BigEndian.PutUint16(pkt[22:], 5001)
	binary.BigEndian.PutUint16(pkt[24:], uint16(8+len(payload)))
	return append(pkt, payload...)
}

func textPayload(n int) []byte {
	return bytes.Repeat([]byte(`{"ts":"2026-11-23T12:00:00Z","site":"branch-1","path":"wan1","rtt_ms":12}`+"\n"), n/74+1)[:n]
}

func randomPayload(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// sendThrough queues pkt on a path TUN and reads it as the WireGuard
// device would; it returns what the device got at offset.
func sendThrough(t *testing.T, pt *pathTUN, pool *bufPool, buf []byte, pkt []byte) []byte {
	t.Helper()
	b := pool.get()
	b.n = copy(b.b[:], pkt)
	pt.push1(b)
	sizes := []int{0}
	if n, err := pt.Read([][]byte{buf}, sizes, tunOffset); n != 1 || err != nil {
		t.Fatalf("Read: %d, %v", n, err)
	}
	return buf[tunOffset : tunOffset+sizes[0]]
}

// twoEnds: site 1 sends to site 2 over a path TUN with compression active.
func twoEnds(mtu int) (tx, rx *shim.Endpoint, pt *pathTUN, pool *bufPool) {
	tx = shim.NewEndpoint(shim.EndpointConfig{LocalSite: 1, PeerSite: 2, MTU: mtu, Compression: true})
	rx = shim.NewEndpoint(shim.EndpointConfig{LocalSite: 2, PeerSite: 1, MTU: mtu, Compression: true})
	tx.GotHello(t0, shim.Hello{HoldTime: 20, Caps: shim.CapLZ4}) // the peer accepts LZ4: active
	pool = newBufPool(4)
	pt = newPathTUN("test", mtu, pool, tx, nil)
	return tx, rx, pt, pool
}

// TestCompressedRoundTrip: a compressible packet leaves the path TUN as
// a smaller compressed shim packet between the control addresses, and
// the receiving end restores it; small and random packets go plain.
func TestCompressedRoundTrip(t *testing.T) {
	tx, rx, pt, pool := twoEnds(1420)
	buf := make([]byte, tunOffset+65535)
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1392))
	out := sendThrough(t, pt, pool, buf, pkt)
	if len(out) >= len(pkt)-compress.MinSaving || len(out) > 1420 {
		t.Fatalf("compressed %d bytes to %d", len(pkt), len(out))
	}
	src, dst, h, _, err := shim.Decode(out)
	if err != nil || src != shim.ControlAddr(1) || dst != shim.ControlAddr(2) || !h.Compressed || h.InnerLength != len(pkt) {
		t.Fatalf("shim packet: %v %v %v %+v", err, src, dst, h)
	}
	if !rx.IsFromPeer(out) {
		t.Fatal("receiver does not take it for its peer's shim packet")
	}
	wire := len(out)
	r := rx.Receive(buf[:tunOffset+len(out)], tunOffset)
	if r.Type != shim.TypeData || !bytes.Equal(r.Inner[tunOffset:], pkt) {
		t.Fatalf("received %x", r.Inner)
	}
	for name, p := range map[string][]byte{
		"small":  udpPacket("10.11.0.2", "10.22.0.2", textPayload(60)),
		"random": udpPacket("10.11.0.2", "10.22.0.2", randomPayload(1392)),
	} {
		if got := sendThrough(t, pt, pool, buf, p); !bytes.Equal(got, p) {
			t.Errorf("%s packet not sent as it is (%d bytes of %d)", name, len(got), len(p))
		}
	}
	cs, drops := tx.Status(t0)
	if cs.Compressed != 1 || cs.BytesIn != uint64(len(pkt)) || cs.BytesOut != uint64(wire) || cs.Saved != uint64(len(pkt)-wire) ||
		cs.SkippedSmall != 1 || cs.SkippedIncompressible != 1 || cs.Packets != 3 || cs.Ratio <= 1 {
		t.Errorf("sender status %+v", cs)
	}
	for r, n := range drops {
		if n != 0 {
			t.Errorf("drop %s = %d", r, n)
		}
	}
	if rs, _ := rx.Status(t0); rs.RxCompressed != 1 || rs.RxBytesWire != uint64(wire) || rs.RxBytesInner != uint64(len(pkt)) {
		t.Errorf("receiver status %+v", rs)
	}
}

// TestCompressInactive: without agreement nothing is compressed and
// nothing counted.
func TestCompressInactive(t *testing.T) {
	tx, _, pt, pool := twoEnds(1420)
	tx.SetCompression(t0, false)
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1392))
	if got := sendThrough(t, pt, pool, make([]byte, tunOffset+65535), pkt); !bytes.Equal(got, pkt) {
		t.Errorf("inactive path changed the packet (%d bytes)", len(got))
	}
	if cs, _ := tx.Status(t0); cs.Packets != 0 || cs.Compressed != 0 {
		t.Errorf("status %+v", cs)
	}
}

// TestShimHotPathNoAllocs: queueing, compressing and restoring a packet
// allocate nothing.
func TestShimHotPathNoAllocs(t *testing.T) {
	_, rx, pt, pool := twoEnds(1420)
	buf := make([]byte, tunOffset+65535)
	bufs, sizes := [][]byte{buf}, []int{0}
	pkt := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1392))
	rnd := udpPacket("10.11.0.2", "10.22.0.2", randomPayload(1392))
	if a := testing.AllocsPerRun(500, func() {
		for _, p := range [][]byte{pkt, rnd} {
			b := pool.get()
			b.n = copy(b.b[:], p)
			pt.push1(b)
			_, _ = pt.Read(bufs, sizes, tunOffset)
			if out := buf[:tunOffset+sizes[0]]; rx.IsFromPeer(out[tunOffset:]) {
				_ = rx.Receive(out, tunOffset)
			}
		}
	}); a != 0 {
		t.Errorf("%v allocations per two packets", a)
	}
}

// fakeTUN records what the data plane writes to the overlay.
type fakeTUN struct{ written [][]byte }

var _ tun.Device = (*fakeTUN)(nil)

func (f *fakeTUN) File() *os.File                         { return nil }
func (f *fakeTUN) Read([][]byte, []int, int) (int, error) { return 0, os.ErrClosed }
func (f *fakeTUN) Write(bufs [][]byte, offset int) (int, error) {
	for _, b := range bufs {
		f.written = append(f.written, append([]byte(nil), b[offset:]...))
	}
	return len(bufs), nil
}
func (f *fakeTUN) MTU() (int, error)        { return 1420, nil }
func (f *fakeTUN) Name() (string, error)    { return "fake", nil }
func (f *fakeTUN) Events() <-chan tun.Event { return nil }
func (f *fakeTUN) Close() error             { return nil }
func (f *fakeTUN) BatchSize() int           { return 1 }

// TestDeliveryNegotiatesAndDecompresses: the receive side of a path at
// site 2: the peer's Hello asking for a reply is answered through the
// path and turns compression on; a compressed packet reaches the overlay
// decompressed; one whose inner source is not the peer's is rejected;
// plain traffic passes untouched.
func TestDeliveryNegotiatesAndDecompresses(t *testing.T) {
	routes := mustRoutes(t,
		route.Route{Prefix: netip.MustParsePrefix("10.22.0.0/24"), Dest: route.Dest{Site: 2, Local: true}},
		route.Route{Prefix: netip.MustParsePrefix("10.11.0.0/24"), Dest: route.Dest{Site: 1}},
		route.Route{Prefix: netip.PrefixFrom(shim.ControlAddr(1), 128), Dest: route.Dest{Site: 1}},
	)
	ft := &fakeTUN{}
	cfg := &config.Valid{ID: 2, Overlay: config.Overlay{MTU: 1420}}
	d := withSteering(t, &Dataplane{cfg: cfg, tun: ft, routes: routes, pool: newBufPool(8)})
	p := &peer{cfg: config.ValidPeer{ID: 1}}
	path := &Path{shim: shim.NewEndpoint(shim.EndpointConfig{LocalSite: 2, PeerSite: 1, MTU: 1420, Compression: true})}
	path.tun = newPathTUN("test", 1420, d.pool, path.shim, nil)
	deliver := d.delivery(p, path)

	in := func(pkt []byte) [][]byte {
		return [][]byte{append(make([]byte, tunOffset, tunOffset+65535), pkt...)}
	}
	hello := make([]byte, 64)
	n, _ := shim.EncodeHello(hello, shim.ControlAddr(1), shim.ControlAddr(2), shim.Hello{ReplyRequested: true, HoldTime: 20, Caps: shim.CapLZ4})
	if _, err := deliver(in(hello[:n]), tunOffset); err != nil {
		t.Fatal(err)
	}
	if len(ft.written) != 0 || !path.shim.Active() {
		t.Fatalf("after the peer's Hello: %d packets to the overlay, active %v", len(ft.written), path.shim.Active())
	}
	b := popOne(path)
	if b == nil {
		t.Fatal("the Hello was not answered")
	}
	_, dst, h, body, err := shim.Decode(b.bytes())
	reply, _ := shim.ParseHello(body)
	if err != nil || dst != shim.ControlAddr(1) || h.Type != shim.TypeHello || reply.ReplyRequested || reply.Caps != shim.CapLZ4 {
		t.Errorf("reply: %v %v %+v %+v", err, dst, h, reply)
	}

	peerEnd := shim.NewEndpoint(shim.EndpointConfig{LocalSite: 1, PeerSite: 2, MTU: 1420, Compression: true})
	out := make([]byte, 2000)
	good := udpPacket("10.11.0.2", "10.22.0.2", textPayload(1200))
	spoof := udpPacket("10.99.0.2", "10.22.0.2", textPayload(1200))
	plain := udpPacket("10.11.0.2", "10.22.0.2", textPayload(40))
	var batch [][]byte
	for _, pkt := range [][]byte{good, spoof} {
		batch = append(batch, in(out[:peerEnd.Compress(out, pkt)])...)
	}
	batch = append(batch, in(plain)...)
	if _, err := deliver(batch, tunOffset); err != nil {
		t.Fatal(err)
	}
	if len(ft.written) != 2 || !bytes.Equal(ft.written[0], good) || !bytes.Equal(ft.written[1], plain) {
		t.Fatalf("overlay got %d packets", len(ft.written))
	}
	if d.Stats.SourceRejected.Load() != 1 || path.RxPackets.Load() != 2 {
		t.Errorf("source rejected %d, rx %d", d.Stats.SourceRejected.Load(), path.RxPackets.Load())
	}
}

// TestForwarderDropsShimFromOverlay: shim packets from a control address
// only come from the edge itself; read from the overlay they are forged.
func TestForwarderDropsShimFromOverlay(t *testing.T) {
	routes := mustRoutes(t, route.Route{Prefix: netip.PrefixFrom(shim.ControlAddr(2), 128), Dest: route.Dest{Site: 2}})
	d := withSteering(t, &Dataplane{cfg: &config.Valid{ID: 1}, routes: routes, pool: newBufPool(4)})
	b := make([]byte, 64)
	n, _ := shim.EncodeHello(b, shim.ControlAddr(1), shim.ControlAddr(2), shim.Hello{Caps: shim.CapLZ4})
	routePacket(t, d, b[:n], time.Now())
	if d.Stats.ShimFromOverlay.Load() != 1 {
		t.Errorf("forged Hello from the overlay not dropped: %d", d.Stats.ShimFromOverlay.Load())
	}
}

// BenchmarkPathSend: the cost per packet of the path's send side (queue,
// Read into the device's buffer) with compression inactive, and active
// on random (skipped by the probe) and on compressible 1420-byte packets.
func BenchmarkPathSend(b *testing.B) {
	for _, tc := range []struct {
		name    string
		active  bool
		payload []byte
	}{
		{"inactive", false, randomPayload(1392)},
		{"active-random", true, randomPayload(1392)},
		{"active-text", true, textPayload(1392)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tx, _, pt, pool := twoEnds(1420)
			tx.SetCompression(t0, tc.active)
			pkt := udpPacket("10.11.0.2", "10.22.0.2", tc.payload)
			bufs, sizes := [][]byte{make([]byte, tunOffset+65535)}, []int{0}
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				p := pool.get()
				p.n = copy(p.b[:], pkt)
				pt.push1(p)
				_, _ = pt.Read(bufs, sizes, tunOffset)
			}
		})
	}
}
