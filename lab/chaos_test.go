package lab

import (
	"math/rand/v2"
	"net"
	"slices"
	"testing"
	"time"
)

// The same seed draws the same faults: every kind once, then by weight.
func TestChaosFaultsFollowTheSeed(t *testing.T) {
	draw := func(seed uint64) []string {
		rng := rand.New(rand.NewPCG(seed, 1))
		order := slices.Clone(FaultKinds)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var out []string
		for n := range 40 {
			out = append(out, nextKind(rng, n, order))
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	if !slices.Equal(a, b) {
		t.Fatalf("seed 7 drew %v then %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("seeds 7 and 8 drew the same faults %v", a)
	}
	first := slices.Clone(a[:len(FaultKinds)])
	slices.Sort(first)
	want := slices.Clone(FaultKinds)
	slices.Sort(want)
	if !slices.Equal(first, want) {
		t.Fatalf("the first %d faults %v are not every kind once", len(FaultKinds), a[:len(FaultKinds)])
	}
}

// A lost packet is excused only inside an outage of one of its sites
// (or of the paths between them), give or take outageMargin; an
// observed outage no fault explains is marked.
func TestChaosOutages(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	outs := []ChaosOutage{
		{Site: "site1", Cause: FaultSiteCut, From: t0, LastsS: 2},
		{Site: "site1", Peer: "site2", Cause: "observed", From: t0.Add(500 * time.Millisecond), LastsS: 1},
		{Site: "site2", Peer: "site3", Cause: "observed", From: t0.Add(time.Minute), LastsS: 0.8},
	}
	explain(outs)
	if outs[1].Unexplained || !outs[2].Unexplained {
		t.Fatalf("explain: %+v", outs)
	}
	for _, c := range []struct {
		at   time.Duration
		a, b string
		want bool
	}{
		{time.Second, "site1", "site3", true},
		{-900 * time.Millisecond, "site1", "site3", true},
		{3500 * time.Millisecond, "site1", "site3", false},
		{time.Second, "site2", "site3", false},
		{time.Minute + 500*time.Millisecond, "site3", "site2", true},
		{time.Minute + 500*time.Millisecond, "site1", "site3", false},
	} {
		if got := inOutage(outs, t0.Add(c.at), c.a, c.b); got != c.want {
			t.Errorf("%v %s-%s: excused %v, want %v", c.at, c.a, c.b, got, c.want)
		}
	}
	if p := pathPeer("site1/inet->site3/lte"); p != "site3" {
		t.Errorf("pathPeer: %q", p)
	}
}

// The receiver confirms an exact file and refuses one changed on the
// way, over a real TCP connection.
func TestChaosFileChecksum(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		n  uint64
		ok bool
	}
	results := make(chan res, 2)
	go func() {
		for range 2 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n, ok := receiveFile(c)
			c.Close()
			results <- res{n, ok}
		}
	}()
	data := make([]byte, 100000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if v, err := sendFile(c, data); err != nil || v != '=' {
		t.Fatalf("exact file: verdict %q, %v", v, err)
	}
	if r := <-results; !r.ok || r.n != uint64(len(data)) {
		t.Fatalf("receiver: %+v", r)
	}
	// A corrupted copy: the header's checksum is of data, the bytes sent
	// differ in one place.
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	v, err := sendFileCorrupted(c, data)
	if err != nil || v != '!' {
		t.Fatalf("corrupted file: verdict %q, %v", v, err)
	}
	if r := <-results; r.ok {
		t.Fatalf("receiver accepted a corrupted file")
	}
}

// sendFileCorrupted sends data's header and data with one byte flipped.
func sendFileCorrupted(c net.Conn, data []byte) (byte, error) {
	bad := slices.Clone(data)
	bad[len(bad)/2] ^= 1
	return sendFileWith(c, data, bad)
}
