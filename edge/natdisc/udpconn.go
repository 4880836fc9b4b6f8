package natdisc

import (
	"net"
	"net/netip"
	"time"

	"github.com/patronus-sdwan/patronus/internal/stun"
)

// UDPConn is a Conn over a socket of its own (a socket WireGuard does
// not share), as `patronus nat discover`-style tools and tests use.
type UDPConn struct {
	C   *net.UDPConn
	buf [1500]byte
}

// WriteTo implements Conn.
func (u *UDPConn) WriteTo(b []byte, dst netip.AddrPort) error {
	_, err := u.C.WriteToUDPAddrPort(b, dst)
	return err
}

// ReadSTUN implements Conn; it drops what is not STUN.
func (u *UDPConn) ReadSTUN(deadline time.Time) ([]byte, netip.AddrPort, error) {
	if err := u.C.SetReadDeadline(deadline); err != nil {
		return nil, netip.AddrPort{}, err
	}
	for {
		n, src, err := u.C.ReadFromUDPAddrPort(u.buf[:])
		if err != nil {
			return nil, netip.AddrPort{}, err
		}
		if stun.Looks(u.buf[:n]) {
			return u.buf[:n], netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), nil
		}
	}
}
