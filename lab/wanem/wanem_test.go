package wanem

import (
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/patronus-sdwan/patronus/lab/netns"
)

// inNetns runs f with the calling thread in namespace name; sockets f
// opens stay in that namespace.
func inNetns(t *testing.T, name string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(self)
	target, err := unix.Open("/var/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			panic(err) // the thread must not go back to the pool in the wrong namespace
		}
	}()
	f()
}

var rttRE = regexp.MustCompile(`time=([0-9.]+) ms`)

// rtts pings n times from x to addr and returns the round-trip times.
func rtts(t *testing.T, x *netns.NS, addr string, n int) []time.Duration {
	t.Helper()
	out, err := x.Exec("ping", "-n", "-c", strconv.Itoa(n), "-i", "0.05", "-W", "2", addr)
	if err != nil {
		t.Fatalf("ping %s: %v\n%s", addr, err, out)
	}
	var d []time.Duration
	for _, m := range rttRE.FindAllStringSubmatch(out, -1) {
		ms, _ := strconv.ParseFloat(m[1], 64)
		d = append(d, time.Duration(ms*float64(time.Millisecond)))
	}
	if len(d) != n {
		t.Fatalf("%d replies of %d:\n%s", len(d), n, out)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

// TestBridgeDelayAndJitter: X — M — Y, with M bridging its two veths
// through the emulator. Delay shows in the round trip (twice: both
// directions), jitter spreads it, and a bulk TCP transfer, which veth
// hands over as GSO super-frames, passes.
func TestBridgeDelayAndJitter(t *testing.T) {
	x, m, y := netns.New(t), netns.New(t), netns.New(t)
	xm, mx := netns.Connect(x, m)
	my, ym := netns.Connect(m, y)
	x.AddAddr(xm, "198.18.5.1/24")
	y.AddAddr(ym, "198.18.5.2/24")
	var br *Bridge
	inNetns(t, m.Name, func() {
		var err error
		if br, err = Open(mx, my, false); err != nil {
			t.Fatal(err)
		}
	})
	defer br.Close()

	// Lower bounds hold on any machine; upper ones are checked on the
	// median (a loaded machine delays a ping now and then by tens of ms).
	base := rtts(t, x, "198.18.5.2", 5)
	if base[len(base)/2] > 20*time.Millisecond {
		t.Fatalf("no impairment: RTTs %v, want a few ms", base)
	}

	if err := br.Set(Impairment{Delay: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	d := rtts(t, x, "198.18.5.2", 5)
	if d[0] < 80*time.Millisecond || d[len(d)/2] > 110*time.Millisecond {
		t.Errorf("40 ms each way: RTTs %v, want 80 ms and a little more", d)
	}

	if err := br.Set(Impairment{Delay: 40 * time.Millisecond, Jitter: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Spaced out so that keeping the order does not hide the jitter.
	out, err := x.Exec("ping", "-n", "-c", "20", "-i", "0.2", "198.18.5.2")
	if err != nil {
		t.Fatalf("ping: %v\n%s", err, out)
	}
	var j []float64
	for _, mm := range rttRE.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(mm[1], 64)
		j = append(j, v)
	}
	sort.Float64s(j)
	if len(j) != 20 || j[0] < 40 || j[len(j)/2] > 130 || j[len(j)-1]-j[0] < 10 {
		t.Errorf("40 ± 20 ms each way: RTTs %v, want 40..120 ms and spread", j)
	}

	if err := br.Set(Impairment{Delay: -time.Second}); err == nil {
		t.Error("a negative delay was accepted")
	}
	if br.Forwarded.Load() == 0 {
		t.Error("nothing counted as forwarded")
	}

	if err := br.Set(Impairment{}); err != nil {
		t.Fatal(err)
	}
	netns.Require(t, "iperf3")
	y.Start("iperf3", "-s", "-1", "-B", "198.18.5.2")
	time.Sleep(300 * time.Millisecond)
	out, err = x.Exec("iperf3", "-c", "198.18.5.2", "-t", "2", "-J")
	if err != nil {
		t.Fatalf("iperf3: %v\n%s", err, out)
	}
	bps := regexp.MustCompile(`"sum_received":\s*\{[^}]*"bits_per_second":\s*([0-9.e+]+)`).FindStringSubmatch(out)
	if bps == nil {
		t.Fatalf("iperf3 printed no received rate:\n%s", out)
	}
	if v, _ := strconv.ParseFloat(bps[1], 64); v < 50e6 {
		t.Errorf("bulk TCP through the bridge: %.0f bit/s, want more than 50 Mbit/s", v)
	}
}
