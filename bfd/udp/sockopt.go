//go:build linux

package udp

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// ttlGTSM is the TTL / Hop Limit of every transmitted Control packet:
	// RFC 5881 §5 requires 255 whether or not authentication is in use, so
	// that a single-hop receiver can apply GTSM; RFC 5883 §5 keeps the
	// single-hop encapsulation for multihop sessions.
	ttlGTSM = 255
	// tosNetworkControl is the IPv4 TOS / IPv6 Traffic Class of transmitted
	// packets: DSCP CS6 (network control), as routing protocols use.
	tosNetworkControl = 0xc0
)

// sockopt is one integer socket option.
type sockopt struct {
	name       string
	level, opt int
	value      int
}

// listenOpts4 and listenOpts6 are set on the listening sockets, before
// bind, so that every datagram carries its TTL or Hop Limit, destination
// address and interface as ancillary data. SO_REUSEADDR is deliberately not
// set: a second BFD daemon on the same address and port must fail with
// EADDRINUSE rather than silently take the packets of the first.
var (
	listenOpts4 = []sockopt{
		{"IP_RECVTTL", unix.IPPROTO_IP, unix.IP_RECVTTL, 1},
		{"IP_PKTINFO", unix.IPPROTO_IP, unix.IP_PKTINFO, 1},
	}
	listenOpts6 = []sockopt{
		{"IPV6_V6ONLY", unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1},
		{"IPV6_RECVHOPLIMIT", unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1},
		{"IPV6_RECVPKTINFO", unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1},
	}
)

// sendOpts4 and sendOpts6 are set on every Sender socket (RFC 5881 §5).
var (
	sendOpts4 = []sockopt{
		{"IP_TTL", unix.IPPROTO_IP, unix.IP_TTL, ttlGTSM},
		{"IP_TOS", unix.IPPROTO_IP, unix.IP_TOS, tosNetworkControl},
	}
	sendOpts6 = []sockopt{
		{"IPV6_UNICAST_HOPS", unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttlGTSM},
		{"IPV6_TCLASS", unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tosNetworkControl},
	}
)

// control returns a net.ListenConfig / net.Dialer Control function that
// sets opts and, if ifname is not empty, SO_BINDTODEVICE.
func control(opts []sockopt, ifname string) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) { err = setOpts(int(fd), opts, ifname) })
		if cerr != nil {
			return cerr
		}
		return err
	}
}

func setOpts(fd int, opts []sockopt, ifname string) error {
	for _, o := range opts {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.value); err != nil {
			return fmt.Errorf("bfd/udp: setsockopt %s: %w", o.name, err)
		}
	}
	if ifname == "" {
		return nil
	}
	if err := unix.BindToDevice(fd, ifname); err != nil {
		return fmt.Errorf("bfd/udp: SO_BINDTODEVICE %q: %w", ifname, err)
	}
	return nil
}
