package wgbind

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// maxBatch is the most datagrams one Send or one receive takes: a
	// quarter of wireguard-go's own bind's (conn.IdealBatchSize), because
	// the device keeps that many 64 KiB buffers per receive function for
	// the path's whole life (edge/dataplane's pathBatch says what that
	// cost). 32 datagrams of up to 64 KiB each (GRO) is still more than a
	// 10 Gbit/s path receives per wake-up.
	maxBatch = 32
	// maxSegments is the kernel's limit of UDP GSO segments per send.
	maxSegments = 64
	// oobSize holds one UDP_SEGMENT or UDP_GRO control message.
	oobSize = 32
	// maxGSOPayload bounds the bytes of one GSO send: the UDP payload of
	// an IPv4 datagram (IPv6 allows a little more; one bound is simpler).
	maxGSOPayload = 1<<16 - 1 - 20 - 8
)

// mmsg is the scratch space of one recvmmsg or sendmmsg call: headers,
// I/O vectors, addresses and control data, allocated once. The call
// itself is a closure made once too, so a call does not allocate.
type mmsg struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	oob   []byte

	op    uintptr // unix.SYS_RECVMMSG or unix.SYS_SENDMMSG
	first int     // first message of the pending call
	count int     // messages of the pending call
	done  int     // messages the call handled
	errno syscall.Errno
	fn    func(fd uintptr) bool
}

func newMmsg(op uintptr) *mmsg {
	m := &mmsg{hdrs: make([]unix.Mmsghdr, maxBatch), iovs: make([]unix.Iovec, maxBatch),
		names: make([]unix.RawSockaddrInet6, maxBatch), oob: make([]byte, maxBatch*oobSize), op: op}
	m.fn = m.call
	return m
}

// call is run by syscall.RawConn: false asks the poller to wait for the
// socket to be ready.
func (m *mmsg) call(fd uintptr) bool {
	n, _, e := unix.Syscall6(m.op, fd, uintptr(unsafe.Pointer(&m.hdrs[m.first])), uintptr(m.count), unix.MSG_DONTWAIT, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	m.done, m.errno = int(n), e
	return true
}

// run makes the call for messages [first, first+count).
func (m *mmsg) run(rc syscall.RawConn, first, count int, read bool) (int, error) {
	m.first, m.count, m.done, m.errno = first, count, 0, 0
	var err error
	if read {
		err = rc.Read(m.fn)
	} else {
		err = rc.Write(m.fn)
	}
	if err != nil {
		return 0, err
	}
	if m.errno != 0 {
		return 0, m.errno
	}
	return m.done, nil
}

// setRecv points message i at buf, with room for the source address and
// a UDP_GRO control message.
func (m *mmsg) setRecv(i int, buf []byte) {
	m.iovs[i].Base = &buf[0]
	m.iovs[i].SetLen(len(buf))
	h := &m.hdrs[i].Hdr
	h.Name = (*byte)(unsafe.Pointer(&m.names[i]))
	h.Namelen = unix.SizeofSockaddrInet6
	h.Iov = &m.iovs[i]
	h.Iovlen = 1
	h.Control = &m.oob[i*oobSize]
	h.SetControllen(oobSize)
	h.Flags = 0
	m.hdrs[i].Len = 0
}

// received returns message i's length, source, GRO segment size (0 when
// not coalesced) and whether it was truncated.
func (m *mmsg) received(i int) (n int, src netip.AddrPort, seg int, trunc bool) {
	h := &m.hdrs[i].Hdr
	n, trunc = int(m.hdrs[i].Len), h.Flags&unix.MSG_TRUNC != 0
	sa := &m.names[i]
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		src = netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), ntohs(sa4.Port))
	case unix.AF_INET6:
		src = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), ntohs(sa.Port))
	}
	if h.Controllen > 0 {
		seg = groSize(m.oob[i*oobSize : i*oobSize+int(h.Controllen)])
	}
	return n, src, seg, trunc
}

// groSize finds the UDP_GRO segment size in control data.
func groSize(oob []byte) int {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && l >= unix.CmsgLen(2) {
			return int(binary.NativeEndian.Uint16(oob[unix.SizeofCmsghdr:]))
		}
		oob = oob[min(unix.CmsgSpace(l-unix.SizeofCmsghdr), len(oob)):]
	}
	return 0
}

// setDst writes the destination of a send into names[0]; it returns the
// address length, 0 when the socket's family cannot reach dst.
func (m *mmsg) setDst(dst netip.AddrPort, is6 bool) uint32 {
	sa := &m.names[0]
	*sa = unix.RawSockaddrInet6{}
	if is6 {
		sa.Family = unix.AF_INET6
		sa.Port = htons(dst.Port())
		sa.Addr = dst.Addr().As16()
		return unix.SizeofSockaddrInet6
	}
	if !dst.Addr().Is4() {
		return 0
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
	sa4.Family = unix.AF_INET
	sa4.Port = htons(dst.Port())
	sa4.Addr = dst.Addr().As4()
	return unix.SizeofSockaddrInet4
}

// packSend builds the messages of one send to the address in names[0]:
// one per datagram, or with gso, runs of equal-sized datagrams (the last
// of a run may be shorter, and ends it) as one message with a
// UDP_SEGMENT control message, gathered from the callers' buffers
// without copying. It returns the number of messages and, in segs, the
// datagrams of each. Empty buffers are not sent.
func (m *mmsg) packSend(bufs [][]byte, namelen uint32, gso bool, segs []int) int {
	nmsg, v, seg, total, ended := 0, 0, 0, 0, false
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		m.iovs[v].Base = &b[0]
		m.iovs[v].SetLen(len(b))
		v++
		if gso && nmsg > 0 && !ended && segs[nmsg-1] < maxSegments && len(b) <= seg && total+len(b) <= maxGSOPayload {
			m.hdrs[nmsg-1].Hdr.Iovlen++
			segs[nmsg-1]++
			total += len(b)
			ended = len(b) < seg
			continue
		}
		if nmsg > 0 && segs[nmsg-1] > 1 {
			m.setSegment(nmsg-1, uint16(seg))
		}
		h := &m.hdrs[nmsg].Hdr
		*h = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&m.names[0])), Namelen: namelen, Iov: &m.iovs[v-1], Iovlen: 1}
		m.hdrs[nmsg].Len = 0
		segs[nmsg], seg, total, ended = 1, len(b), len(b), false
		nmsg++
	}
	if nmsg > 0 && segs[nmsg-1] > 1 {
		m.setSegment(nmsg-1, uint16(seg))
	}
	return nmsg
}

// setSegment adds a UDP_SEGMENT control message to message i.
func (m *mmsg) setSegment(i int, size uint16) {
	oob := m.oob[i*oobSize : (i+1)*oobSize]
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.SOL_UDP, unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(oob[unix.SizeofCmsghdr:], size)
	m.hdrs[i].Hdr.Control = &oob[0]
	m.hdrs[i].Hdr.SetControllen(unix.CmsgSpace(2))
}

func htons(p uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], p)
	return binary.NativeEndian.Uint16(b[:])
}

func ntohs(p uint16) uint16 { return htons(p) }
