package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/metrics"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// fleetOf is a metrics with sites sites of paths paths each, every path
// reported once.
func fleetOf(sites, paths int) *metrics.Metrics {
	fs := &fakeSites{sites: map[string][]store.Site{}}
	var list []store.Site
	m := metrics.New(metrics.Config{Sites: fs, Now: func() time.Time { return t0 }})
	for i := range sites {
		name := fmt.Sprintf("site%04d", i)
		list = append(list, store.Site{Name: name, State: store.Enrolled, LastSeen: t0})
		m.Fleet().Observe(&events.Event{Kind: events.KindSite, Network: "default", Site: name, At: t0, SiteState: &events.SiteChange{Online: true}})
		for p := range paths {
			m.Fleet().Observe(&events.Event{Kind: events.KindPath, Network: "default", Site: name, At: t0, Path: &events.PathChange{
				PathID: fmt.Sprintf("%s/link%d->hub/link%d", name, p/2, p%2), State: events.PathUp, BFDState: "UP", MetricsValid: true,
				LatencyMs: 20, JitterMs: 2, LossPct: 0.1, Score: 90, Counters: true, TxBytes: 1 << 30, RxBytes: 1 << 29}})
		}
	}
	fs.set("default", list...)
	return m
}

// BenchmarkScrape1000x4: one scrape of /metrics (collect and encode) with
// 1,000 sites of 4 paths (docs/BENCHMARKS.md); and gzipped, as Prometheus
// asks for it.
func BenchmarkScrape1000x4(b *testing.B) { benchScrape(b, "") }

func BenchmarkScrape1000x4Gzip(b *testing.B) { benchScrape(b, "gzip") }

func benchScrape(b *testing.B, encoding string) {
	m := fleetOf(1000, 4)
	h := m.Handler()
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/metrics", nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
		b.SetBytes(int64(rec.Body.Len()))
		io.Copy(io.Discard, rec.Body)
	}
	// CPU time, not only wall time: the benchmark machine is shared.
	b.ReportMetric((cpuSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
}

// cpuSeconds is the process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkObservePath: the fleet's cost of one path report.
func BenchmarkObservePath(b *testing.B) {
	m := fleetOf(1000, 4)
	e := &events.Event{Kind: events.KindPath, Network: "default", Site: "site0500", At: t0, Path: &events.PathChange{
		PathID: "site0500/link1->hub/link0", State: events.PathUp, BFDState: "UP", MetricsValid: true, LatencyMs: 20}}
	b.ReportAllocs()
	for b.Loop() {
		m.Fleet().Observe(e)
	}
}

// BenchmarkIngestBatch: what the metrics add to the ingest of one batch
// of 4 paths stored alone: the backlog gauge in and out, a group commit's
// histograms and store call, and the fleet's 4 path reports.
func BenchmarkIngestBatch(b *testing.B) {
	m := fleetOf(1000, 4)
	evs := make([]*events.Event, 4)
	for p := range evs {
		evs[p] = &events.Event{Kind: events.KindPath, Network: "default", Site: "site0500", At: t0, Path: &events.PathChange{
			PathID: fmt.Sprintf("site0500/link%d->hub/link%d", p/2, p%2), State: events.PathUp, BFDState: "UP", MetricsValid: true, LatencyMs: 20}}
	}
	b.ReportAllocs()
	for b.Loop() {
		m.IngestPending(1)
		m.IngestGroup(1, time.Millisecond)
		m.StoreCall("record_telemetry", time.Millisecond, nil)
		m.IngestPending(-1)
		for _, e := range evs {
			m.Fleet().Observe(e)
		}
	}
}
