package bgp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestPacer: the pacing rules as a table of kicks and scans on a
// synthetic clock.
func TestPacer(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var p pacer
	steps := []struct {
		name   string
		kickMS int
		want   time.Duration
		scan   bool // then a scan at kick+want that reported
	}{
		{"a lone change: quick", 0, LearnCoalesce, true},
		{"a change soon after: burst, quiet wait (a quarter of 1 s)", 100, 250 * time.Millisecond, false},
		{"more of the burst: still quiet wait", 250, 250 * time.Millisecond, false},
		{"the burst's delay (1 s from its first change) bounds the wait", 1000, 100 * time.Millisecond, true},
		{"next step of the burst waits up to 2 s, quiet 500 ms", 1200, 500 * time.Millisecond, false},
		{"...", 3150, 50 * time.Millisecond, true},
		{"then up to 4 s; quiet (1 s) ends it", 3300, time.Second, true},
		{"long after the burst: quick again", 20000, LearnCoalesce, true},
	}
	for _, s := range steps {
		got := p.kick(at(s.kickMS))
		if got != s.want {
			t.Fatalf("%s: kick at %d ms waits %v, want %v (pacer %+v)", s.name, s.kickMS, got, s.want, p)
		}
		if s.scan {
			p.scanned(at(s.kickMS).Add(got), 1000)
		}
	}
	if p.delay != 0 {
		t.Errorf("delay after a lone change %v, want 0", p.delay)
	}
	// A small change does not make a burst: the next change is quick.
	p = pacer{}
	p.scanned(at(0), 1000)
	if got := p.kick(at(100)); got == LearnCoalesce {
		t.Fatal("a large change followed by another: want a burst")
	}
	p.scanned(at(400), 1)
	if got := p.kick(at(500)); got != LearnCoalesce {
		t.Errorf("a change after a report of one prefix waits %v, want %v", got, LearnCoalesce)
	}
}

func TestDifference(t *testing.T) {
	ps := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	if d := difference(ps("10.0.0.0/24", "10.0.1.0/24", "10.0.3.0/24"), ps("10.0.1.0/24", "10.0.2.0/24")); d != 3 {
		t.Errorf("difference %d, want 3", d)
	}
	if d := difference(nil, ps("10.0.1.0/24")); d != 1 {
		t.Errorf("difference %d, want 1", d)
	}
}

// simulate runs the learner's loop on a synthetic clock: changes every
// step for n steps; it returns the reports' times (every scan reports).
func simulate(p *pacer, start time.Time, step time.Duration, n int) []time.Time {
	var reports []time.Time
	var deadline time.Time // zero: no timer
	fire := func(until time.Time) {
		if !deadline.IsZero() && !deadline.After(until) {
			p.scanned(deadline, 100)
			reports = append(reports, deadline)
			deadline = time.Time{}
		}
	}
	now := start
	for range n {
		fire(now)
		deadline = now.Add(p.kick(now))
		now = now.Add(step)
	}
	fire(now.Add(time.Hour))
	return reports
}

// TestPacerStream: a router's stream of UPDATEs with a pause of 100 ms
// between each (longer than LearnCoalesce) over 10 s and over 150 s, and
// one with pauses of 600 ms (FRR under load): a few reports, the last at
// most LearnMaxDelay/4 after the stream ends; the burst's delay reaches
// LearnMaxDelay.
func TestPacerStream(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		n, most int
		step    time.Duration
	}{{100, 6, 100 * time.Millisecond}, {1500, 16, 100 * time.Millisecond}, {250, 16, 600 * time.Millisecond}} {
		var p pacer
		r := simulate(&p, start, tc.step, tc.n)
		end := start.Add(time.Duration(tc.n-1) * tc.step)
		var gaps []time.Duration
		for i := 1; i < len(r); i++ {
			gaps = append(gaps, r[i].Sub(r[i-1]))
		}
		t.Logf("%d changes over %v: %d reports, %v after the first change, then %v apart", tc.n, end.Sub(start), len(r), r[0].Sub(start), gaps)
		if len(r) > tc.most || len(r) < 2 {
			t.Errorf("%d reports, want 2..%d", len(r), tc.most)
		}
		if last := r[len(r)-1].Sub(end); last > LearnMaxDelay/4 {
			t.Errorf("last report %v after the last change, want at most %v", last, LearnMaxDelay/4)
		}
	}
	var p pacer
	simulate(&p, start, 100*time.Millisecond, 1500)
	if p.delay != LearnMaxDelay {
		t.Errorf("delay %v after a long burst, want %v", p.delay, LearnMaxDelay)
	}
}

// TestLearnedInFewReports: a router that announces 10,000 prefixes in
// 100 UPDATE bursts 100 ms apart (a pause longer than LearnCoalesce, as
// FRR and BIRD do under load) makes a few learned reports, each of which
// is one revision of the network's configuration, not one per burst.
func TestLearnedInFewReports(t *testing.T) {
	port := freePort(t)
	r := newRouter(t, "127.0.0.2", 65010, 4200000001, port, "")
	n := r.neighbor()
	n.MaxPrefixes = 20000
	var l learned
	s := startSpeaker(t, port, &l, n)
	waitFor(t, sessionTimeout, "session established", established(s, r))
	_, before := l.count()
	start := time.Now()
	for i := range 100 {
		chunk := make([]string, 100)
		for j := range chunk {
			k := i*100 + j
			chunk[j] = fmt.Sprintf("20.%d.%d.0/24", k/256, k%256)
		}
		r.announceMany(chunk)
		time.Sleep(100 * time.Millisecond)
	}
	sent := time.Since(start)
	waitFor(t, 30*time.Second, "10,000 prefixes learned", func() bool { got, _ := l.count(); return got == 10000 })
	_, after := l.count()
	t.Logf("10,000 prefixes sent over %v: all learned %v after the first, in %d reports", sent.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond), after-before)
	if after-before > 8 {
		t.Errorf("%d reports for one announcement, want a few (at most 8)", after-before)
	}
}
