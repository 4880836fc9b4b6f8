package ippkt

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// The seed corpus is in testdata/fuzz/FuzzParse; it replays as an
// ordinary test. To fuzz: go test -fuzz=FuzzParse -fuzztime=60s ./edge/ippkt

func FuzzParse(f *testing.F) {
	f.Add(ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 46, tcpHdr(40000, 443, []byte("x"))))
	f.Add(ip6(0, "::1", "::2", 0, cat(ext6(44), frag6(ProtoUDP, 0, true), udpHdr(1, 2, nil))))
	f.Add(synPacket(false, 1460, TCPSyn))
	f.Add(synPacket(true, 1460, TCPSyn|TCPAck))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var p Packet
		err := Parse(pkt, &p)
		if err != nil {
			e, ok := err.(ParseError)
			if !ok {
				t.Fatalf("error %T %v", err, err)
			}
			if l4 := e == ErrL4Short || e == ErrTCPOffset; l4 != (p.Version != 0) {
				t.Fatalf("%v with version %d", e, p.Version)
			}
			return
		}
		if p.Version != 4 && p.Version != 6 {
			t.Fatalf("version %d", p.Version)
		}
		if p.DSCP > 63 {
			t.Fatalf("DSCP %d", p.DSCP)
		}
		if p.Ports && p.Flow.Proto != ProtoTCP && p.Flow.Proto != ProtoUDP && p.Flow.Proto != ProtoSCTP {
			t.Fatalf("ports for protocol %d", p.Flow.Proto)
		}
		if len(p.Payload) > 0 && !bytes.Contains(pkt, p.Payload) {
			t.Fatalf("payload %x not in the packet", p.Payload)
		}
		if p.MSS != 0 && (p.MSS < p.L4+20 || p.MSS+2 > len(pkt) || pkt[p.MSS-2] != 2 || pkt[p.MSS-1] != 4) {
			t.Fatalf("MSS offset %d (L4 %d) in %d bytes", p.MSS, p.L4, len(pkt))
		}
		_ = p.FlowHash()
		before := bytes.Clone(pkt)
		if ClampMSS(pkt, &p, 1280) {
			if p.MSS == 0 || binary.BigEndian.Uint16(pkt[p.MSS:]) != 1280-40 && binary.BigEndian.Uint16(pkt[p.MSS:]) != 1280-60 {
				t.Fatalf("clamped to %d", binary.BigEndian.Uint16(pkt[p.MSS:]))
			}
		} else if !bytes.Equal(before, pkt) {
			t.Fatal("ClampMSS changed a packet it reported unchanged")
		}
	})
}
