package ippkt

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/ippkt/pkttest"
)

// synPacket and tcpChecksum are edge/ippkt/pkttest's.
var (
	synPacket   = pkttest.SYN
	tcpChecksum = pkttest.TCPChecksum
)

func TestClampMSS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v6      bool
		mss     uint16
		flags   byte
		want    uint16
		changed bool
	}{
		{"v4 syn 1460", false, 1460, 0x02, 1380, true},
		{"v4 syn-ack 1460", false, 1460, 0x12, 1380, true},
		{"v4 syn small", false, 1200, 0x02, 1200, false},
		{"v4 ack", false, 1460, 0x10, 1460, false},
		{"v6 syn 1440", true, 1440, 0x02, 1360, true},
		{"v6 syn at limit", true, 1360, 0x02, 1360, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := synPacket(tc.v6, tc.mss, tc.flags)
			if got := clamp(pkt, 1420); got != tc.changed {
				t.Fatalf("ClampMSS = %v, want %v", got, tc.changed)
			}
			ipLen := 20
			src, dst := netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
			if tc.v6 {
				ipLen = 40
				src, dst = netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40]))
			}
			tcp := pkt[ipLen:]
			if mss := binary.BigEndian.Uint16(tcp[26:28]); mss != tc.want {
				t.Errorf("MSS = %d, want %d", mss, tc.want)
			}
			if got, want := binary.BigEndian.Uint16(tcp[16:18]), tcpChecksum(src, dst, tcp); got != want {
				t.Errorf("checksum %#04x, recomputed %#04x", got, want)
			}
		})
	}
}

func TestClampMSSLeavesOthersAlone(t *testing.T) {
	for _, pkt := range [][]byte{
		nil, {0x45}, make([]byte, 19),
		func() []byte { p := synPacket(false, 1460, 0x02); p[9] = 17; return p }(),                   // UDP
		func() []byte { p := synPacket(false, 1460, 0x02); p[6] = 0x20; p[7] = 1; return p }(),       // later fragment
		func() []byte { p := synPacket(false, 1460, 0x02); p[20+12] = 0xf0; return p }(),             // data offset past the end
		func() []byte { p := synPacket(false, 1460, 0x02); p[20+24] = 2; p[20+25] = 40; return p }(), // option length past the header
		func() []byte { p := synPacket(true, 1460, 0x02); p[6] = 0; return p }(),                     // v6 extension header
	} {
		orig := append([]byte(nil), pkt...)
		if clamp(pkt, 1420) {
			t.Errorf("ClampMSS changed %x", orig)
		}
	}
}

func TestClampMSSNoAllocs(t *testing.T) {
	pkt := synPacket(false, 1460, 0x02)
	var p Packet
	if a := testing.AllocsPerRun(100, func() {
		binary.BigEndian.PutUint16(pkt[20+26:], 1460)
		_ = Parse(pkt, &p)
		ClampMSS(pkt, &p, 1420)
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

// clamp parses pkt and clamps its MSS to mtu, as the forwarder does.
func clamp(pkt []byte, mtu int) bool {
	var p Packet
	if Parse(pkt, &p) != nil {
		return false
	}
	return ClampMSS(pkt, &p, mtu)
}
