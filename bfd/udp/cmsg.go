//go:build linux

package udp

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"github.com/patronus-sdwan/patronus/bfd"
	"golang.org/x/sys/unix"
)

// Layout of struct cmsghdr: a size_t length, then int level and int type.
// The data follows at cmsgHdrLen; the next header starts at the length
// rounded up to cmsgAlignTo.
const (
	cmsgLenSize = int(unsafe.Sizeof(unix.Cmsghdr{}.Len))
	cmsgHdrLen  = unix.SizeofCmsghdr
	cmsgAlignTo = int(unsafe.Sizeof(uintptr(0)))
)

// Sizes of the ancillary payloads parsed here: int for IP_TTL and
// IPV6_HOPLIMIT, struct in_pktinfo, struct in6_pktinfo.
const (
	sizeofTTL       = 4
	sizeofPktinfo4  = 12
	sizeofPktinfo6  = 20
	offPktinfo4Addr = 8 // ipi_addr: the header destination address
)

// cmsg is one control message within an ancillary data buffer.
type cmsg struct {
	level, typ int32
	data       []byte
}

// nextCmsg splits the first control message off b. ok is false if b does
// not start with a well-formed header.
func nextCmsg(b []byte) (m cmsg, rest []byte, ok bool) {
	if len(b) < cmsgHdrLen {
		return cmsg{}, nil, false
	}
	var l int // clamped so that a huge length cannot wrap the int
	if cmsgLenSize == 8 {
		l = int(min(binary.NativeEndian.Uint64(b), uint64(len(b)+1)))
	} else {
		l = int(binary.NativeEndian.Uint32(b))
	}
	if l < cmsgHdrLen || l > len(b) {
		return cmsg{}, nil, false
	}
	m.level = int32(binary.NativeEndian.Uint32(b[cmsgLenSize:]))
	m.typ = int32(binary.NativeEndian.Uint32(b[cmsgLenSize+4:]))
	m.data = b[cmsgHdrLen:l]
	return m, b[min(cmsgAlign(l), len(b)):], true
}

func cmsgAlign(n int) int {
	return (n + cmsgAlignTo - 1) &^ (cmsgAlignTo - 1)
}

// parseControl fills m.TTL, m.Dst and m.IfIndex from the ancillary data b
// of one datagram. It reports false unless b is well formed and carries
// both the TTL / Hop Limit and the packet info.
func parseControl(b []byte, m *bfd.RxMeta) bool {
	var haveTTL, haveInfo bool
	for len(b) > 0 {
		c, rest, ok := nextCmsg(b)
		if !ok {
			return false
		}
		switch {
		case c.is(unix.IPPROTO_IP, unix.IP_TTL), c.is(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT):
			haveTTL = c.ttl(m)
		case c.is(unix.IPPROTO_IP, unix.IP_PKTINFO):
			haveInfo = c.pktinfo4(m)
		case c.is(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO):
			haveInfo = c.pktinfo6(m)
		}
		b = rest
	}
	return haveTTL && haveInfo
}

func (c cmsg) is(level, typ int) bool {
	return c.level == int32(level) && c.typ == int32(typ)
}

// ttl parses an IP_TTL or IPV6_HOPLIMIT message: a native int.
func (c cmsg) ttl(m *bfd.RxMeta) bool {
	if len(c.data) < sizeofTTL {
		return false
	}
	ttl := int32(binary.NativeEndian.Uint32(c.data))
	m.TTL = int(ttl)
	return ttl >= 0 && ttl <= 255
}

// pktinfo4 parses struct in_pktinfo {int ipi_ifindex; in_addr
// ipi_spec_dst; in_addr ipi_addr}.
func (c cmsg) pktinfo4(m *bfd.RxMeta) bool {
	if len(c.data) < sizeofPktinfo4 {
		return false
	}
	m.IfIndex = int(int32(binary.NativeEndian.Uint32(c.data)))
	m.Dst = netip.AddrFrom4([4]byte(c.data[offPktinfo4Addr:sizeofPktinfo4]))
	return true
}

// pktinfo6 parses struct in6_pktinfo {in6_addr ipi6_addr; unsigned int
// ipi6_ifindex}.
func (c cmsg) pktinfo6(m *bfd.RxMeta) bool {
	if len(c.data) < sizeofPktinfo6 {
		return false
	}
	m.Dst = netip.AddrFrom16([16]byte(c.data[:16]))
	m.IfIndex = int(binary.NativeEndian.Uint32(c.data[16:sizeofPktinfo6]))
	return true
}

// parseSockaddr returns the address of a struct sockaddr_in or
// sockaddr_in6, IPv4-mapped IPv6 addresses unmapped. The zone of a
// link-local source is not set: RxMeta.IfIndex carries the interface.
func parseSockaddr(b []byte) (netip.Addr, bool) {
	if len(b) < 2 {
		return netip.Addr{}, false
	}
	switch binary.NativeEndian.Uint16(b) {
	case unix.AF_INET:
		if len(b) < unix.SizeofSockaddrInet4 {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4([4]byte(b[4:8])), true
	case unix.AF_INET6:
		if len(b) < unix.SizeofSockaddrInet6 {
			return netip.Addr{}, false
		}
		return netip.AddrFrom16([16]byte(b[8:24])).Unmap(), true
	}
	return netip.Addr{}, false
}
