//go:build linux

package udp

import (
	"net"

	"golang.org/x/sys/unix"
)

// listenReadBuffer is the receive buffer of a listening socket. Sessions
// started together transmit together: 10,000 sessions put 10,000 datagrams
// (about 8 MiB of kernel memory) into the queue at once, and the default
// buffer (about 200 KiB) would drop most of them.
const listenReadBuffer = 16 << 20

// growReadBuffer sets the receive buffer of a listening socket, past
// net.core.rmem_max when privileged (SO_RCVBUFFORCE), else up to it.
func growReadBuffer(c *net.UDPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, listenReadBuffer) != nil {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, listenReadBuffer)
		}
	})
}
