package classify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/tls"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"golang.org/x/net/quic"
)

// quicInitial captures the first datagram golang.org/x/net/quic sends
// when it dials serverName: a real client Initial (QUIC v1).
func quicInitial(t testing.TB, serverName string) []byte {
	return quicDatagrams(t, serverName, 1)[0]
}

// quicDatagrams captures the first n datagrams of a dial.
func quicDatagrams(t testing.TB, serverName string, n int) [][]byte {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	ep, err := quic.Listen("udp", "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conf := &quic.Config{TLSConfig: &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS13}}
		_, _ = ep.Dial(ctx, "udp", pc.LocalAddr().String(), conf) // fails when ctx ends
	}()
	_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out [][]byte
	for range n {
		buf := make([]byte, 65536)
		k, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf[:k])
	}
	cancel()
	<-done
	closeCtx, closeCancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer closeCancel()
	_ = ep.Close(closeCtx)
	return out
}

func TestParseQUICSNI(t *testing.T) {
	pkt := quicInitial(t, "meet.google.com")
	name, err := ParseQUICSNI(pkt)
	if err != nil || string(name) != "meet.google.com" {
		t.Fatalf("ParseQUICSNI = %q, %v (datagram of %d bytes)", name, err, len(pkt))
	}
	v2 := reprotect(t, pkt, &quicV2, QUICv2)
	if name, err := ParseQUICSNI(v2); err != nil || string(name) != "meet.google.com" {
		t.Fatalf("QUIC v2: %q, %v", name, err)
	}

	corrupt := append([]byte(nil), pkt...)
	corrupt[len(corrupt)-1] ^= 1 // the AEAD tag no longer verifies
	draft := append([]byte(nil), pkt...)
	binary.BigEndian.PutUint32(draft[1:], 0xff00001d)
	handshake := append([]byte(nil), pkt...)
	handshake[0] |= 0x20 // long header type 2: Handshake
	tests := []struct {
		name string
		b    []byte
		want SNIError
	}{
		{"tag", corrupt, ErrQUICDecrypt},
		{"unknown version", draft, ErrQUICNotInitial},
		{"handshake packet", handshake, ErrQUICNotInitial},
		{"short header", []byte{0x40, 1, 2, 3, 4, 5, 6, 7}, ErrQUICNotInitial},
		{"rtp", append([]byte{0x80, 0, 0, 1}, make([]byte, 200)...), ErrQUICNotInitial},
		{"empty", nil, ErrQUICNotInitial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseQUICSNI(tt.b); err != tt.want {
				t.Fatalf("ParseQUICSNI: %v, want %v", err, tt.want)
			}
		})
	}
	// Every cut of the datagram fails cleanly: the packet length and the
	// AEAD tag cover all of it.
	for n := range len(pkt) {
		if name, err := ParseQUICSNI(pkt[:n]); err == nil {
			t.Fatalf("%d bytes: %q", n, name)
		}
	}
}

// reprotect opens a v1 Initial and protects its payload again for
// version v, to exercise another version's salt, labels and type bits.
func reprotect(t *testing.T, pkt []byte, v *quicVersion, version uint32) []byte {
	t.Helper()
	h, v1, err := quicInitialHeader(pkt)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := openInitial(pkt, &h, v1)
	if err != nil {
		t.Fatal(err)
	}
	// Unprotected header: type bits of v, 1-byte packet number 0, as the
	// original (checked by the length below).
	hdr := append([]byte(nil), pkt[:h.pnOffset]...)
	hdr[0] = 0xc0 | v.initialType<<4
	binary.BigEndian.PutUint32(hdr[1:], version)
	hdr = append(hdr, 0)
	key, iv, hp, err := initialKeys(h.dcid, v)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	if h.pnOffset+1+len(plain)+aead.Overhead() != h.end {
		t.Fatalf("original packet number is not 1 byte long")
	}
	sealed := aead.Seal(nil, iv, plain, hdr) // packet number 0: nonce = iv
	out := append(hdr, sealed...)
	hpBlock, _ := aes.NewCipher(hp)
	var mask [16]byte
	hpBlock.Encrypt(mask[:], out[h.pnOffset+4:h.pnOffset+20])
	out[0] ^= mask[0] & 0x0f
	out[h.pnOffset] ^= mask[1]
	return out
}

func TestCryptoStreamOutOfOrder(t *testing.T) {
	frame := func(off int, data string) []byte {
		b := []byte{0x06, byte(off), byte(len(data))}
		return append(b, data...)
	}
	ack := []byte{0x02, 5, 0, 1, 0, 1, 2} // largest 5, delay 0, 1 more range, first 0, gap 1, len 2
	p := cat(frame(5, "world"), []byte{0, 0, 1}, ack, frame(0, "hello"), frame(20, "later"), []byte{0, 0})
	got, err := cryptoStream(p, nil)
	if err != nil || string(got) != "helloworld" {
		t.Fatalf("cryptoStream = %q, %v", got, err)
	}
	if got, err := cryptoStream(frame(5, "world"), []byte("hello")); err != nil || string(got) != "helloworld" {
		t.Fatalf("after an earlier packet: %q, %v", got, err)
	}
	if _, err := cryptoStream(cat(frame(5, "world")), nil); err != ErrQUICDecrypt {
		t.Fatalf("no offset 0: %v", err)
	}
	if _, err := cryptoStream([]byte{0x06, 0, 9, 'x'}, nil); err != ErrQUICDecrypt {
		t.Fatalf("frame past the payload: %v", err)
	}
}

func TestFlowByQUICSNI(t *testing.T) {
	c := New(MustRules(Config{}), Options{})
	pkt := ip4(ProtoUDP, "10.1.0.2", "142.250.1.1", 0, udpHdr(50000, 443, quicInitial(t, "meet.google.com")))
	v := mustClassify(t, c, pkt, t0)
	if !v.New || v.App.Name != "google-meet" {
		t.Fatalf("%+v", v.App)
	}
	fi, _ := c.Lookup(FlowKey{Src: addr("10.1.0.2"), Dst: addr("142.250.1.1"), SrcPort: 50000, DstPort: 443, Proto: ProtoUDP})
	if fi.NameFrom != NameSNI || fi.Name != "meet.google.com" {
		t.Fatalf("%+v", fi)
	}
	// RTP on a UDP flow: one look, then the hot path.
	rtp := ip4(ProtoUDP, "10.1.0.2", "10.2.0.2", 46, udpHdr(40000, 40002, append([]byte{0x80, 0}, make([]byte, 170)...)))
	mustClassify(t, c, rtp, t0)
	if a := testing.AllocsPerRun(100, func() { _, _ = c.Classify(rtp, t0) }); a != 0 {
		t.Fatalf("RTP packet allocates %.1f", a)
	}
	if s := c.Stats(); s.SNIErrors[ErrQUICNotInitial] != 1 || s.FlowsChanged != 0 || s.SNINames != 1 {
		t.Fatalf("%+v", s.SNIErrors)
	}
}

// The ClientHello of crypto/tls with ML-KEM key shares takes two Initial
// packets; the second continues the CRYPTO stream of the first.
func TestQUICStreamAcrossPackets(t *testing.T) {
	dg := quicDatagrams(t, "teams.microsoft.com", 2)
	name, s1, err := quicSNI(dg[0], nil)
	if err != nil || string(name) != "teams.microsoft.com" {
		t.Fatalf("first packet: %q, %v", name, err)
	}
	_, alone, err := quicSNI(dg[1], nil)
	if err != ErrQUICDecrypt {
		t.Fatalf("second packet alone: %d bytes, %v; want no stream start", len(alone), err)
	}
	name, s2, err := quicSNI(dg[1], s1)
	if err != nil || string(name) != "teams.microsoft.com" {
		t.Fatalf("second packet after the first: %q, %v", name, err)
	}
	// With a gap between what was kept and this packet, no name.
	if _, gap, err := quicSNI(dg[1], s1[:60]); err != ErrSNINeedMore || len(gap) != 60 {
		t.Fatalf("after a gap: %d bytes, %v", len(gap), err)
	}
	if len(s2) <= len(s1) {
		t.Fatalf("stream %d bytes after two packets, %d after one", len(s2), len(s1))
	}
	t.Logf("CRYPTO stream: %d bytes in the first packet, %d after the second", len(s1), len(s2))
}
