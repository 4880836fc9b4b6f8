package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// A chaos run injects random faults into a running lab (links cut,
// flapped, lossy, delayed and jittery; every link of a site cut for a
// bounded time; the controller killed with SIGKILL and restarted; an
// edge restarted), one after the other, from a seeded generator, while
// traffic runs between every pair of sites (chaostraffic.go). Then it
// checks what must hold after such a day and reports the figures.
//
// Faults are sequential: each is undone, and the run waits for every
// path to be up again, before the next; so two faults never add up, and
// every link of a site is cut together only by a site-cut, for at most
// MaxSiteCut. Locking: one goroutine runs the faults and owns chaosRun;
// each stream's and each file flow's results are read only after its
// goroutines have ended.

// ChaosOptions are a chaos run's settings.
type ChaosOptions struct {
	Root, Name string
	Binary     string // the patronus binary (edges, the controller, the WAN emulator)
	Duration   time.Duration
	Seed       uint64
	// MaxSiteCut bounds how long every link of a site is down together.
	MaxSiteCut time.Duration
	Log        io.Writer // progress, one line per fault
}

// DefaultMaxSiteCut is ChaosOptions.MaxSiteCut's default.
const DefaultMaxSiteCut = 3 * time.Second

func (o *ChaosOptions) check() error {
	switch {
	case o.Duration < 10*time.Second || o.Duration > 24*time.Hour:
		return fmt.Errorf("--duration %v: want 10s to 24h", o.Duration)
	case o.MaxSiteCut < 500*time.Millisecond || o.MaxSiteCut > time.Minute:
		return fmt.Errorf("--max-site-cut %v: want 500ms to 1m", o.MaxSiteCut)
	case o.Binary == "":
		return errors.New("no patronus binary")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return CheckName(o.Name)
}

// ChaosReport is what a chaos run did and found. Failures names every
// invariant that did not hold; empty: all held.
type ChaosReport struct {
	Lab       string          `json:"lab"`
	Seed      uint64          `json:"seed"`
	Sites     int             `json:"sites"`
	ChaosS    float64         `json:"chaos_s"` // time faults were injected
	Faults    map[string]int  `json:"faults"`  // by kind
	FaultLog  []ChaosFault    `json:"fault_log"`
	Outages   []ChaosOutage   `json:"outages"`
	Streams   []StreamResult  `json:"streams"`
	Files     []FileResult    `json:"files"`
	Bytes     uint64          `json:"bytes_moved"` // files arrived exact, and stream packets received
	PathsDown []string        `json:"paths_stuck_down"`
	Telemetry TelemetryResult `json:"telemetry"`
	Resources []ProcResources `json:"resources"`
	Runner    [2]int          `json:"runner_goroutines"` // this process's, before and after
	Failures  []string        `json:"failures"`
}

// ChaosOutage is a time every path of a site, or every path between
// two sites, was down.
type ChaosOutage struct {
	Site string `json:"site"`
	// Peer: the outage is of the paths between Site and Peer, as Site's
	// edge saw them; empty: of every path of Site.
	Peer string `json:"peer,omitempty"`
	// Cause: site-cut or edge-restart (injected), or observed (the
	// edges' status showed it).
	Cause  string    `json:"cause"`
	From   time.Time `json:"from"`
	LastsS float64   `json:"lasts_s"`
	// Unexplained: observed, and at no time of an injected outage of
	// either site: every path between two sites down without a fault
	// that cuts them all (an edge that stalled).
	Unexplained bool `json:"unexplained,omitempty"`
}

func (o ChaosOutage) end() time.Time {
	return o.From.Add(time.Duration(o.LastsS * float64(time.Second)))
}

// covers reports whether o is of site a or b (and their paths) and at
// is in it, give or take outageMargin.
func (o ChaosOutage) covers(at time.Time, a, b string) bool {
	mine := (o.Site == a || o.Site == b) && (o.Peer == "" || o.Peer == a || o.Peer == b)
	return mine && !at.Before(o.From.Add(-outageMargin)) && !at.After(o.end().Add(outageMargin))
}

// explain marks the observed outages that no injected one covers.
func explain(outs []ChaosOutage) {
	for i := range outs {
		o := &outs[i]
		if o.Cause != "observed" {
			continue
		}
		o.Unexplained = true
		for _, in := range outs {
			if in.Cause != "observed" && (in.Site == o.Site || in.Site == o.Peer) &&
				in.From.Before(o.end().Add(outageMargin)) && o.From.Before(in.end().Add(outageMargin)) {
				o.Unexplained = false
				break
			}
		}
	}
}

// StreamResult is one stream's fate. Lost packets due while one of its
// sites had an outage (with a second's margin each side) are excused.
type StreamResult struct {
	From          string   `json:"from"`
	To            string   `json:"to"`
	Mode          string   `json:"mode"`
	Sent          uint64   `json:"sent"`
	Received      uint64   `json:"received"` // datagrams, copies included
	Lost          uint64   `json:"lost"`
	LostInOutages uint64   `json:"lost_in_outages"`
	LostOutside   []string `json:"lost_outside_outages,omitempty"` // when, for the first 20
}

// FileResult is one direction's TCP transfers.
type FileResult struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Sent      int      `json:"sent"`
	Exact     int      `json:"exact"`
	Corrupted int      `json:"corrupted"`
	Failed    []string `json:"failed,omitempty"`
	NoConnect int      `json:"not_connected"`
	Bytes     uint64   `json:"bytes"`
}

// TelemetryResult: whether every path's telemetry reached the
// controller after its last restart (its store's latest sample).
type TelemetryResult struct {
	Paths int      `json:"paths"`
	Fresh int      `json:"fresh"`
	Stale []string `json:"stale,omitempty"`
}

type chaosRun struct {
	o           ChaosOptions
	rng         *rand.Rand
	st          *State
	ctlStarted  time.Time
	lastAllDown time.Duration
	rep         *ChaosReport
}

// Chaos runs chaos against lab o.Name. It returns an error when the run
// could not be made (no such lab, a fault could not be applied); the
// invariants' verdict is the report's Failures.
func Chaos(ctx context.Context, o ChaosOptions) (*ChaosReport, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := Require(); err != nil {
		return nil, err
	}
	c, err := newChaosRun(o)
	if err != nil {
		return nil, err
	}
	defer c.clearAll()
	g0 := runtime.NumGoroutine()
	before := c.resources()
	tctx, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	tr, err := startChaosTraffic(tctx, c.st, o.Seed)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "chaos on lab %s, seed %d, for %v: traffic between every pair of %d sites\n", o.Name, o.Seed, o.Duration, len(c.st.Sites))
	sleepCtx(ctx, 3*time.Second)
	mon := startPathMonitor(c.st.Sites)
	start := time.Now()
	ferr := c.faults(ctx, start.Add(o.Duration))
	c.rep.ChaosS = secs(time.Since(start))
	if cerr := c.clearAll(); cerr != nil && ferr == nil {
		ferr = cerr
	}
	c.rep.PathsDown = c.stuckPaths(60 * time.Second)
	sleepCtx(ctx, 3*time.Second)
	stopTraffic()
	c.rep.Outages = append(c.rep.Outages, mon.finish()...)
	explain(c.rep.Outages)
	c.finishTraffic(tr)
	if ferr != nil {
		return c.rep, ferr
	}
	c.telemetry()
	c.rep.Resources = c.compare(before, c.resources())
	c.rep.Runner = [2]int{g0, runtime.NumGoroutine()}
	c.verdict()
	return c.rep, nil
}

func newChaosRun(o ChaosOptions) (*chaosRun, error) {
	st, err := Load(o.Root, o.Name)
	if err != nil {
		return nil, err
	}
	switch {
	case st.Controller == nil:
		return nil, fmt.Errorf("lab %s is static: chaos kills and restarts the controller, start the lab without --static", o.Name)
	case len(st.Sites[0].Links) < 2:
		return nil, fmt.Errorf("lab %s has one link per site: chaos needs two or more (--links 2)", o.Name)
	case !st.ControllerRunning():
		return nil, fmt.Errorf("the controller of lab %s is not running (patronus lab controller start)", o.Name)
	}
	pol, err := st.ctl(o.Binary, "policies", "get")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(pol, "duplicate") {
		return nil, fmt.Errorf("lab %s does not duplicate voice: start it with --policy holding policies: [{name: voice-dup, match: {classes: [voice]}, sla_class: voice, mode: duplicate}] (docs/LAB.md#chaos)", o.Name)
	}
	if err := st.waitPaths(60*time.Second, nil); err != nil {
		return nil, fmt.Errorf("lab %s is not healthy before the chaos: %w", o.Name, err)
	}
	return &chaosRun{o: o, st: st, rng: rand.New(rand.NewPCG(o.Seed, 0x6368616f73)), ctlStarted: time.Now(),
		rep: &ChaosReport{Lab: o.Name, Seed: o.Seed, Sites: len(st.Sites), Faults: map[string]int{}}}, nil
}

// faults injects faults until the deadline.
func (c *chaosRun) faults(ctx context.Context, deadline time.Time) error {
	order := append([]string(nil), FaultKinds...)
	c.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
		k := nextKind(c.rng, n, order)
		f, out, err := c.inject(ctx, k)
		if err != nil {
			return fmt.Errorf("fault %d (%s %s): %w", n+1, k, f.Target, err)
		}
		end := time.Now()
		if len(c.stuckPaths(90*time.Second)) == 0 {
			f.RecoveredS = secs(time.Since(end))
		} else {
			f.RecoveredS = -1 // not within 90 s; stuckPaths reports it at the end
		}
		if out.Site != "" {
			out.LastsS = secs(time.Since(out.From))
			c.rep.Outages = append(c.rep.Outages, out)
		}
		c.rep.Faults[k]++
		c.rep.FaultLog = append(c.rep.FaultLog, f)
		fmt.Fprintf(c.o.Log, "%s fault %d: %s %s %s held %.1f s, paths up %.1f s later\n",
			f.At.UTC().Format("15:04:05"), n+1, k, f.Target, f.Detail, f.HeldS, f.RecoveredS)
		sleepCtx(ctx, between(c.rng, 200*time.Millisecond, time.Second))
	}
	return ctx.Err()
}

// clearAll takes every impairment off every link.
func (c *chaosRun) clearAll() error {
	st, err := Load(c.o.Root, c.o.Name)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range st.Sites {
		for _, l := range s.Links {
			if l.Impairment != (Impairment{Since: l.Impairment.Since}) {
				errs = append(errs, c.impair(s.Name, l.Name, Change{Clear: true}))
			}
		}
	}
	return errors.Join(errs...)
}

// stuckPaths waits up to d for every path to be healthy and lists those
// that are not: a WireGuard session, BFD up, steering's state up (not
// degraded) and not suppressed for flapping. Waiting for this after
// each fault is what keeps faults from adding up: steering's memory of
// a flap (its suppression) outlasts the flap.
func (c *chaosRun) stuckPaths(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		var down []string
		for i := range c.st.Sites {
			down = append(down, unhealthyPaths(&c.st.Sites[i])...)
		}
		if len(down) == 0 || time.Now().After(deadline) {
			return down
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// telemetry checks that the controller's store has a sample of every
// path taken after the controller's last start: the edges' telemetry
// came through every kill.
func (c *chaosRun) telemetry() {
	out, err := c.st.ctl(c.o.Binary, "--json", "paths")
	if err != nil {
		c.rep.Telemetry.Stale = []string{err.Error()}
		return
	}
	var paths struct {
		Paths []struct {
			ID     string `json:"path_id"`
			Latest *struct {
				State string    `json:"state"`
				At    time.Time `json:"measured_at"`
			} `json:"latest"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(out), &paths); err != nil {
		c.rep.Telemetry.Stale = []string{"ctl paths --json: " + err.Error()}
		return
	}
	t := &c.rep.Telemetry
	for _, p := range paths.Paths {
		t.Paths++
		switch {
		case p.Latest == nil:
			t.Stale = append(t.Stale, p.ID+": no sample")
		case p.Latest.At.Before(c.ctlStarted):
			t.Stale = append(t.Stale, fmt.Sprintf("%s: latest sample %s, before the controller's last start", p.ID, p.Latest.At.UTC().Format(time.RFC3339)))
		default:
			t.Fresh++
		}
	}
}

// chaosTraffic is the run's streams and file transfers.
type chaosTraffic struct {
	streams []*chaosStream
	files   []*fileFlow
	servers []*fileServer
	wg      sync.WaitGroup
}

func startChaosTraffic(ctx context.Context, st *State, seed uint64) (*chaosTraffic, error) {
	tr := &chaosTraffic{}
	for i := range st.Sites {
		fs, err := startFileServer(&st.Sites[i])
		if err != nil {
			tr.stopServers()
			return nil, err
		}
		tr.servers = append(tr.servers, fs)
	}
	for i := range st.Sites {
		for j := i + 1; j < len(st.Sites); j++ {
			a, b := &st.Sites[i], &st.Sites[j]
			for _, s := range []struct {
				from, to *Site
				mode     string
				port     int
			}{{a, b, "duplicate", chaosVoicePort}, {b, a, "best-path", chaosBestPort}} {
				str, err := startStream(ctx, s.from, s.to, s.mode, s.port)
				if err != nil {
					tr.stopServers() // ctx's end stops the senders started
					return nil, err
				}
				tr.streams = append(tr.streams, str)
			}
			for _, d := range [][2]*Site{{a, b}, {b, a}} {
				f := &fileFlow{From: d[0].Name, To: d[1].Name}
				tr.files = append(tr.files, f)
				tr.wg.Add(1)
				go func(from, to *Site, n uint64) {
					defer tr.wg.Done()
					f.run(ctx, from, to, seed*1000+n)
				}(d[0], d[1], uint64(len(tr.files)))
			}
		}
	}
	return tr, nil
}

func (tr *chaosTraffic) stopServers() {
	for _, s := range tr.servers {
		s.close()
	}
}

// finishTraffic waits for the traffic to end (its context has) and
// records what it moved, excusing stream losses in outages.
func (c *chaosRun) finishTraffic(tr *chaosTraffic) {
	for _, s := range tr.streams {
		_ = s.finish()
		c.rep.Streams = append(c.rep.Streams, c.streamResult(s))
		c.rep.Bytes += s.packets * DefaultStreamSize
	}
	tr.wg.Wait()
	tr.stopServers()
	for _, f := range tr.files {
		c.rep.Files = append(c.rep.Files, FileResult{From: f.From, To: f.To, Sent: f.Sent, Exact: f.Exact,
			Corrupted: f.Corrupted, Failed: f.Failed, NoConnect: f.NoConnect, Bytes: f.Bytes})
		c.rep.Bytes += f.Bytes
	}
}

func (c *chaosRun) streamResult(s *chaosStream) StreamResult {
	r := StreamResult{From: s.From, To: s.To, Mode: s.Mode, Sent: s.sent, Received: s.packets}
	for _, seq := range s.lost() {
		r.Lost++
		at := s.due(seq)
		if inOutage(c.rep.Outages, at, s.From, s.To) {
			r.LostInOutages++
		} else if len(r.LostOutside) < 20 {
			r.LostOutside = append(r.LostOutside, fmt.Sprintf("seq %d due %s", seq, at.UTC().Format("15:04:05.000")))
		}
	}
	return r
}

// outageMargin widens each outage: the sender's schedule and the
// outage's recorded times are each a little off.
const outageMargin = time.Second

func inOutage(outs []ChaosOutage, at time.Time, a, b string) bool {
	for _, o := range outs {
		if o.covers(at, a, b) {
			return true
		}
	}
	return false
}

// verdict checks every invariant and names those that failed.
func (c *chaosRun) verdict() {
	r := c.rep
	fail := func(f string, a ...any) { r.Failures = append(r.Failures, fmt.Sprintf(f, a...)) }
	for _, f := range r.Files {
		if f.Corrupted > 0 || len(f.Failed) > 0 || f.Exact != f.Sent {
			fail("tcp-files-exact: %s->%s: %d sent, %d exact, %d corrupted, %d broken %v", f.From, f.To, f.Sent, f.Exact, f.Corrupted, len(f.Failed), f.Failed)
		}
		if f.Exact == 0 {
			fail("tcp-files-exact: %s->%s: no file arrived", f.From, f.To)
		}
	}
	for _, s := range r.Streams {
		if s.Received == 0 {
			fail("stream-flows: %s->%s (%s): nothing received", s.From, s.To, s.Mode)
		}
		if s.Mode == "duplicate" && s.Lost > s.LostInOutages {
			fail("duplicate-lossless: %s->%s lost %d packets outside outages: %v", s.From, s.To, s.Lost-s.LostInOutages, s.LostOutside)
		}
	}
	if len(r.PathsDown) > 0 {
		fail("no-path-stuck-down: %v", r.PathsDown)
	}
	if len(r.Telemetry.Stale) > 0 || r.Telemetry.Paths == 0 {
		fail("telemetry-resumed: %d of %d paths without a sample since the controller's last start: %v", len(r.Telemetry.Stale), r.Telemetry.Paths, r.Telemetry.Stale)
	}
	for _, p := range r.Resources {
		if p.Over != "" {
			fail("resources-bounded: %s: %s", p.Name, p.Over)
		}
	}
	if r.Runner[1] > r.Runner[0]+5 {
		fail("resources-bounded: the chaos runner's goroutines went from %d to %d", r.Runner[0], r.Runner[1])
	}
}

// ProcSample is one process's resources, from /proc.
type ProcSample struct {
	PID     int `json:"pid"`
	Threads int `json:"threads"`
	FDs     int `json:"fds"`
	RSSKiB  int `json:"rss_kib"`
}

// ProcResources compares a lab process before and after the run (a
// restarted process is its new self). Over says which bound it broke.
type ProcResources struct {
	Name   string     `json:"name"`
	Before ProcSample `json:"before"`
	After  ProcSample `json:"after"`
	Over   string     `json:"over,omitempty"`
}

// resources samples the controller and every edge.
func (c *chaosRun) resources() map[string]ProcSample {
	st, err := Load(c.o.Root, c.o.Name)
	if err != nil {
		st = c.st
	}
	out := map[string]ProcSample{"controller": sample(st.Controller.PID)}
	for _, s := range st.Sites {
		out[s.Name] = sample(s.EdgePID)
	}
	return out
}

// unhealthyPaths lists a site's paths that are not healthy (see
// stuckPaths), with why; an edge that does not answer is one entry.
func unhealthyPaths(s *Site) []string {
	var st struct {
		Paths []struct {
			ID            string     `json:"id"`
			LastHandshake *time.Time `json:"last_handshake"`
			BFDState      string     `json:"bfd_state"`
			State         string     `json:"state"`
			Suppressed    bool       `json:"suppressed"`
		} `json:"paths"`
	}
	if _, err := ctlsock.Get(s.ControlSocket, "/status", &st); err != nil {
		return []string{s.Name + ": " + err.Error()}
	}
	var out []string
	for _, p := range st.Paths {
		if p.LastHandshake == nil || p.BFDState != "up" || p.State != "up" || p.Suppressed {
			out = append(out, fmt.Sprintf("%s (bfd %s, state %s, suppressed %v, handshake %v)", p.ID, p.BFDState, p.State, p.Suppressed, p.LastHandshake != nil))
		}
	}
	if len(st.Paths) == 0 {
		out = append(out, s.Name+": no paths")
	}
	return out
}

func sample(pid int) ProcSample {
	p := ProcSample{PID: pid}
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		p.FDs = len(fds)
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch k {
		case "Threads":
			p.Threads = n
		case "VmRSS":
			p.RSSKiB = n
		}
	}
	return p
}

// Bounds on a process after the run: file descriptors at most 25 % and
// 16 more, threads 50 % and 8 more, resident memory twice and 384 MiB
// more than before. The memory bound only catches a gross leak: an edge
// allocates a heap of about 210 MB as it starts (GODEBUG=gctrace=1) and
// its resident memory grows as traffic touches it, with no collection
// in a 30 s run.
func (c *chaosRun) compare(before, after map[string]ProcSample) []ProcResources {
	names := []string{"controller"}
	for _, s := range c.st.Sites {
		names = append(names, s.Name)
	}
	var out []ProcResources
	for _, n := range names {
		b, a := before[n], after[n]
		p := ProcResources{Name: n, Before: b, After: a}
		switch {
		case a.FDs == 0:
			p.Over = fmt.Sprintf("process %d not running", a.PID)
		case a.FDs > b.FDs*5/4+16:
			p.Over = fmt.Sprintf("file descriptors %d -> %d", b.FDs, a.FDs)
		case a.Threads > b.Threads*3/2+8:
			p.Over = fmt.Sprintf("threads %d -> %d", b.Threads, a.Threads)
		case a.RSSKiB > 2*b.RSSKiB+384<<10:
			p.Over = fmt.Sprintf("RSS %d KiB -> %d KiB", b.RSSKiB, a.RSSKiB)
		}
		out = append(out, p)
	}
	return out
}
