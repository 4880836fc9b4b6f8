package dataplane_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/edge/dataplane/dptest"
)

// TestHubScale is the measurement of issue 11 ("a hub with thousands of
// paths"), not a test of behaviour: it runs only when PATRONUS_HUB_PATHS
// is set (scripts/bench-hub.sh). A hub (site 1, two WAN links) and
// PATRONUS_HUB_PATHS/4 spokes of two links each run in this process on
// one in-memory WAN (dptest), so the hub has PATRONUS_HUB_PATHS paths and
// the spokes as many again. It reports the time from the hub's start to
// every hub path's BFD Up, then, over PATRONUS_HUB_SECONDS (default 30)
// of rest: the process's CPU (user + system, per path end: the hub's and
// the spokes' paths together), context switches, RSS, the datagrams the
// hub's links carried and its BFD packets per second, and the BFD Downs
// logged (all false: nothing is cut). PATRONUS_HUB_BFD sets the paths'
// BFD (default 100ms×3, the lab's); PATRONUS_HUB_HEAPPROFILE=FILE writes
// a heap profile after the window, PATRONUS_HUB_CPUPROFILE=FILE a CPU
// profile of the window. With PATRONUS_HUB_WAN=udp the
// sites' links are real UDP sockets (edge/wgbind) on 127.18.0.0/16 and
// 127.19.0.0/16 of the loopback interface instead: every packet then
// costs its system calls and wake-ups as on a real edge (no root needed).
func TestHubScale(t *testing.T) {
	paths, _ := strconv.Atoi(os.Getenv("PATRONUS_HUB_PATHS"))
	if paths == 0 {
		t.Skip("a measurement: set PATRONUS_HUB_PATHS (scripts/bench-hub.sh)")
	}
	window := 30 * time.Second
	if s := os.Getenv("PATRONUS_HUB_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("PATRONUS_HUB_SECONDS: %v", err)
		}
		window = time.Duration(n) * time.Second
	}
	iv, mult := "100ms", "3"
	if s := os.Getenv("PATRONUS_HUB_BFD"); s != "" {
		var ok bool
		if iv, mult, ok = strings.Cut(s, "x"); !ok {
			t.Fatalf("PATRONUS_HUB_BFD %q: want INTERVALxMULT, e.g. 100msx3", s)
		}
	}
	h := newHub(t, paths/4, os.Getenv("PATRONUS_HUB_WAN") == "udp", fmt.Sprintf("defaults:\n  bfd: {tx_interval: %s, rx_interval: %s, multiplier: %s}\n", iv, iv, mult))
	h.report(window)
}

// hub is a hub site and its spokes on one in-memory WAN.
type hub struct {
	t      *testing.T
	wan    *dptest.WAN
	dir    string
	extra  string
	udp    bool           // kernel sockets on the loopback interface, not dptest's WAN
	pub    map[int]string // base64 public keys by site ID
	sites  []*dataplane.Dataplane
	hub    *dataplane.Dataplane
	downs  atomic.Int64 // BFD Downs logged by any site
	bringU time.Duration
}

// hubAddr is the address of site id's link (0 or 1): 198.18.x.y and
// 198.19.x.y (127.18.x.y and 127.19.x.y over UDP), with x.y the site ID.
func (h *hub) addr(id, link int) netip.Addr {
	first := byte(198)
	if h.udp {
		first = 127
	}
	return netip.AddrFrom4([4]byte{first, 18 + byte(link), byte(id >> 8), byte(id)})
}

func newHub(t *testing.T, spokes int, udp bool, extra string) *hub {
	h := &hub{t: t, wan: dptest.NewWAN(), dir: t.TempDir(), extra: extra, udp: udp, pub: map[int]string{}}
	ids := make([]int, spokes)
	for i := range ids {
		ids[i] = i + 2
	}
	for _, id := range append([]int{1}, ids...) {
		h.key(id)
	}
	log := slog.New(&downCounter{n: &h.downs})
	for _, id := range ids {
		h.sites = append(h.sites, h.start(id, []int{1}, log))
	}
	t0 := time.Now()
	h.hub = h.start(1, ids, log)
	h.sites = append(h.sites, h.hub)
	t.Cleanup(h.close)
	h.waitUp(t0)
	return h
}

// key writes site id's private key file and keeps its public key.
func (h *hub) key(id int) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		h.t.Fatal(err)
	}
	file := filepath.Join(h.dir, fmt.Sprintf("site%d.key", id))
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k.Bytes())+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	h.pub[id] = base64.StdEncoding.EncodeToString(k.PublicKey().Bytes())
}

// config is site id's configuration with peers.
func (h *hub) config(id int, peers []int) *config.Valid {
	var b strings.Builder
	lan := func(id int) string { return fmt.Sprintf("10.%d.%d.0/24", id>>8, id&0xff) }
	fmt.Fprintf(&b, "site: {name: s%d, id: %d}\nprivate_key_file: %s\nlan_prefixes: [%s]\n",
		id, id, filepath.Join(h.dir, fmt.Sprintf("site%d.key", id)), lan(id))
	fmt.Fprintf(&b, "overlay: {interface: pt%d, mtu: 1420}\nlinks:\n", id)
	fmt.Fprintf(&b, "  - {name: inet, local_address: %s, listen_port: 51820, color: inet, cost: 10}\n", h.addr(id, 0))
	fmt.Fprintf(&b, "  - {name: lte, local_address: %s, listen_port: 51820, color: lte, cost: 20}\n", h.addr(id, 1))
	b.WriteString("peers:\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "  - name: s%d\n    id: %d\n    public_key: %q\n    prefixes: [%s]\n    links:\n", p, p, h.pub[p], lan(p))
		fmt.Fprintf(&b, "      - {name: inet, endpoint: \"%s:51820\", color: inet}\n", h.addr(p, 0))
		fmt.Fprintf(&b, "      - {name: lte, endpoint: \"%s:51820\", color: lte}\n", h.addr(p, 1))
	}
	b.WriteString(h.extra)
	c, err := config.Parse([]byte(b.String()))
	if err != nil {
		h.t.Fatalf("site %d: %v", id, err)
	}
	v, err := c.Validate()
	if err != nil {
		h.t.Fatalf("site %d: %v", id, err)
	}
	return v
}

func (h *hub) start(id int, peers []int, log *slog.Logger) *dataplane.Dataplane {
	cfg := h.config(id, peers)
	var links []dataplane.Link
	if h.udp {
		var err error
		if links, err = dataplane.OpenLinks(cfg, nil); err != nil {
			h.t.Fatal(err)
		}
	}
	for _, l := range cfg.Links {
		if h.udp {
			break
		}
		wl, err := h.wan.Listen(netip.AddrPortFrom(l.LocalAddress, l.ListenPort))
		if err != nil {
			h.t.Fatal(err)
		}
		links = append(links, wl)
	}
	dp, err := dataplane.New(cfg, dataplane.Deps{TUN: dptest.NewTUN(cfg.Overlay.MTU), Links: links, Routes: &dptest.Routes{}}, log)
	if err != nil {
		h.t.Fatalf("site %d: %v", id, err)
	}
	return dp
}

// waitUp waits until every path of the hub has had BFD up (not
// necessarily all at once: on a loaded machine a false Down may take one
// down again, which report counts).
func (h *hub) waitUp(t0 time.Time) {
	seen := map[string]bool{}
	for {
		all := 0
		for _, p := range h.hub.Status().Paths {
			all++
			if p.BFDState == "up" {
				seen[p.ID] = true
			}
		}
		if len(seen) == all {
			h.bringU = time.Since(t0)
			return
		}
		if time.Since(t0) > 5*time.Minute {
			h.t.Fatalf("%d of %d hub paths came up in 5 min", len(seen), all)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// close closes every site, a few at a time (each waits for its AdminDown
// packets to leave).
func (h *hub) close() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, dp := range h.sites {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			_ = dp.Close()
			<-sem
		}()
	}
	wg.Wait()
}

// sample is what the process and the hub had counted at one time.
type sample struct {
	at         time.Time
	cpu        time.Duration
	vcsw, icsw int64
	wire       uint64 // datagrams the hub's links sent and received
	bfd        uint64 // BFD packets the hub's sessions sent and received
}

func (h *hub) sample() sample {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := sample{at: time.Now(), cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), vcsw: ru.Nvcsw, icsw: ru.Nivcsw}
	st := h.hub.Status()
	for _, l := range st.Links {
		s.wire += l.Counters["tx"] + l.Counters["rx"] + l.Counters["sent"] + l.Counters["received"]
	}
	for _, p := range st.Paths {
		s.bfd += p.BFD.PacketsIn + p.BFD.PacketsOut
	}
	return s
}

// report measures the rest over window and prints one line for
// scripts/bench-hub.sh.
func (h *hub) report(window time.Duration) {
	paths := len(h.hub.Paths())
	time.Sleep(3 * time.Second) // the Poll Sequences to the fast rate
	d0 := h.downs.Load()
	if f := os.Getenv("PATRONUS_HUB_CPUPROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			h.t.Fatal(err)
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			h.t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	a := h.sample()
	time.Sleep(window)
	b := h.sample()
	downs := h.downs.Load() - d0
	if f := os.Getenv("PATRONUS_HUB_HEAPPROFILE"); f != "" {
		h.writeHeapProfile(f)
	}
	sec := b.at.Sub(a.at).Seconds()
	cores := (b.cpu - a.cpu).Seconds() / sec
	ends := 2 * paths
	fmt.Printf("hub-scale paths=%d bringup=%.1fs window=%.0fs cpu=%.3fcores mcore_per_path_end=%.3f "+
		"csw_per_s=%.0f (invol %.0f) rss=%dMiB goroutines=%d hub_wire_pkts_per_path_s=%.1f hub_bfd_pkts_per_path_s=%.1f false_downs=%d gomaxprocs=%d\n",
		paths, h.bringU.Seconds(), sec, cores, 1000*cores/float64(ends),
		float64(b.vcsw+b.icsw-a.vcsw-a.icsw)/sec, float64(b.icsw-a.icsw)/sec, rssMiB(), runtime.NumGoroutine(),
		float64(b.wire-a.wire)/sec/float64(paths), float64(b.bfd-a.bfd)/sec/float64(paths), downs, runtime.GOMAXPROCS(0))
}

// writeHeapProfile writes the heap profile (go tool pprof) to file.
func (h *hub) writeHeapProfile(file string) {
	f, err := os.Create(file)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		h.t.Fatal(err)
	}
}

// rssMiB is the process's resident set.
func rssMiB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return -1
}

// downCounter is a slog handler that counts the data planes' "path bfd"
// records whose state went to down, and discards every record.
type downCounter struct{ n *atomic.Int64 }

func (c *downCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *downCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "path bfd" {
		return nil
	}
	var down bool
	var from, diag string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "to":
			down = a.Value.String() == "down"
		case "from":
			from = a.Value.String()
		case "diag":
			diag = a.Value.String()
		}
		return true
	})
	if down {
		c.n.Add(1)
		if os.Getenv("PATRONUS_HUB_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "down from %s: %s\n", from, diag)
		}
	}
	return nil
}
func (c *downCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *downCounter) WithGroup(string) slog.Handler      { return c }
