package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func TestSchedule(t *testing.T) {
	for _, c := range []struct {
		rate float64
		d    time.Duration
		n    int
		at3  time.Duration
	}{
		{50, 10 * time.Second, 500, 60 * time.Millisecond},
		{3, time.Second, 3, time.Second},
		{0.5, 10 * time.Second, 5, 6 * time.Second},
		{800, 10 * time.Second, 8000, 3750 * time.Microsecond},
		{7, time.Second, 7, 3 * time.Second / 7},
	} {
		s := schedule{start: t0, rate: c.rate}
		if got := s.count(c.d); got != c.n {
			t.Errorf("rate %v for %v: %d arrivals, want %d", c.rate, c.d, got, c.n)
		}
		if got := s.at(3).Sub(t0); got != c.at3 {
			t.Errorf("rate %v: arrival 3 at +%v, want +%v", c.rate, got, c.at3)
		}
		if last := s.at(s.count(c.d) - 1); !last.Before(t0.Add(c.d)) {
			t.Errorf("rate %v: the last arrival at +%v is outside the step", c.rate, last.Sub(t0))
		}
	}
}

// fakeClock jumps to each due time at once (plus late, the load
// generator's lateness); onSleep sees the count of sleeps.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	late    time.Duration
	sleeps  int
	targets []time.Time // every due time waited for
	onSleep func(n int)
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	c.targets = append(c.targets, t)
	if t = t.Add(c.late); t.After(c.now) {
		c.now = t
	}
	c.sleeps++
	n := c.sleeps
	c.mu.Unlock()
	if c.onSleep != nil {
		c.onSleep(n)
	}
	return ctx.Err()
}

func TestOpenLoopSendsOnSchedule(t *testing.T) {
	clk := &fakeClock{now: t0}
	r := openLoop(context.Background(), clk, 100, time.Second, 1000, func(context.Context) error { return nil })
	if r.Scheduled != 100 || r.Sent != 100 || r.OK != 100 || r.Errors != 0 || r.Overflow != 0 {
		t.Fatalf("%+v, want 100 scheduled, sent and answered", r)
	}
	if r.AchievedPerS != 100 || r.DurationS != 1 {
		t.Errorf("achieved %v/s over %v s, want 100/s over 1 s", r.AchievedPerS, r.DurationS)
	}
	if len(clk.targets) != 100 {
		t.Fatalf("%d arrivals waited for, want 100", len(clk.targets))
	}
	for i, at := range clk.targets {
		if want := t0.Add(time.Duration(i) * 10 * time.Millisecond); !at.Equal(want) {
			t.Fatalf("arrival %d due at +%v, want +%v", i, at.Sub(t0), want.Sub(t0))
		}
	}
}

func TestOpenLoopAchievedAtALowRate(t *testing.T) {
	// 0.5/s for 5 s: arrivals at 0, 2 and 4 s, a schedule of 6 s.
	r := openLoop(context.Background(), &fakeClock{now: t0}, 0.5, 5*time.Second, 10, func(context.Context) error { return nil })
	if r.Scheduled != 3 || r.AchievedPerS != 0.5 || r.DurationS != 6 {
		t.Fatalf("%+v: want 3 arrivals answered at 0.5/s over 6 s", r)
	}
}

func TestOpenLoopChargesLateness(t *testing.T) {
	clk := &fakeClock{now: t0, late: 5 * time.Millisecond}
	r := openLoop(context.Background(), clk, 100, time.Second, 1000, func(context.Context) error { return nil })
	if r.OK != 100 || r.Latency.P50MS < 5 {
		t.Fatalf("%+v: a generator 5 ms late must count 5 ms of latency at least", r)
	}
}

func TestOpenLoopErrors(t *testing.T) {
	clk := &fakeClock{now: t0}
	var n atomic.Int32
	r := openLoop(context.Background(), clk, 100, time.Second, 1000, func(context.Context) error {
		if n.Add(1)%10 == 0 {
			return errors.New("HTTP 503")
		}
		return nil
	})
	if r.OK != 90 || r.Errors != 10 || r.ErrorSample != "HTTP 503" || r.Latency.N != 90 {
		t.Fatalf("%+v, want 90 answered and 10 errors", r)
	}
	if r.AchievedPerS != 90 {
		t.Errorf("achieved %v/s, want 90/s (errors do not count)", r.AchievedPerS)
	}
}

func TestOpenLoopOverflow(t *testing.T) {
	release := make(chan struct{})
	clk := &fakeClock{now: t0}
	clk.onSleep = func(n int) {
		if n == 100 { // the last arrival: let the requests in flight end
			close(release)
		}
	}
	r := openLoop(context.Background(), clk, 100, time.Second, 5, func(context.Context) error {
		<-release
		return nil
	})
	// Five requests hold the five slots until the last arrival; the
	// arrivals between find no slot and are not sent (the last one may
	// find one freed).
	if r.Sent+r.Overflow != 100 || r.Overflow < 94 || r.Sent > 6 || r.OK != r.Sent {
		t.Fatalf("%+v: want 5 or 6 sent and the rest overflowed", r)
	}
}

func TestOpenLoopStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := &fakeClock{now: t0}
	clk.onSleep = func(n int) {
		if n == 10 {
			cancel()
		}
	}
	r := openLoop(ctx, clk, 100, time.Second, 1000, func(context.Context) error { return nil })
	if r.Sent != 9 {
		t.Fatalf("sent %d after the context ended at the 10th arrival, want 9", r.Sent)
	}
}

func TestSaturated(t *testing.T) {
	l := limits{maxP99: time.Second, minAchieved: 0.95, maxErrors: 0.01}
	ok := stepResult{OfferedPerS: 100, Scheduled: 1000, OK: 1000, AchievedPerS: 99, Latency: rig.Summary{P99MS: 999}}
	for _, c := range []struct {
		name string
		mod  func(*stepResult)
		want string
	}{
		{"keeps up", func(*stepResult) {}, ""},
		{"p99 over the bound", func(s *stepResult) { s.Latency.P99MS = 1001 }, "p99 1001 ms > 1s"},
		{"answers fall behind", func(s *stepResult) { s.AchievedPerS = 94 }, "achieved 94.0/s < 95% of 100/s offered"},
		{"errors", func(s *stepResult) { s.Errors = 11 }, "errors 1.1% > 1.0%"},
		{"overflows count as errors", func(s *stepResult) { s.Overflow = 6; s.Errors = 5 }, "errors 1.1% > 1.0%"},
		{"1% errors is allowed", func(s *stepResult) { s.Errors = 10 }, ""},
	} {
		s := ok
		c.mod(&s)
		if got := l.saturated(s); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-patronus", "/bin/true", "-rates", "10, 20,40", "-stores", "postgres", "-phases", "subscribe"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.rates) != 3 || o.rates[2] != 40 || len(o.stores) != 1 || !o.phases["subscribe"] || o.phases["query"] ||
		len(o.subFilters) != 2 || o.subFilters[0] != "site" || o.clients != 64 {
		t.Fatalf("parsed %+v", o)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-patronus"},
		{[]string{"-patronus", "x", "-rates", "100,50"}, "-rates: 50 after 100: rates must rise"},
		{[]string{"-patronus", "x", "-rates", "0"}, "-rates"},
		{[]string{"-patronus", "x", "-stores", "mysql"}, `-stores: "mysql"`},
		{[]string{"-patronus", "x", "-phases", "soak"}, `-phases: "soak"`},
		{[]string{"-patronus", "x", "-edges", "0"}, "-edges"},
		{[]string{"-patronus", "x", "-flip-every", "10ms"}, "-flip-every"},
		{[]string{"-patronus", "x", "-sub-filter", "site,none"}, `-sub-filter: "none"`},
		{[]string{"-patronus", "x", "-users", "255"}, "-users"},
	} {
		if _, err := parseFlags(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseFlags(%q): %v, want an error naming %q", c.args, err, c.want)
		}
	}
}
