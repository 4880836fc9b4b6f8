//go:build linux

package udp

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/patronus-sdwan/patronus/bfd"
	"golang.org/x/sys/unix"
)

// cmsgBytes encodes one control message as the kernel lays it out,
// padded to the next header.
func cmsgBytes(level, typ int, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	if cmsgLenSize == 8 {
		binary.NativeEndian.PutUint64(b, uint64(unix.CmsgLen(len(data))))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(unix.CmsgLen(len(data))))
	}
	binary.NativeEndian.PutUint32(b[cmsgLenSize:], uint32(level))
	binary.NativeEndian.PutUint32(b[cmsgLenSize+4:], uint32(typ))
	copy(b[cmsgHdrLen:], data)
	return b
}

func native32(v uint32) []byte {
	return binary.NativeEndian.AppendUint32(nil, v)
}

func ttlMsg(level, typ int, ttl uint32) []byte {
	return cmsgBytes(level, typ, native32(ttl))
}

func pktinfo4(ifindex uint32, dst netip.Addr) []byte {
	a := dst.As4()
	data := append(native32(ifindex), 0, 0, 0, 0) // ipi_spec_dst
	return cmsgBytes(unix.IPPROTO_IP, unix.IP_PKTINFO, append(data, a[:]...))
}

func pktinfo6(ifindex uint32, dst netip.Addr) []byte {
	a := dst.As16()
	return cmsgBytes(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, append(a[:], native32(ifindex)...))
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestParseControl(t *testing.T) {
	ttl4 := ttlMsg(unix.IPPROTO_IP, unix.IP_TTL, 255)
	hop6 := ttlMsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, 254)
	info4 := pktinfo4(7, netip.MustParseAddr("192.0.2.1"))
	info6 := pktinfo6(9, netip.MustParseAddr("2001:db8::1"))
	unknown := cmsgBytes(unix.SOL_SOCKET, unix.SO_TIMESTAMP, make([]byte, 16))
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
		want bfd.RxMeta
	}{
		{"v4", cat(ttl4, info4), true, bfd.RxMeta{Dst: netip.MustParseAddr("192.0.2.1"), IfIndex: 7, TTL: 255}},
		{"v6 reversed", cat(info6, hop6), true, bfd.RxMeta{Dst: netip.MustParseAddr("2001:db8::1"), IfIndex: 9, TTL: 254}},
		{"unknown message skipped", cat(unknown, ttl4, info4), true, bfd.RxMeta{Dst: netip.MustParseAddr("192.0.2.1"), IfIndex: 7, TTL: 255}},
		{"last message unpadded", cat(ttl4, info4[:unix.CmsgLen(sizeofPktinfo4)]), true, bfd.RxMeta{Dst: netip.MustParseAddr("192.0.2.1"), IfIndex: 7, TTL: 255}},
		{"empty", nil, false, bfd.RxMeta{}},
		{"no TTL", info4, false, bfd.RxMeta{}},
		{"no pktinfo", ttl4, false, bfd.RxMeta{}},
		{"TTL out of range", cat(ttlMsg(unix.IPPROTO_IP, unix.IP_TTL, 256), info4), false, bfd.RxMeta{}},
		{"TTL data short", cat(cmsgBytes(unix.IPPROTO_IP, unix.IP_TTL, []byte{255}), info4), false, bfd.RxMeta{}},
		{"pktinfo short", cat(ttl4, cmsgBytes(unix.IPPROTO_IP, unix.IP_PKTINFO, make([]byte, 8))), false, bfd.RxMeta{}},
		{"header cut", cat(ttl4, info4[:cmsgHdrLen-1]), false, bfd.RxMeta{}},
		{"length beyond buffer", cat(ttl4, info4[:cmsgHdrLen+4]), false, bfd.RxMeta{}},
		{"length below header", cat(ttl4, info4, make([]byte, cmsgHdrLen)), false, bfd.RxMeta{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m bfd.RxMeta
			ok := parseControl(tc.b, &m)
			if ok != tc.ok || (ok && m != tc.want) {
				t.Errorf("parseControl = %v, %+v; want %v, %+v", ok, m, tc.ok, tc.want)
			}
		})
	}
}

func TestParseSockaddr(t *testing.T) {
	sa4 := make([]byte, unix.SizeofSockaddrInet4)
	binary.NativeEndian.PutUint16(sa4, unix.AF_INET)
	copy(sa4[4:], []byte{192, 0, 2, 7})
	sa6 := make([]byte, unix.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(sa6, unix.AF_INET6)
	a6 := netip.MustParseAddr("fe80::1").As16()
	copy(sa6[8:], a6[:])
	mapped := append([]byte(nil), sa6...)
	a4in6 := netip.MustParseAddr("::ffff:192.0.2.8").As16()
	copy(mapped[8:], a4in6[:])
	unknown := append([]byte(nil), sa4...)
	binary.NativeEndian.PutUint16(unknown, unix.AF_UNIX)
	for _, tc := range []struct {
		name string
		b    []byte
		want netip.Addr
		ok   bool
	}{
		{"v4", sa4, netip.MustParseAddr("192.0.2.7"), true},
		{"v6", sa6, netip.MustParseAddr("fe80::1"), true},
		{"v4-mapped unmapped", mapped, netip.MustParseAddr("192.0.2.8"), true},
		{"v4 short", sa4[:8], netip.Addr{}, false},
		{"v6 short", sa6[:16], netip.Addr{}, false},
		{"unknown family", unknown, netip.Addr{}, false},
		{"empty", nil, netip.Addr{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseSockaddr(tc.b)
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseSockaddr = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzParseControl checks that no ancillary data makes parseControl panic,
// and that success always yields a TTL in 0..255 and a destination.
func FuzzParseControl(f *testing.F) {
	f.Add(cat(ttlMsg(unix.IPPROTO_IP, unix.IP_TTL, 255), pktinfo4(1, netip.MustParseAddr("127.0.0.1"))))
	f.Add(cat(pktinfo6(1, netip.MustParseAddr("::1")), ttlMsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, 64)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m bfd.RxMeta
		if parseControl(b, &m) && (m.TTL < 0 || m.TTL > 255 || !m.Dst.IsValid()) {
			t.Errorf("accepted %x as %+v", b, m)
		}
	})
}
