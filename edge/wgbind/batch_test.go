package wgbind

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/conn"
)

// pair is two links on loopback with a path each way; rx is the receive
// function of B's path to A.
type pair struct {
	a, b   *Link
	ab, ba *Path
	rx     conn.ReceiveFunc
}

func newPair(t *testing.T) pair { return newPairOn(t, "127.0.0.1") }

// newPairOn is a pair on the loopback address lo (127.0.0.1 or ::1).
func newPairOn(t *testing.T, lo string) pair {
	t.Helper()
	anyPort := netip.AddrPortFrom(netip.MustParseAddr(lo), 0).String()
	a, b := listen(t, anyPort), listen(t, anyPort)
	ab, err := a.Path(endpoint(b, lo))
	if err != nil {
		t.Fatal(err)
	}
	ba, err := b.Path(endpoint(a, lo))
	if err != nil {
		t.Fatal(err)
	}
	fns, _, err := ba.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ba.Close() })
	return pair{a: a, b: b, ab: ab, ba: ba, rx: fns[0]}
}

// datagrams makes n datagrams of size bytes (the last one last bytes),
// each starting with its index.
func datagrams(n, size, last int) [][]byte {
	bufs := make([][]byte, n)
	for i := range bufs {
		l := size
		if i == n-1 {
			l = last
		}
		bufs[i] = bytes.Repeat([]byte{byte(i)}, l)
		binary.BigEndian.PutUint16(bufs[i], uint16(i))
	}
	return bufs
}

// receiveAll calls the receive function until want datagrams came. If
// that takes 5 s the test fails, and path is closed, which ends a call
// waiting.
func receiveAll(t testing.TB, path *Path, rx conn.ReceiveFunc, want int) [][]byte {
	t.Helper()
	bufs := make([][]byte, maxBatch)
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	sizes, eps := make([]int, maxBatch), make([]conn.Endpoint, maxBatch)
	var got [][]byte
	timer := time.AfterFunc(5*time.Second, func() { _ = path.Close() })
	defer func() {
		if !timer.Stop() {
			t.Errorf("5 s passed with %d of %d datagrams received", len(got), want)
		}
	}()
	for len(got) < want {
		n, err := rx(bufs, sizes, eps)
		if err != nil {
			return got
		}
		for i := range n {
			got = append(got, append([]byte(nil), bufs[i][:sizes[i]]...))
		}
	}
	return got
}

// TestBatchSendReceive: a batch of equal-sized datagrams and a shorter
// last one crosses loopback, IPv4 and IPv6 (with GSO and GRO where the
// kernel has them), and arrives as the same datagrams, in order.
func TestBatchSendReceive(t *testing.T) {
	for _, tc := range []struct {
		lo            string
		n, size, last int
	}{{"127.0.0.1", 1, 1400, 1400}, {"127.0.0.1", maxBatch, 1400, 600}, {"127.0.0.1", 100, 148, 148}, {"127.0.0.1", 70, 1000, 1000},
		{"::1", 1, 1400, 1400}, {"::1", maxBatch, 1400, 600}} {
		t.Run(fmt.Sprintf("%s/%dx%d", tc.lo, tc.n, tc.size), func(t *testing.T) {
			p := newPairOn(t, tc.lo)
			sent := datagrams(tc.n, tc.size, tc.last)
			if err := p.ab.Send(sent, p.ab.ep); err != nil {
				t.Fatal(err)
			}
			got := receiveAll(t, p.ba, p.rx, tc.n)
			if len(got) != tc.n {
				t.Fatalf("received %d datagrams, want %d", len(got), tc.n)
			}
			for i := range got {
				if !bytes.Equal(got[i], sent[i]) {
					t.Fatalf("datagram %d: %d bytes starting %x, want %d bytes starting %x", i, len(got[i]), got[i][:2], len(sent[i]), sent[i][:2])
				}
			}
			if s := p.a.stats.Sent.Load(); s != uint64(tc.n) {
				t.Errorf("sent counter %d, want %d", s, tc.n)
			}
			if r := p.b.stats.Received.Load(); r != uint64(tc.n) {
				t.Errorf("received counter %d, want %d", r, tc.n)
			}
		})
	}
}

// TestPackSend: runs of equal-sized datagrams become one segmented
// message; a shorter datagram ends its run; the kernel's limits hold.
func TestPackSend(t *testing.T) {
	sizes := func(s ...int) [][]byte {
		bufs := make([][]byte, len(s))
		for i, n := range s {
			bufs[i] = make([]byte, n)
		}
		return bufs
	}
	rep := func(n, size int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = size
		}
		return s
	}
	for _, tc := range []struct {
		name string
		bufs [][]byte
		gso  bool
		want []int // datagrams per message
	}{
		{"no gso", sizes(100, 100, 100), false, []int{1, 1, 1}},
		{"one run", sizes(100, 100, 100), true, []int{3}},
		{"short ends a run", sizes(100, 100, 50, 100, 100), true, []int{3, 2}},
		{"longer starts a run", sizes(100, 200, 200), true, []int{1, 2}},
		{"empty skipped", sizes(100, 0, 100), true, []int{2}},
		// A send is at most maxBatch (32) datagrams, below the kernel's
		// 64 segments: the payload bound is the one a batch can reach.
		{"a batch is one message", sizes(rep(maxBatch, 100)...), true, []int{maxBatch}},
		{"payload bound", sizes(rep(maxBatch, 2100)...), true, []int{31, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMmsg(unix.SYS_SENDMMSG)
			nl := m.setDst(netip.MustParseAddrPort("192.0.2.1:51820"), false)
			var segs [maxBatch]int
			n := m.packSend(tc.bufs[:min(len(tc.bufs), maxBatch)], nl, tc.gso, segs[:])
			if fmt.Sprint(segs[:n]) != fmt.Sprint(tc.want) {
				t.Fatalf("datagrams per message %v, want %v", segs[:n], tc.want)
			}
			for i := range n {
				seg := 0
				if m.hdrs[i].Hdr.Controllen > 0 {
					seg = segmentOf(m.oob[i*oobSize:])
				}
				if (segs[i] > 1) != (seg > 0) {
					t.Errorf("message %d: %d datagrams, UDP_SEGMENT %d", i, segs[i], seg)
				}
			}
		})
	}
}

func segmentOf(oob []byte) int {
	h := (*unix.Cmsghdr)(unsafePointer(&oob[0]))
	if h.Level != unix.SOL_UDP || h.Type != unix.UDP_SEGMENT {
		return 0
	}
	return int(binary.NativeEndian.Uint16(oob[unix.SizeofCmsghdr:]))
}

// TestGROSize: the segment size is found among other control messages.
func TestGROSize(t *testing.T) {
	oob := make([]byte, 2*unix.CmsgSpace(4))
	put := func(at []byte, level, typ int32, v uint16) {
		h := (*unix.Cmsghdr)(unsafePointer(&at[0]))
		h.Level, h.Type = level, typ
		h.SetLen(unix.CmsgLen(4))
		binary.NativeEndian.PutUint32(at[unix.SizeofCmsghdr:], uint32(v))
	}
	put(oob, unix.SOL_IP, unix.IP_TTL, 64)
	put(oob[unix.CmsgSpace(4):], unix.SOL_UDP, unix.UDP_GRO, 1372)
	if got := groSize(oob); got != 1372 {
		t.Errorf("groSize = %d, want 1372", got)
	}
	if got := groSize(oob[:unix.CmsgSpace(4)]); got != 0 {
		t.Errorf("groSize without UDP_GRO = %d, want 0", got)
	}
	if got := groSize([]byte{0xff, 0xff, 0xff}); got != 0 {
		t.Errorf("groSize of garbage = %d, want 0", got)
	}
}

// TestSendReceiveDoNotAllocate: once warm, a batch sent and received
// through a shared link allocates nothing, in Send, the Link's receive
// loop or the path's receive function.
func TestSendReceiveDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	p := newPair(t)
	sent := datagrams(32, 1400, 1400)
	bufs := make([][]byte, maxBatch)
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	sizes, eps := make([]int, maxBatch), make([]conn.Endpoint, maxBatch)
	round := func() {
		if err := p.ab.Send(sent, p.ab.ep); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < len(sent); {
			n, err := p.rx(bufs, sizes, eps)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
	}
	round()
	if a := testing.AllocsPerRun(50, round); a != 0 {
		t.Errorf("%.1f allocations per batch of %d datagrams, want 0", a, len(sent))
	}
}

// TestReleaseCountsQueued: datagrams read for a path that is then
// released are counted as dropped. The reader is another path's receive
// function: whichever path waits reads for all of its link.
func TestReleaseCountsQueued(t *testing.T) {
	p := newPair(t)
	other, err := p.b.Path(netip.MustParseAddrPort("127.0.0.9:9"))
	if err != nil {
		t.Fatal(err)
	}
	fns, _, err := other.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	reader := make(chan error, 1)
	go func() {
		bufs, sizes, eps := [][]byte{make([]byte, 2048)}, make([]int, 1), make([]conn.Endpoint, 1)
		_, err := fns[0](bufs, sizes, eps)
		reader <- err
	}()
	if err := p.ab.Send(datagrams(5, 100, 100), p.ab.ep); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.b.stats.Received.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.b.Release(p.ba)
	if d := p.b.stats.DropNoPath.Load(); d != 5 {
		t.Errorf("datagrams queued for a released path: %d counted as dropped, want 5", d)
	}
	other.Close()
	select {
	case err := <-reader:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("reader after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a receive function waiting on the socket did not end when its path was closed")
	}
}

func unsafePointer(b *byte) unsafe.Pointer { return unsafe.Pointer(b) }
