package classify

import (
	"net/netip"

	"github.com/patronus-sdwan/patronus/edge/ippkt/pkttest"
)

// The packet builders of edge/ippkt/pkttest, under this file's names.
var (
	tcpHdr = pkttest.TCP
	udpHdr = pkttest.UDP
	ip4    = pkttest.IP4
	ip6    = pkttest.IP6
)

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }
