package shim

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"testing"
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

// twoEnds: site 1 sends to site 2 with compression active.
func twoEnds(mtu int) (tx, rx *Endpoint) {
	tx = NewEndpoint(EndpointConfig{LocalSite: 1, PeerSite: 2, MTU: mtu, Compression: true})
	rx = NewEndpoint(EndpointConfig{LocalSite: 2, PeerSite: 1, MTU: mtu, Compression: true})
	tx.GotHello(t0, Hello{HoldTime: 20, Caps: CapLZ4})
	return tx, rx
}

const offset = 32 // headroom before each received packet, as WireGuard's

// TestCompressedNeverExceedsMTU: a packet whose compressed form with the
// shim headers would be larger than the path MTU is sent plain.
func TestCompressedNeverExceedsMTU(t *testing.T) {
	pkt := udpPacket("10.11.0.2", "10.22.0.2", append(textPayload(300), randomPayload(1000)...))
	tx, _ := twoEnds(1420)
	out := make([]byte, 2000)
	n := tx.Compress(out, pkt)
	if n == 0 {
		t.Fatal("test packet does not compress")
	}
	small, _ := twoEnds(n - 1)
	if m := small.Compress(out, pkt); m != 0 {
		t.Errorf("MTU %d: sent a %d-byte compressed packet", n-1, m)
	}
	exact, _ := twoEnds(n)
	if m := exact.Compress(out, pkt); m != n {
		t.Errorf("MTU %d: compressed to %d, want %d", n, m, n)
	}
	if cs, _ := small.Status(t0); cs.SkippedNoGain != 1 {
		t.Errorf("status %+v", cs)
	}
}

// TestShimDropsByReason: malformed shim packets from the peer are
// dropped and counted by reason; shim-protocol packets between LAN hosts
// are not shim packets of the edge.
func TestShimDropsByReason(t *testing.T) {
	tx, rx := twoEnds(1420)
	good := make([]byte, 2000)
	good = good[:tx.Compress(good, udpPacket("10.11.0.2", "10.22.0.2", textPayload(1000)))]
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	hdr := func(typ Type, dst netip.Addr, body []byte) []byte {
		b := make([]byte, 100)
		n, _ := Encode(b, ControlAddr(1), dst, Header{Type: typ}, len(body))
		return append(b[:n], body...)
	}
	for _, tc := range []struct {
		name, reason string
		pkt          []byte
	}{
		{"trailing byte", "length_mismatch", mut(func(b []byte) []byte { return append(b, 0) })},
		{"version 2", "bad_version", mut(func(b []byte) []byte { b[40] = 0x21; return b })},
		{"type 9", "unknown_type", mut(func(b []byte) []byte { b[40] = 0x19; return b })},
		{"inner shorter than body", "inner_length_mismatch", mut(func(b []byte) []byte { b[42], b[43] = 0, 1; return b })},
		{"corrupt block", "decompress_failed", mut(func(b []byte) []byte { b[43]++; return b })},
		{"to another site", "wrong_destination", hdr(TypeData, ControlAddr(3), []byte{0x45, 0, 0, 4})},
		{"short hello", "bad_hello", hdr(TypeHello, ControlAddr(2), []byte{0x80, 0, 0, 20})},
	} {
		if !rx.IsFromPeer(tc.pkt) {
			t.Fatalf("%s: not taken for a shim packet", tc.name)
		}
		b := append(make([]byte, offset, offset+65535), tc.pkt...)
		if r := rx.Receive(b, offset); r.Type != 0 {
			t.Errorf("%s: accepted", tc.name)
		}
		if _, drops := rx.Status(t0); drops[tc.reason] != 1 {
			t.Errorf("%s: drops %v, want %s 1", tc.name, drops, tc.reason)
		}
	}
	// Too large for the receive buffer.
	b := append(make([]byte, offset, offset+len(good)+100), good...)
	if r := rx.Receive(b, offset); r.Inner != nil {
		t.Error("inner packet larger than the buffer accepted")
	}
	// An uncompressed Data shim packet is delivered as its body.
	plain := udpPacket("10.11.0.2", "10.22.0.2", textPayload(50))
	b = append(make([]byte, offset, offset+65535), hdr(TypeData, ControlAddr(2), plain)...)
	if r := rx.Receive(b, offset); !bytes.Equal(r.Inner[offset:], plain) {
		t.Errorf("uncompressed data: %x", r.Inner)
	}
	// BFD and probe bodies are handed on as they are.
	bfdBody := []byte{0x20, 0xc0, 0x03, 0x18}
	b = append(make([]byte, offset, offset+65535), hdr(TypeBFD, ControlAddr(2), bfdBody)...)
	if r := rx.Receive(b, offset); r.Type != TypeBFD || !bytes.Equal(r.Body, bfdBody) {
		t.Errorf("bfd: %+v", r)
	}
	lan := hdr(TypeData, ControlAddr(2), plain)
	copy(lan[8:24], netip.MustParseAddr("fd00:11::2").AsSlice())
	if rx.IsFromPeer(lan) || rx.IsFromPeer(plain) {
		t.Error("a LAN packet taken for the peer's shim packet")
	}
}
