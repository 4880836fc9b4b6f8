package alert

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
)

// fleet1000 is ctlload's fleet: 1,000 sites, each with 4 paths to two
// hubs' two links, every path reported by its site.
func fleet1000(now time.Time) []PathReport {
	var out []PathReport
	for i := range 1000 {
		for _, hub := range []string{"hub1/inet", "hub1/lte", "hub2/inet", "hub2/lte"} {
			out = append(out, PathReport{Network: "n", Site: fmt.Sprintf("s%04d", i), PathID: fmt.Sprintf("s%04d/inet->%s", i, hub),
				State: events.PathUp, MetricsValid: true, LatencyMs: 20, At: now, Heard: now})
		}
	}
	return out
}

// BenchmarkSweep1000x4: one sweep (Sync and Tick) of 1,000 sites × 4
// paths, what the service does every sweep_interval.
func BenchmarkSweep1000x4(b *testing.B) {
	r, _ := Config{}.Compile()
	e := NewEngine(r)
	now := time.Now()
	reports := fleet1000(now)
	e.Sync(reports, now)
	e.Tick(now)
	cpu := cpuSeconds()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		for i := range reports {
			reports[i].At, reports[i].Heard = now, now
		}
		e.Sync(reports, now)
		e.Tick(now)
	}
	b.ReportMetric((cpuSeconds()-cpu)*1e6/float64(b.N), "cpu-µs/op")
}

// BenchmarkObserveReport1000x4: one path report judged on arrival, as
// the engine was fed every report before (4,000 a second at 1,000
// edges): a report of a path to a hub judges the hub's 2,000 paths.
func BenchmarkObserveReport1000x4(b *testing.B) {
	r, _ := Config{}.Compile()
	e := NewEngine(r)
	now := time.Now()
	reports := fleet1000(now)
	e.Sync(reports, now)
	e.Tick(now)
	ev := &events.Event{Kind: events.KindPath, Network: "n", Site: "s0001",
		Path: &events.PathChange{PathID: "s0001/inet->hub1/inet", State: events.PathUp, MetricsValid: true, LatencyMs: 20}}
	cpu := cpuSeconds()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		ev.At = now
		e.Observe(ev, now)
	}
	b.ReportMetric((cpuSeconds()-cpu)*1e6/float64(b.N), "cpu-µs/op")
}

// cpuSeconds is the process's user and system CPU time (waiting for a
// CPU on a loaded machine does not count).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
