//go:build interop

package interop

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/patronus-sdwan/patronus/internal/syncbuf"
	"github.com/patronus-sdwan/patronus/lab/netns"
)

// bgpWire records the BGP sessions of a lab node (tcpdump in its
// namespace) so that a test times a withdrawal by the UPDATE on the wire,
// to the microsecond, instead of by polling a router's CLI (vtysh takes
// 50–300 ms a call on a loaded machine, and the poll adds its interval).
type bgpWire struct {
	t    testing.TB
	file string
	cmd  *exec.Cmd
}

// captureBGP starts recording TCP port 179 on every interface of node;
// it returns once tcpdump listens and stops it when the test ends.
func (l *testLab) captureBGP(node string) *bgpWire {
	l.t.Helper()
	netns.Require(l.t, "tcpdump")
	w := &bgpWire{t: l.t, file: filepath.Join(l.t.TempDir(), node+"-bgp.pcap")}
	w.cmd = exec.Command(patronusBin(l.t), "lab", "exec", "--name", l.name, "--state-root", l.root, node, "--",
		"tcpdump", "-i", "any", "-n", "-U", "-s", "0", "-w", w.file, "tcp port 179")
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stopped as a group: ip netns exec's tcpdump with it
	var stderr syncbuf.Buffer
	w.cmd.Stderr = &stderr
	if err := w.cmd.Start(); err != nil {
		l.t.Fatalf("tcpdump in %s: %v", node, err)
	}
	l.t.Cleanup(w.stop)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stderr.String(), "listening on") {
		if time.Now().After(deadline) {
			l.t.Fatalf("tcpdump in %s not listening after 15 s:\n%s", node, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return w
}

func (w *bgpWire) stop() {
	if w.cmd.Process != nil {
		_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGINT)
		_ = w.cmd.Wait()
	}
}

// withdrawn waits until an UPDATE from src withdrawing prefix, sent at
// or after since, is on the wire, and returns its capture time.
func (w *bgpWire) withdrawn(src netip.Addr, prefix netip.Prefix, since time.Time, timeout time.Duration) time.Time {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if at, ok := w.find(src, prefix, since); ok {
			return at
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no UPDATE from %s withdrawing %s on the wire within %v", src, prefix, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// find reads the capture so far for the withdrawal.
func (w *bgpWire) find(src netip.Addr, prefix netip.Prefix, since time.Time) (time.Time, bool) {
	data, err := os.ReadFile(w.file)
	if err != nil {
		return time.Time{}, false
	}
	var found time.Time
	_ = readPcap(data, func(at time.Time, from netip.Addr, payload []byte) bool {
		if from != src || at.Before(since) || !withdraws(payload, prefix) {
			return true
		}
		found = at
		return false
	})
	return found, !found.IsZero()
}

// readPcap calls fn with each IPv4 or IPv6 TCP segment's capture time,
// source address and payload, until fn returns false. It reads the
// classic pcap format with microsecond times, of Ethernet or Linux cooked
// (v1 and v2) captures; a record cut short at the end (tcpdump still
// writing) ends it.
func readPcap(data []byte, fn func(time.Time, netip.Addr, []byte) bool) error {
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		return io.ErrUnexpectedEOF
	}
	link := binary.LittleEndian.Uint32(data[20:])
	for r := data[24:]; len(r) >= 16; {
		sec, usec := binary.LittleEndian.Uint32(r), binary.LittleEndian.Uint32(r[4:])
		n := int(binary.LittleEndian.Uint32(r[8:]))
		if len(r) < 16+n {
			return io.ErrUnexpectedEOF
		}
		frame := r[16 : 16+n]
		r = r[16+n:]
		if from, payload, ok := tcpPayload(link, frame); ok && len(payload) > 0 {
			if !fn(time.Unix(int64(sec), int64(usec)*1000), from, payload) {
				return nil
			}
		}
	}
	return nil
}

// tcpPayload is a frame's source address and TCP payload.
func tcpPayload(link uint32, f []byte) (netip.Addr, []byte, bool) {
	var proto uint16
	switch {
	case link == 1 && len(f) >= 14: // Ethernet
		proto, f = binary.BigEndian.Uint16(f[12:]), f[14:]
	case link == 113 && len(f) >= 16: // Linux cooked v1
		proto, f = binary.BigEndian.Uint16(f[14:]), f[16:]
	case link == 276 && len(f) >= 20: // Linux cooked v2
		proto, f = binary.BigEndian.Uint16(f), f[20:]
	default:
		return netip.Addr{}, nil, false
	}
	var src netip.Addr
	switch {
	case proto == 0x0800 && len(f) >= 20 && f[9] == syscall.IPPROTO_TCP:
		src = netip.AddrFrom4([4]byte(f[12:16]))
		f = f[int(f[0]&0x0f)*4:]
	case proto == 0x86dd && len(f) >= 40 && f[6] == syscall.IPPROTO_TCP:
		src = netip.AddrFrom16([16]byte(f[8:24]))
		f = f[40:]
	default:
		return netip.Addr{}, nil, false
	}
	if len(f) < 20 || len(f) < int(f[12]>>4)*4 {
		return netip.Addr{}, nil, false
	}
	return src, f[int(f[12]>>4)*4:], true
}

// bgpMarker starts every BGP message (RFC 4271 4.1).
var bgpMarker = bytes.Repeat([]byte{0xff}, 16)

// withdraws reports whether a segment's payload holds an UPDATE that
// withdraws prefix (IPv4 withdrawn routes or MP_UNREACH_NLRI). Messages
// are found by their marker, so one that began in an earlier segment is
// skipped.
func withdraws(payload []byte, prefix netip.Prefix) bool {
	for {
		i := bytes.Index(payload, bgpMarker)
		if i < 0 || len(payload) < i+19 {
			return false
		}
		payload = payload[i:]
		n := int(binary.BigEndian.Uint16(payload[16:]))
		if n < 19 || n > len(payload) {
			return false
		}
		if m, err := bgp.ParseBGPMessage(payload[:n]); err == nil && updateWithdraws(m, prefix) {
			return true
		}
		payload = payload[n:]
	}
}

func updateWithdraws(m *bgp.BGPMessage, prefix netip.Prefix) bool {
	u, ok := m.Body.(*bgp.BGPUpdate)
	if !ok {
		return false
	}
	nlris := u.WithdrawnRoutes
	for _, a := range u.PathAttributes {
		if un, ok := a.(*bgp.PathAttributeMpUnreachNLRI); ok {
			nlris = append(nlris, un.Value...)
		}
	}
	for _, p := range nlris {
		if x, ok := p.NLRI.(*bgp.IPAddrPrefix); ok && x.Prefix == prefix {
			return true
		}
	}
	return false
}
