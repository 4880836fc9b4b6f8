package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

const testPath = "a/inet~b/inet"

func pathCount(t *testing.T, e *env, res store.Resolution) int {
	t.Helper()
	return len(must(e.s.PathMetrics(e.ctx, "corp", testPath, res, epoch.Add(-24*time.Hour), epoch.Add(1000*time.Hour)))(t))
}

// testMetrics: raw samples are folded into the minute and hour buckets
// of their receive time (the store's clock when they were recorded),
// late ones too, each once; retention by receive time.
func testMetrics(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	// Three minutes of samples every 10 s, received as measured: latency
	// 10 ms + i ms, jitter 1 ms, loss i %, one sample down (i == 4).
	for i := range 18 {
		st := store.PathUp
		if i == 4 {
			st = store.PathDown
		}
		at := epoch.Add(time.Duration(i) * 10 * time.Second)
		e.clock.Set(at)
		ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: at,
			Latency: time.Duration(10+i) * time.Millisecond, Jitter: time.Millisecond, LossPct: float64(i), State: st}}))
	}
	err := s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: epoch, LossPct: 200, State: store.PathUp}})
	wantErr(t, err, store.ErrInvalid, "loss_pct")
	err = s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: epoch, State: "sideways"}})
	wantErr(t, err, store.ErrInvalid, "state")
	raw := must(s.PathMetrics(ctx, "corp", testPath, store.Raw, epoch, epoch.Add(time.Minute)))(t)
	if len(raw) != 6 || raw[4].State != store.PathDown || raw[5].Latency != 15*time.Millisecond {
		t.Fatalf("raw = %+v", raw)
	}
	_, err = s.PathMetrics(ctx, "corp", testPath, "5m", epoch, epoch)
	wantErr(t, err, store.ErrInvalid, "resolution")

	// At 2m30s everything received is folded, the open minute 2 too.
	e.clock.Set(epoch.Add(150 * time.Second))
	for range 2 { // Maintain is idempotent
		must(s.Maintain(ctx, store.Retention{}))(t)
		m := must(s.PathMetrics(ctx, "corp", testPath, store.Minute, epoch, epoch.Add(time.Hour)))(t)
		if len(m) != 3 {
			t.Fatalf("minute rollups = %+v, want 3", m)
		}
		want := store.PathPoint{TS: epoch, Latency: 12500 * time.Microsecond, MaxLatency: 15 * time.Millisecond,
			Jitter: time.Millisecond, LossPct: 2.5, State: store.PathDown, Samples: 6, DownSamples: 1}
		if m[0] != want {
			t.Fatalf("minute 0 = %+v, want %+v", m[0], want)
		}
		if m[1].Samples != 6 || m[1].State != store.PathUp || m[1].DownSamples != 0 || !m[1].TS.Equal(epoch.Add(time.Minute)) {
			t.Fatalf("minute 1 = %+v", m[1])
		}
	}
	// A sample measured two hours ago (a late batch, or an edge's clock
	// behind) arrives in minute 2: it is folded there, added to what
	// minute 2 had.
	e.clock.Set(epoch.Add(175 * time.Second))
	ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: epoch.Add(-2 * time.Hour), Latency: 100 * time.Millisecond, State: store.PathDegraded}}))
	e.clock.Set(epoch.Add(2*time.Hour + time.Minute))
	st := must(s.Maintain(ctx, store.Retention{Raw: 30 * time.Minute}))(t)
	if st.RolledMinute != 1 || st.RolledHour != 1 {
		t.Fatalf("Maintain stats %+v, want 1 minute bucket, 1 hour bucket", st)
	}
	m := must(s.PathMetrics(ctx, "corp", testPath, store.Minute, epoch, epoch.Add(time.Hour)))(t)
	if len(m) != 3 || m[2].Samples != 7 || m[2].MaxLatency != 100*time.Millisecond || m[2].State != store.PathDegraded {
		t.Fatalf("minute rollups = %+v", m)
	}
	hr := must(s.PathMetrics(ctx, "corp", testPath, store.Hour, epoch, epoch.Add(time.Hour)))(t)
	if len(hr) != 1 || hr[0].Samples != 19 || hr[0].DownSamples != 1 || hr[0].MaxLatency != 100*time.Millisecond || hr[0].State != store.PathDown {
		t.Fatalf("hour rollups = %+v", hr)
	}
	if n := pathCount(t, e, store.Raw); n != 0 {
		t.Fatalf("%d raw samples outlived their retention", n)
	}

	// Minute buckets go after their retention, hour buckets after theirs.
	e.clock.Set(epoch.Add(3*time.Hour + 30*time.Second))
	ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: epoch.Add(3*time.Hour + 30*time.Second), State: store.PathUp}}))
	e.clock.Set(epoch.Add(3*time.Hour + 59*time.Second))
	must(s.Maintain(ctx, store.Retention{Minute: time.Hour}))(t)
	if n := pathCount(t, e, store.Minute); n != 1 {
		t.Fatalf("%d minute rollups, want the 1 of hour 3", n)
	}
	e.clock.Set(epoch.Add(26 * time.Hour))
	must(s.Maintain(ctx, store.Retention{Hour: 24 * time.Hour}))(t)
	if n := pathCount(t, e, store.Hour); n != 1 {
		t.Fatalf("%d hour rollups, want 1 (hour 3)", n)
	}
}

func testEventsFlows(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	evs := []store.Event{
		{TS: epoch, Site: "a", Path: testPath, Kind: "path_down", Reason: "bfd control detection time expired", FlowsMoved: 12},
		{TS: epoch.Add(time.Second), Site: "b", Path: testPath, Kind: "failover", Reason: "sla", FlowsMoved: 3},
		{TS: epoch.Add(2 * time.Second), Site: "a", Path: testPath, Kind: "path_up"},
	}
	ok(t, s.AddEvents(ctx, "corp", evs))
	got := must(s.Events(ctx, "corp", store.EventQuery{}))(t)
	if len(got) != 3 || got[0].Kind != "path_up" || got[2].FlowsMoved != 12 || got[2].Reason != evs[0].Reason || !got[2].TS.Equal(epoch) {
		t.Fatalf("Events = %+v", got)
	}
	if got := must(s.Events(ctx, "corp", store.EventQuery{Site: "a", Limit: 1}))(t); len(got) != 1 || got[0].Kind != "path_up" {
		t.Fatalf("Events(site a, limit 1) = %+v", got)
	}
	if got := must(s.Events(ctx, "corp", store.EventQuery{Since: epoch.Add(time.Second)}))(t); len(got) != 2 {
		t.Fatalf("Events(since 1s) = %+v", got)
	}
	wantErr(t, s.AddEvents(ctx, "corp", []store.Event{{TS: epoch, Kind: "has space"}}), store.ErrInvalid, "kind")
	wantErr(t, s.AddEvents(ctx, "corp", []store.Event{{Kind: "k"}}), store.ErrInvalid, "ts")
	wantErr(t, s.AddEvents(ctx, "nope", evs), store.ErrNotFound, "")

	fl := []store.FlowSummary{
		{TS: epoch, Site: "a", Application: "web", Path: testPath, Flows: 10, BytesTx: 1 << 40, BytesRx: 5},
		{TS: epoch.Add(time.Minute), Site: "b", Application: "voip", Path: testPath, Flows: 1, BytesTx: 7, BytesRx: 8},
	}
	ok(t, s.RecordFlows(ctx, "corp", fl))
	gotF := must(s.Flows(ctx, "corp", store.FlowQuery{}))(t)
	if len(gotF) != 2 || gotF[0] != fl[0] && !gotF[0].TS.Equal(fl[0].TS) || gotF[0].BytesTx != 1<<40 || gotF[1].Application != "voip" {
		t.Fatalf("Flows = %+v", gotF)
	}
	if gotF := must(s.Flows(ctx, "corp", store.FlowQuery{Site: "b"}))(t); len(gotF) != 1 {
		t.Fatalf("Flows(site b) = %+v", gotF)
	}
	wantErr(t, s.RecordFlows(ctx, "corp", []store.FlowSummary{{TS: epoch, Site: "a", Flows: -1}}), store.ErrInvalid, "flows")

	e.clock.Set(epoch.Add(time.Hour + 30*time.Second))
	st := must(s.Maintain(ctx, store.Retention{Events: time.Hour, Flows: time.Hour}))(t)
	if st.Deleted != 4 {
		t.Fatalf("retention deleted %d rows, want 3 events + 1 flow summary", st.Deleted)
	}
	if got := must(s.Flows(ctx, "corp", store.FlowQuery{}))(t); len(got) != 1 {
		t.Fatalf("Flows after retention = %+v", got)
	}
}

// testMaintainConcurrent: maintainers running at once (replicas) fold
// every sample exactly once.
func testMaintainConcurrent(t *testing.T, h Harness) {
	const maintainers, minutes, perMinute = 4, 30, 4
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	for i := range minutes * perMinute {
		at := epoch.Add(time.Duration(i) * 15 * time.Second)
		e.clock.Set(at)
		ok(t, s.RecordPathMetrics(ctx, "corp", []store.PathSample{{Path: testPath, TS: at, Latency: time.Millisecond, State: store.PathUp}}))
	}
	e.clock.Set(epoch.Add(2 * time.Hour))
	other := e.open(0) // a second store on the same database: a replica
	errs := make(chan error, maintainers)
	for i := range maintainers {
		go func() {
			st := s
			if i%2 == 1 {
				st = other
			}
			_, err := st.Maintain(ctx, store.Retention{})
			errs <- err
		}()
	}
	for range maintainers {
		ok(t, <-errs)
	}
	checkFolded(t, e, minutes*perMinute)
}

// checkFolded: the minute and hour buckets of the first hour hold want
// samples each.
func checkFolded(t *testing.T, e *env, want int64) {
	t.Helper()
	var total int64
	for _, p := range must(e.s.PathMetrics(e.ctx, "corp", testPath, store.Minute, epoch, epoch.Add(time.Hour)))(t) {
		total += p.Samples
	}
	hr := must(e.s.PathMetrics(e.ctx, "corp", testPath, store.Hour, epoch, epoch.Add(time.Hour)))(t)
	if total != want || len(hr) != 1 || hr[0].Samples != want {
		t.Fatalf("folded %d samples into minutes, hours %+v; want %d each", total, hr, want)
	}
}

// testFoldWhileIngesting: samples recorded while maintainers of two
// replicas fold and prune are each folded once: none is missed by a
// fold that ran while its transaction was open, none is folded twice.
func testFoldWhileIngesting(t *testing.T, h Harness) {
	const writers, batches, perBatch = 4, 40, 5
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	other := e.open(0)
	stop := make(chan struct{})
	errs := make(chan error, writers+2)
	for i := range 2 {
		go func() {
			st := []store.Store{s, other}[i]
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				if _, err := st.Maintain(ctx, store.Retention{Raw: time.Hour}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan error, writers)
	for range writers {
		go func() {
			for range batches {
				var ss []store.PathSample
				for range perBatch {
					ss = append(ss, store.PathSample{Path: testPath, TS: epoch, Latency: time.Millisecond, State: store.PathUp})
				}
				if err := s.RecordPathMetrics(ctx, "corp", ss); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range writers {
		ok(t, <-done)
	}
	close(stop)
	for range 2 {
		ok(t, <-errs)
	}
	must(s.Maintain(ctx, store.Retention{}))(t)
	checkFolded(t, e, writers*batches*perBatch)
}

// testCounterRollups: each minute and hour bucket of receive time keeps
// the newest report (by the edge's time) of a site's path: a late
// report received later does not replace a newer one, a resent batch
// changes nothing; the raw counters go after their retention, the
// buckets stay.
func testCounterRollups(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	report := func(at time.Duration, seq int64, ts time.Duration, tx int64) bool {
		t.Helper()
		e.clock.Set(epoch.Add(at))
		b := store.TelemetryBatch{Site: "a", BootID: "0a", Sequence: seq, Counters: []store.PathCounters{{
			TS: epoch.Add(ts), Since: epoch, Site: "a", Path: testPath, TxBytes: tx, RxBytes: tx / 2}}}
		return must(s.RecordTelemetry(ctx, "corp", b))(t)
	}
	report(10*time.Second, 1, 10*time.Second, 100)
	report(20*time.Second, 2, 20*time.Second, 200)
	report(70*time.Second, 3, 70*time.Second, 300)
	report(80*time.Second, 4, 5*time.Second, 50) // measured long before, received in minute 1
	if report(85*time.Second, 2, 20*time.Second, 999) {
		t.Fatal("a resent batch was stored")
	}
	e.clock.Set(epoch.Add(2 * time.Minute))
	q := func(res store.Resolution) []store.PathCounters {
		return must(s.PathCounters(ctx, "corp", store.CounterQuery{Site: "a", Path: testPath, Resolution: res}))(t)
	}
	for range 2 { // idempotent
		must(s.Maintain(ctx, store.Retention{}))(t)
		if m := q(store.Minute); len(m) != 2 || m[0].TxBytes != 200 || !m[0].TS.Equal(epoch.Add(20*time.Second)) || m[1].TxBytes != 300 || m[1].RxBytes != 150 {
			t.Fatalf("minute counters %+v, want 200 (minute 0) and 300 (minute 1)", m)
		}
		if hr := q(store.Hour); len(hr) != 1 || hr[0].TxBytes != 300 {
			t.Fatalf("hour counters %+v, want 300", hr)
		}
	}
	report(3*time.Minute, 5, 3*time.Minute, 400)
	must(s.Maintain(ctx, store.Retention{}))(t)
	if hr := q(store.Hour); len(hr) != 1 || hr[0].TxBytes != 400 {
		t.Fatalf("hour counters %+v, want 400", hr)
	}
	_, err := s.PathCounters(ctx, "corp", store.CounterQuery{Resolution: "5m"})
	wantErr(t, err, store.ErrInvalid, "resolution")
	e.clock.Set(epoch.Add(3 * time.Hour))
	must(s.Maintain(ctx, store.Retention{Raw: time.Hour, Counters: time.Hour}))(t)
	if n := len(q(store.Raw)); n != 0 {
		t.Fatalf("%d raw counters after their retention", n)
	}
	if n := len(q(store.Minute)); n != 3 {
		t.Fatalf("%d minute counters, want 3", n)
	}
}

// testApplicationTraffic: flow summaries totalled by application,
// selected by site, path and time.
func testApplicationTraffic(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh)
	ok(t, s.RecordFlows(ctx, "corp", []store.FlowSummary{
		{TS: epoch, Site: "a", Application: "web", Path: testPath, Flows: 10, BytesTx: 1 << 40, BytesRx: 5},
		{TS: epoch.Add(time.Minute), Site: "b", Application: "voip", Path: testPath, Flows: 1, BytesTx: 7, BytesRx: 8},
		{TS: epoch.Add(time.Minute), Site: "b", Application: "web", Path: testPath, Flows: 2, BytesTx: 100},
		{TS: epoch.Add(2 * time.Minute), Site: "b", Application: "voip", Path: "a/lte~b/inet", Flows: 3, BytesTx: 30},
	}))
	all := must(s.ApplicationTraffic(ctx, "corp", store.AppTrafficQuery{}))(t)
	want := []store.AppTraffic{
		{Application: "web", Flows: 12, BytesTx: 1<<40 + 100, BytesRx: 5, Sites: 2, Paths: 1},
		{Application: "voip", Flows: 4, BytesTx: 37, BytesRx: 8, Sites: 1, Paths: 2},
	}
	if len(all) != 2 || all[0] != want[0] || all[1] != want[1] {
		t.Fatalf("ApplicationTraffic = %+v, want %+v", all, want)
	}
	for _, c := range []struct {
		q    store.AppTrafficQuery
		want []string
	}{
		{store.AppTrafficQuery{Site: "a"}, []string{"web"}},
		{store.AppTrafficQuery{Path: "a/lte~b/inet"}, []string{"voip"}},
		{store.AppTrafficQuery{Since: epoch.Add(time.Minute)}, []string{"web", "voip"}},
		{store.AppTrafficQuery{Since: epoch.Add(time.Minute), Until: epoch.Add(2 * time.Minute)}, []string{"web", "voip"}},
		{store.AppTrafficQuery{Since: epoch.Add(2 * time.Minute)}, []string{"voip"}},
		{store.AppTrafficQuery{Limit: 1}, []string{"web"}},
		{store.AppTrafficQuery{Site: "c"}, nil},
	} {
		got := must(s.ApplicationTraffic(ctx, "corp", c.q))(t)
		var names []string
		for _, a := range got {
			names = append(names, a.Application)
		}
		if strings.Join(names, ",") != strings.Join(c.want, ",") {
			t.Errorf("ApplicationTraffic(%+v) = %v, want %v", c.q, names, c.want)
		}
	}
	if got := must(s.ApplicationTraffic(ctx, "corp", store.AppTrafficQuery{Since: epoch.Add(time.Minute), Until: epoch.Add(2 * time.Minute)}))(t); got[0].BytesTx != 100 || got[1].BytesTx != 7 {
		t.Errorf("one minute's traffic %+v", got)
	}
	_, err := s.ApplicationTraffic(ctx, "nope", store.AppTrafficQuery{})
	wantErr(t, err, store.ErrNotFound, "")
}
