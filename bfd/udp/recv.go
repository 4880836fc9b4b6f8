//go:build linux

package udp

import (
	"net"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/patronus-sdwan/patronus/bfd"
	"golang.org/x/sys/unix"
)

const (
	// batchSize is the number of datagrams one recvmmsg call can return.
	batchSize = 32
	// rxBufSize is the receive buffer of one datagram. A Control packet
	// is at most 255 bytes (its Length field is one octet), but RFC 9764
	// pads Control packets up to the path MTU, so a jumbo frame must fit.
	// Larger datagrams are dropped as truncated.
	rxBufSize = 9216
	// oobSize holds the ancillary data of one datagram: TTL or Hop Limit
	// (24 bytes on 64-bit) and packet info (32 or 40 bytes), with room to
	// spare for messages the kernel may add.
	oobSize = 128
)

// mmsghdr is struct mmsghdr: a msghdr followed by the received length,
// padded to the alignment of msghdr (4 bytes on 64-bit platforms).
type mmsghdr struct {
	Hdr unix.Msghdr
	Len uint32
	_   [unsafe.Sizeof(uintptr(0)) - 4]byte
}

// reader owns one listening socket and the buffers of its batches. Only
// its goroutine touches the buffers and the result fields.
type reader struct {
	conn     *net.UDPConn
	rc       syscall.RawConn
	multihop bool
	recvFn   func(fd uintptr) bool // rd.recv, bound once so Read does not allocate

	// Result of the last recvmmsg: n datagrams, or errno.
	n     int
	errno unix.Errno

	msgs  [batchSize]mmsghdr
	iovs  [batchSize]unix.Iovec
	names [batchSize][unix.SizeofSockaddrInet6]byte
	oob   [batchSize][oobSize]byte
	bufs  [batchSize][rxBufSize]byte
}

func newReader(conn *net.UDPConn, multihop bool) (*reader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	rd := &reader{conn: conn, rc: rc, multihop: multihop}
	rd.recvFn = rd.recv
	for i := range rd.msgs {
		rd.iovs[i].Base = &rd.bufs[i][0]
		rd.iovs[i].SetLen(rxBufSize)
		h := &rd.msgs[i].Hdr
		h.Name = &rd.names[i][0]
		h.Iov = &rd.iovs[i]
		h.SetIovlen(1)
		h.Control = &rd.oob[i][0]
	}
	return rd, nil
}

// read waits for and reads the next batch. It fails only once the socket
// is closed.
func (rd *reader) read() error {
	return rd.rc.Read(rd.recvFn)
}

// recv is the syscall.RawConn.Read callback. It returns false, to wait for
// readiness, only when the socket has nothing queued.
func (rd *reader) recv(fd uintptr) bool {
	for {
		rd.reset()
		n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd,
			uintptr(unsafe.Pointer(&rd.msgs[0])), batchSize, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		rd.n, rd.errno = int(n), errno
		return true
	}
}

// reset restores the fields the kernel overwrites.
func (rd *reader) reset() {
	for i := range rd.msgs {
		h := &rd.msgs[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet6
		h.SetControllen(oobSize)
		h.Flags = 0
	}
}

// meta builds the RxMeta of datagram i, or returns a counter of the
// reason it must be dropped.
func (rd *reader) meta(i int, c *counters) (bfd.RxMeta, *atomic.Uint64) {
	h := &rd.msgs[i].Hdr
	m := bfd.RxMeta{Multihop: rd.multihop}
	switch {
	case h.Flags&unix.MSG_TRUNC != 0:
		return m, &c.truncated
	case h.Flags&unix.MSG_CTRUNC != 0:
		return m, &c.badControl
	}
	src, ok := parseSockaddr(rd.names[i][:min(int(h.Namelen), len(rd.names[i]))])
	if !ok {
		return m, &c.badAddress
	}
	m.Src = src
	if !parseControl(rd.oob[i][:min(int(h.Controllen), oobSize)], &m) {
		return m, &c.badControl
	}
	return m, nil
}

// packet returns the payload of datagram i.
func (rd *reader) packet(i int) []byte {
	return rd.bufs[i][:min(int(rd.msgs[i].Len), rxBufSize)]
}
