//go:build interop

package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// streamReport is `patronus lab stream recv --json`.
type streamReport struct {
	Packets    uint64  `json:"packets"`
	Unique     uint64  `json:"unique"`
	Duplicates uint64  `json:"duplicates"`
	Lost       uint64  `json:"lost"`
	First      uint64  `json:"first_seq"`
	Last       uint64  `json:"last_seq"`
	MaxGapMS   float64 `json:"max_gap_ms"`
}

// streamRun is one stream between two LAN hosts of the lab.
type streamRun struct {
	l          *testLab
	recv, send *exec.Cmd
	out        strings.Builder
}

// startStream starts a receiver on toHost, then a sender on fromHost to
// addr at rate packets per second for d.
func (l *testLab) startStream(fromHost, toHost, addr string, rate int, d time.Duration, extra ...string) *streamRun {
	l.t.Helper()
	s := &streamRun{l: l}
	base := []string{"lab", "exec", "--name", l.name, "--state-root", l.root}
	s.recv = exec.Command(patronusBin(l.t), append(base, toHost, "--", "patronus", "lab", "stream", "recv", "--json",
		"--idle", "1s", "--timeout", (d+20*time.Second).String())...)
	s.recv.Stdout = &s.out
	stderr, err := s.recv.StderrPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	if err := s.recv.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = s.recv.Process.Kill(); _ = s.recv.Wait() })
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on") {
				ready <- nil
				break
			}
		}
		ready <- fmt.Errorf("receiver ended before listening")
		for sc.Scan() {
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			l.t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		l.t.Fatal("stream receiver not listening after 10s")
	}
	s.send = exec.Command(patronusBin(l.t), append(base, fromHost, "--", "patronus", "lab", "stream", "send",
		"--to", addr, "--rate", fmt.Sprint(rate), "--for", d.String())...)
	s.send.Args = append(s.send.Args, extra...)
	if err := s.send.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { _ = s.send.Process.Kill(); _ = s.send.Wait() })
	return s
}

// wait waits for both ends and returns the receiver's report.
func (s *streamRun) wait() streamReport {
	s.l.t.Helper()
	if err := s.send.Wait(); err != nil {
		s.l.t.Fatalf("stream sender: %v", err)
	}
	if err := s.recv.Wait(); err != nil {
		s.l.t.Fatalf("stream receiver: %v\n%s", err, s.out.String())
	}
	var r streamReport
	if err := json.Unmarshal([]byte(s.out.String()), &r); err != nil {
		s.l.t.Fatalf("stream report: %v\n%s", err, s.out.String())
	}
	return r
}

// edgeStatus is the part of `patronus status --json` these tests read.
type edgeStatus struct {
	Paths []struct {
		ID          string            `json:"id"`
		LocalLink   string            `json:"local_link"`
		State       string            `json:"state"`
		BFDState    string            `json:"bfd_state"`
		LatencyMS   *float64          `json:"latency_ms"`
		LossPct     *float64          `json:"loss_pct"`
		ActiveFlows int               `json:"active_flows"`
		TxPackets   uint64            `json:"tx_packets"`
		ShimDrops   map[string]uint64 `json:"shim_drops"`
	} `json:"paths"`
	Events []struct {
		TS         time.Time `json:"ts"`
		PathID     string    `json:"path_id"`
		Kind       string    `json:"kind"`
		Reason     string    `json:"reason"`
		FlowsMoved int       `json:"flows_moved"`
		Policy     string    `json:"policy"`
	} `json:"events"`
	Forwarder map[string]uint64 `json:"forwarder"`
	Steering  struct {
		Failovers  uint64 `json:"failovers"`
		FlowsMoved uint64 `json:"flows_moved"`
	} `json:"steering"`
}

func (l *testLab) edgeStatus(site string) edgeStatus {
	l.t.Helper()
	var st edgeStatus
	out := l.mustExec(site, "patronus", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		l.t.Fatalf("%s status --json: %v\n%s", site, err, out)
	}
	return st
}

// busiestLink returns the local link of the path of site that sent the
// most packets over d: the one a stream running meanwhile uses.
func (l *testLab) busiestLink(site string, d time.Duration) string {
	l.t.Helper()
	before := l.edgeStatus(site)
	time.Sleep(d)
	after := l.edgeStatus(site)
	best, most := "", uint64(0)
	for i, p := range after.Paths {
		if n := p.TxPackets - before.Paths[i].TxPackets; n > most {
			best, most = p.LocalLink, n
		}
	}
	if best == "" {
		l.t.Fatalf("%s sent nothing over %v", site, d)
	}
	return best
}

// TestLabFailover: a 500 packets/s stream from site 1 to site 2; the
// local link it uses is cut silently at site 1. BFD in the paths (100 ms
// x 3) declares them down and steering moves the stream at once: the
// largest gap stays far below a second (the benchmark measures it:
// docs/BENCHMARKS.md). The steering events name the path and the flows
// moved.
func TestLabFailover(t *testing.T) {
	l := upLab(t, "--sites", "2")
	s := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 500, 4*time.Second)
	link := l.busiestLink("site1", 500*time.Millisecond)
	l.impair("1", link, "--down")
	r := s.wait()
	t.Logf("cut %s: %+v", link, r)
	if r.MaxGapMS > 1000 || r.Unique < 1500 {
		t.Errorf("after the cut: largest gap %.1f ms, %d of 2000 packets", r.MaxGapMS, r.Unique)
	}
	st := l.edgeStatus("site1")
	var down, moved bool
	for _, e := range st.Events {
		if strings.HasPrefix(e.PathID, "site1/"+link+"->") {
			down = down || e.Kind == "path_state" && strings.Contains(e.Reason, "bfd down")
			moved = moved || e.Kind == "decision" && e.Reason == "path down" && e.FlowsMoved > 0 && e.Policy == "class:voice"
		}
	}
	if !down || !moved || st.Steering.Failovers == 0 {
		t.Errorf("events: path down %v, voice flows moved %v, failovers counted %d: %+v", down, moved, st.Steering.Failovers, st.Events)
	}
	for _, p := range st.Paths {
		if p.LocalLink == link && (p.State != "down" || p.BFDState != "down") {
			t.Errorf("%s after the cut: state %s, bfd %s", p.ID, p.State, p.BFDState)
		}
	}
	// Prometheus, from inside site 1's namespace (the default listener is
	// the loopback).
	var metrics string
	inNS(t, "pl-"+l.name+"-site1", func() error {
		c, err := net.DialTimeout("tcp", "127.0.0.1:9469", 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")); err != nil {
			return err
		}
		raw, err := io.ReadAll(c)
		metrics = string(raw)
		return err
	})
	cut := `path="site1/` + link + `->site2/` + link + `"`
	for _, want := range []string{"patronus_edge_steering_failovers_total ", `patronus_edge_path_bfd_up{local_link="` + link + `",` + cut,
		`state="down"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, firstLines(metrics, 40))
		}
	}
	if strings.Contains(metrics, "patronus_edge_steering_failovers_total 0") {
		t.Error("metrics count no failover")
	}
}

// TestLabDuplicationLosesNothing: with the voice class in duplicate mode,
// the same cut loses no packet, and the receiver's edge drops the second
// copies so the host sees none.
func TestLabDuplicationLosesNothing(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("policies:\n  - {name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--policy", policy)
	s := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 500, 4*time.Second)
	link := l.busiestLink("site1", 500*time.Millisecond)
	l.impair("1", link, "--down")
	r := s.wait()
	t.Logf("cut %s: %+v", link, r)
	if r.Lost != 0 || r.Duplicates != 0 || r.Unique != 2000 {
		t.Errorf("duplicate mode: %+v, want 2000 packets, none lost, no copies", r)
	}
	var dups uint64
	for _, p := range l.edgeStatus("site2").Paths {
		dups += p.ShimDrops["duplicate"]
	}
	if tx := l.edgeStatus("site1").Forwarder["duplicated"]; tx < 1500 || dups < 1000 {
		t.Errorf("site1 duplicated %d packets, site2 dropped %d copies", tx, dups)
	}
}

// events returns the steering events of site since t0 for which keep
// holds.
func (l *testLab) events(site string, t0 time.Time, keep func(kind, reason, policy, path string, moved int) bool) []string {
	l.t.Helper()
	var out []string
	for _, e := range l.edgeStatus(site).Events {
		if !e.TS.Before(t0) && keep(e.Kind, e.Reason, e.Policy, e.PathID, e.FlowsMoved) {
			out = append(out, fmt.Sprintf("%s %s %s %q moved %d", e.TS.Format("15:04:05.000"), e.Policy, e.PathID, e.Reason, e.FlowsMoved))
		}
	}
	return out
}

// waitEvent polls site's events since t0 until one matches, for at most d.
func (l *testLab) waitEvent(site string, t0 time.Time, d time.Duration, what string, keep func(kind, reason, policy, path string, moved int) bool) time.Duration {
	l.t.Helper()
	for deadline := time.Now().Add(d); ; {
		if ev := l.events(site, t0, keep); len(ev) > 0 {
			l.t.Logf("%s after %v: %s", what, time.Since(t0).Round(100*time.Millisecond), ev[0])
			return time.Since(t0)
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("no %s within %v; events: %v", what, d, l.events(site, t0, func(string, string, string, string, int) bool { return true }))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestLabSLASteering: a voice stream and a bulk TCP transfer (rsync's
// port: the bulk class) share site 1's inet link. 5 % loss on it, then
// 150 ms of delay each way: each time the voice class leaves it within the
// damping time (once the probes see it) and the bulk class stays; after
// the link recovers, voice fails back after the hold-down. The TCP
// transfer runs through all of it.
func TestLabSLASteering(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("steering: {damping: 2s, hold_down: 5s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := upLab(t, "--sites", "2", "--policy", policy)
	netnsRequireIperf(t)
	l.mustExec("host2", "iperf3", "-s", "-D", "-p", "873")
	time.Sleep(300 * time.Millisecond)
	const run = 90 * time.Second
	bulk := exec.Command(patronusBin(t), "lab", "exec", "--name", l.name, "--state-root", l.root, "host1", "--",
		"iperf3", "-c", l.st.Sites[1].HostIPv4, "-p", "873", "-t", fmt.Sprint(int(run.Seconds())), "-b", "20M")
	var bulkOut strings.Builder
	bulk.Stdout, bulk.Stderr = &bulkOut, &bulkOut
	if err := bulk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bulk.Process.Kill(); _ = bulk.Wait() })
	voice := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 100, run)
	time.Sleep(2 * time.Second)
	start := time.Now()
	if link := l.busiestLink("site1", 500*time.Millisecond); link != "inet" {
		t.Fatalf("traffic on %s at start, want inet", link)
	}
	voiceLeft := func(kind, reason, policy, path string, moved int) bool {
		return kind == "decision" && policy == "class:voice" && moved > 0 && strings.HasPrefix(path, "site1/inet->") && strings.Contains(reason, "sla voice violated")
	}
	voiceBack := func(kind, reason, policy, path string, moved int) bool {
		return kind == "decision" && policy == "class:voice" && moved > 0 && strings.HasPrefix(path, "site1/inet->") && strings.Contains(reason, "failback")
	}
	bulkMoved := func(kind, reason, policy, path string, moved int) bool {
		return kind == "decision" && policy == "class:bulk" && moved > 0
	}
	for _, phase := range []struct {
		name   string
		impair []string
	}{
		{"5% loss", []string{"--loss", "5"}},
		{"150ms delay", []string{"--delay", "150ms"}},
	} {
		t0 := time.Now()
		l.impair("1", "inet", phase.impair...)
		l.waitEvent("site1", t0, 15*time.Second, phase.name+": voice leaves inet", voiceLeft)
		t1 := time.Now()
		l.impair("1", "inet", "--clear")
		// Loss is forgotten once it has left the probe window (10 s);
		// then the hold-down.
		l.waitEvent("site1", t1, 30*time.Second, phase.name+": voice fails back", voiceBack)
		if ev := l.events("site1", t0, bulkMoved); len(ev) > 0 {
			t.Errorf("%s: the bulk class moved: %v", phase.name, ev)
		}
	}
	t.Logf("both phases in %v", time.Since(start).Round(time.Second))
	if err := bulk.Wait(); err != nil {
		t.Errorf("the TCP transfer did not survive: %v\n%s", err, bulkOut.String())
	}
	r := voice.wait()
	t.Logf("voice: %+v", r)
	// The TCP transfer ran through every move; a transfer that stalled
	// would have ended with an error above.
	if !strings.Contains(bulkOut.String(), "receiver") {
		t.Errorf("iperf3 gave no summary:\n%s", bulkOut.String())
	}
}

func netnsRequireIperf(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("iperf3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("iperf3 not installed")
		}
		t.Skip("iperf3 not installed")
	}
}

// procStat returns a process's resident memory (KiB) and open files.
func procStat(t testing.TB, pid int) (rssKiB, fds int) {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("edge process %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%d", &rssKiB)
		}
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return rssKiB, len(ents)
}

// TestLabLinkFlap: site 1's inet link goes down and up every second for
// a minute while a voice stream runs. Flap damping suppresses the link's
// paths: the stream moves a bounded number of times, not once per flap;
// the edge survives without growing.
func TestLabLinkFlap(t *testing.T) {
	l := upLab(t, "--sites", "2")
	var st struct {
		Sites []struct {
			EdgePID int `json:"edge_pid"`
		} `json:"sites"`
	}
	out, err := l.run("status", "--json")
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("lab status: %v %s", err, out)
	}
	pid := st.Sites[0].EdgePID
	const flaps = 60
	s := l.startStream("host1", "host2", l.st.Sites[1].HostIPv4, 100, flaps*time.Second+3*time.Second)
	time.Sleep(2 * time.Second)
	rss0, fds0 := procStat(t, pid)
	t0 := time.Now()
	for range flaps {
		l.impair("1", "inet", "--down")
		time.Sleep(500 * time.Millisecond)
		l.impair("1", "inet", "--up")
		time.Sleep(500 * time.Millisecond)
	}
	r := s.wait()
	rss1, fds1 := procStat(t, pid)
	t.Logf("stream: %+v; edge RSS %d → %d KiB, fds %d → %d", r, rss0, rss1, fds0, fds1)
	all := func(string, string, string, string, int) bool { return true }
	voiceMoves := l.events("site1", t0, func(kind, _, policy, _ string, moved int) bool {
		return kind == "decision" && policy == "class:voice" && moved > 0
	})
	suppressed := l.events("site1", t0, func(kind, _, _, _ string, _ int) bool { return kind == "flap_suppressed" })
	t.Logf("%d events, %d moves of the voice flow, %d suppressions", len(l.events("site1", t0, all)), len(voiceMoves), len(suppressed))
	if len(voiceMoves) > 10 {
		t.Errorf("the voice flow moved %d times in %d flaps: %v", len(voiceMoves), flaps, voiceMoves)
	}
	if len(suppressed) == 0 {
		t.Error("the flapping paths were never suppressed")
	}
	if r.Lost > r.Last/50 {
		t.Errorf("the stream lost %d of %d packets", r.Lost, r.Last+1)
	}
	if rss1 > rss0+16<<10 || fds1 > fds0+2 {
		t.Errorf("the edge grew: RSS %d → %d KiB, fds %d → %d", rss0, rss1, fds0, fds1)
	}
	if !l.status().Sites[0].Edge {
		t.Error("the edge of site1 is no longer running")
	}
}
