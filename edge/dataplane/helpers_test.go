package dataplane

import (
	"encoding/binary"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"
)

// withSteering gives a Dataplane built field by field in a test what
// Start gives a real one for steering: the default policies, an engine
// without paths, a classifier and a BFD manager.
func withSteering(t *testing.T, d *Dataplane) *Dataplane {
	t.Helper()
	if d.cfg == nil {
		d.cfg = &config.Valid{}
	}
	if d.cfg.Steering.Rules == nil {
		d.cfg.Steering = *policy.Default()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if d.engine, err = steer.New(d.steerConfig(nil, &d.cfg.Steering), time.Now()); err != nil {
		t.Fatal(err)
	}
	d.classifier = classify.New(d.cfg.Steering.Rules, classify.Options{})
	d.st = &d.cfg.Steering
	if d.routes == nil {
		d.routes = route.New()
	}
	d.publishLocked()
	d.bfd = bfd.NewManager(nil)
	t.Cleanup(func() { _ = d.bfd.Close() })
	d.fwd = newFwdState(d.st.Rules)
	return d
}

// mustRoutes is the route table of rs.
func mustRoutes(t *testing.T, rs ...route.Route) *route.Table {
	t.Helper()
	tb, err := route.Build(rs)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// synPacket builds an IPv4 or IPv6 TCP SYN with options and a correct
// checksum.
func synPacket(v6 bool, mss uint16, flags byte) []byte {
	tcp := []byte{
		0x30, 0x39, 0x00, 0x50, // ports 12345 -> 80
		0, 0, 0, 1, 0, 0, 0, 0, // seq, ack
		0x80, flags, 0xff, 0xff, // data offset 32 bytes, flags, window
		0, 0, 0, 0, // checksum, urgent
		1, 1, 4, 2, // nop nop sackok
		2, 4, byte(mss >> 8), byte(mss), // MSS
		1, 3, 3, 7, // nop, window scale 7
	}
	var pkt []byte
	var src, dst netip.Addr
	if v6 {
		src, dst = netip.MustParseAddr("fd00:11::2"), netip.MustParseAddr("fd00:22::2")
		pkt = make([]byte, 40, 40+len(tcp))
		pkt[0], pkt[6], pkt[7] = 0x60, 6, 64
		binary.BigEndian.PutUint16(pkt[4:], uint16(len(tcp)))
		s, d := src.As16(), dst.As16()
		copy(pkt[8:], s[:])
		copy(pkt[24:], d[:])
	} else {
		src, dst = netip.MustParseAddr("10.11.0.2"), netip.MustParseAddr("10.22.0.2")
		pkt = make([]byte, 20, 20+len(tcp))
		pkt[0], pkt[8], pkt[9] = 0x45, 64, 6
		binary.BigEndian.PutUint16(pkt[2:], uint16(20+len(tcp)))
		s, d := src.As4(), dst.As4()
		copy(pkt[12:], s[:])
		copy(pkt[16:], d[:])
	}
	binary.BigEndian.PutUint16(tcp[16:], tcpChecksum(src, dst, tcp))
	return append(pkt, tcp...)
}

// tcpChecksum computes the checksum from scratch, with the pseudo-header.
func tcpChecksum(src, dst netip.Addr, tcp []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += 6 + uint32(len(tcp))
	c := make([]byte, len(tcp))
	copy(c, tcp)
	c[16], c[17] = 0, 0
	add(c)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// testEndpoint is the shim end of a path from site local to site peer,
// compression off, with duplicate filter w (nil: its own).
func testEndpoint(local, peer uint16, w *shim.Window) *shim.Endpoint {
	return shim.NewEndpoint(shim.EndpointConfig{LocalSite: local, PeerSite: peer, MTU: 1420, Window: w})
}
