package wgbind

import (
	"errors"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// sender is the scratch space of one Send: the messages and how many
// datagrams each carries.
type sender struct {
	m    *mmsg
	segs [maxBatch]int
}

// errGSO reports that the kernel refused a segmented send (EIO: the
// device has no checksum offload, which UDP_SEGMENT needs).
var errGSO = errors.New("wgbind: UDP GSO refused")

// send writes bufs to dst, maxBatch datagrams per sendmmsg. A datagram
// that cannot be sent is counted and the rest still go; the last error
// is returned.
func (l *Link) send(bufs [][]byte, dst netip.AddrPort) error {
	s := l.senders.Get().(*sender)
	defer l.senders.Put(s)
	namelen := s.m.setDst(dst, l.is6)
	if namelen == 0 {
		l.stats.SendErrors.Add(uint64(len(bufs)))
		return unix.EAFNOSUPPORT
	}
	var last error
	for len(bufs) > 0 {
		chunk := bufs[:min(len(bufs), maxBatch)]
		nmsg := s.m.packSend(chunk, namelen, l.gso.Load(), s.segs[:])
		done, err := l.sendMsgs(s, nmsg)
		if errors.Is(err, errGSO) {
			if l.gso.Swap(false) {
				l.log.Warn("wan link: UDP GSO refused by the kernel, sending datagram by datagram", "port", l.port)
			}
			bufs = bufs[done:]
			continue
		}
		if err != nil {
			last = err
			if errors.Is(err, net.ErrClosed) {
				return err
			}
		}
		bufs = bufs[len(chunk):]
	}
	return last
}

// errNoProgress is a sendmmsg that sent nothing without an error; Linux
// does not do that, but a loop must not depend on it.
var errNoProgress = errors.New("wgbind: sendmmsg sent nothing")

// sendMsgs sends the nmsg packed messages of s. A message the kernel
// refuses is counted and skipped, except a segmented one refused with
// EIO: then it stops with errGSO and the datagrams sent before it.
func (l *Link) sendMsgs(s *sender, nmsg int) (done int, last error) {
	for i := 0; i < nmsg; {
		k, err := s.m.run(l.rc, i, nmsg-i, false)
		if err == nil && k == 0 {
			err = errNoProgress
		}
		if err != nil {
			if errors.Is(err, unix.EIO) && s.segs[i] > 1 {
				return done, errGSO
			}
			l.stats.SendErrors.Add(uint64(s.segs[i]))
			if errors.Is(err, net.ErrClosed) {
				return done, err
			}
			done += s.segs[i]
			i, last = i+1, err
			continue
		}
		for _, n := range s.segs[i : i+k] {
			l.stats.Sent.Add(uint64(n))
			done += n
		}
		i += k
	}
	return done, last
}
