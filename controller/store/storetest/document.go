package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// testPolicySet: the document is replaced whole, bumps the revision, is
// refused when not JSON, and expected_revision refuses a stale writer.
func testPolicySet(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("hq"))
	ps := must(s.PolicySet(ctx, "corp"))(t)
	if ps.Document != nil || ps.Revision != 2 || !ps.UpdatedAt.IsZero() {
		t.Fatalf("empty policy set %+v", ps)
	}
	put := must(s.PutPolicySet(ctx, "corp", []byte(`{"policies":[{"name":"a"}]}`), 0))(t)
	if put.Revision != 3 || !put.UpdatedAt.Equal(epoch) {
		t.Fatalf("put %+v, want revision 3", put)
	}
	got := must(s.PolicySet(ctx, "corp"))(t)
	if string(got.Document) != `{"policies":[{"name":"a"}]}` || got.Revision != 3 {
		t.Fatalf("read back %+v %s", got, got.Document)
	}
	_, err := s.PutPolicySet(ctx, "corp", []byte(`{"x":`), 0)
	wantErr(t, err, store.ErrInvalid, "document")
	_, err = s.PutPolicySet(ctx, "corp", []byte(`{}`), 2)
	wantErr(t, err, store.ErrStale, "expected_revision")
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != 3 {
		t.Fatalf("a refused put moved the revision to %d", r)
	}
	must(s.PutPolicySet(ctx, "corp", []byte(`{}`), 3))(t)
	_, err = s.PolicySet(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "")

	// Two writers expecting the same revision: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.PutPolicySet(ctx, "corp", []byte(`{"n":1}`), 4)
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("racing writers with one expected revision: %v, %v", errs[0], errs[1])
	}
}

// testTelemetryBatches: several sites' batches in one transaction are
// each stored once, as RecordTelemetry would, and one bad batch refuses
// the group.
func testTelemetryBatches(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	batch := func(site string, seq int64) store.NetworkTelemetry {
		return store.NetworkTelemetry{Network: "corp", Batch: store.TelemetryBatch{Site: site, BootID: "0011", Sequence: seq, SeenAt: epoch,
			Samples: []store.PathSample{{Path: testPath, TS: epoch, Latency: time.Millisecond, State: store.PathUp}}}}
	}
	got := must(s.RecordTelemetryBatches(ctx, []store.NetworkTelemetry{batch("a", 1), batch("b", 1), batch("a", 1), batch("a", 2)}))(t)
	if want := []bool{true, true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	samples := func() int {
		return len(must(s.PathMetrics(ctx, "corp", testPath, store.Raw, epoch, epoch.Add(time.Second)))(t))
	}
	if n := samples(); n != 3 {
		t.Fatalf("%d samples, want 3", n)
	}
	_, err := s.RecordTelemetryBatches(ctx, []store.NetworkTelemetry{batch("a", 3), batch("zz", 1)})
	wantErr(t, err, store.ErrNotFound, "")
	if n := samples(); n != 3 {
		t.Fatalf("a refused group stored something: %d samples, want 3", n)
	}
	if !must(s.RecordTelemetry(ctx, "corp", batch("a", 3).Batch))(t) {
		t.Fatal("the batch of the refused group is not stored alone")
	}
}

// testTelemetry: a batch is stored once per (site, boot, sequence), whole.
func testTelemetry(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	rev := must(s.Network(ctx, "corp"))(t).Revision
	b := store.TelemetryBatch{
		Site: "a", BootID: "0011", Sequence: 1, SeenAt: epoch,
		Samples: []store.PathSample{{Path: testPath, TS: epoch, Latency: time.Millisecond, State: store.PathUp}},
		Events:  []store.Event{{TS: epoch, Site: "a", Path: testPath, Kind: "path_state", Reason: "up"}},
		Flows:   []store.FlowSummary{{TS: epoch, Site: "a", Application: "web", Path: testPath, Flows: 1}},
		Counters: []store.PathCounters{{TS: epoch, Since: epoch.Add(-time.Hour), Site: "a", Path: testPath, TxBytes: 1 << 40, RxBytes: 2,
			TxPackets: 3, RxPackets: 4, CompressOffered: 5, Compressed: 6, CompressInBytes: 7, CompressOutBytes: 8, DecompressErrors: 9}},
	}
	if !must(s.RecordTelemetry(ctx, "corp", b))(t) {
		t.Fatal("first batch not stored")
	}
	if must(s.RecordTelemetry(ctx, "corp", b))(t) {
		t.Fatal("the same batch stored twice")
	}
	b.BootID = "0022" // a new boot starts again at 1
	if !must(s.RecordTelemetry(ctx, "corp", b))(t) {
		t.Fatal("batch of a new boot not stored")
	}
	b.Sequence = 3
	must(s.RecordTelemetry(ctx, "corp", b))(t)
	b.Sequence = 2 // older than the newest of this boot
	if must(s.RecordTelemetry(ctx, "corp", b))(t) {
		t.Fatal("an older sequence was stored")
	}
	if n := len(must(s.Events(ctx, "corp", store.EventQuery{}))(t)); n != 3 {
		t.Fatalf("%d events, want 3", n)
	}
	if n := len(must(s.PathMetrics(ctx, "corp", testPath, store.Raw, epoch, epoch.Add(time.Second)))(t)); n != 3 {
		t.Fatalf("%d samples, want 3", n)
	}
	cs := must(s.PathCounters(ctx, "corp", store.CounterQuery{Site: "a", Path: testPath}))(t)
	if len(cs) != 3 || cs[0] != b.Counters[0] {
		t.Fatalf("counters %+v, want 3 of %+v", cs, b.Counters[0])
	}
	if n := len(must(s.PathCounters(ctx, "corp", store.CounterQuery{Path: "other"}))(t)); n != 0 {
		t.Fatalf("%d counters of another path", n)
	}
	if st := must(s.Site(ctx, "corp", "a"))(t); !st.LastSeen.Equal(epoch) {
		t.Fatalf("last seen %v", st.LastSeen)
	}
	// A bad event refuses the whole batch; nothing of it is stored.
	b.Sequence = 4
	b.Events = append(b.Events, store.Event{Site: "a", Kind: "x"})
	_, err := s.RecordTelemetry(ctx, "corp", b)
	wantErr(t, err, store.ErrInvalid, "ts")
	_, err = s.RecordTelemetry(ctx, "corp", store.TelemetryBatch{Site: "a", BootID: "x", Sequence: 0})
	wantErr(t, err, store.ErrInvalid, "sequence")
	_, err = s.RecordTelemetry(ctx, "corp", store.TelemetryBatch{Site: "zz", BootID: "x", Sequence: 1})
	wantErr(t, err, store.ErrNotFound, "")
	if r := must(s.Network(ctx, "corp"))(t).Revision; r != rev {
		t.Fatalf("telemetry moved the revision %d → %d", rev, r)
	}
	// The rollups count each stored batch once, not each time it was sent.
	must(s.Maintain(ctx, store.Retention{}))(t)
	if m := must(s.PathMetrics(ctx, "corp", testPath, store.Minute, epoch, epoch.Add(time.Hour)))(t); len(m) != 1 || m[0].Samples != 3 {
		t.Fatalf("minute rollups %+v, want one bucket of the 3 stored batches' samples", m)
	}
	// Retention deletes old counters.
	e.clock.Advance(2 * time.Hour)
	must(s.Maintain(ctx, store.Retention{Counters: time.Hour}))(t)
	if n := len(must(s.PathCounters(ctx, "corp", store.CounterQuery{}))(t)); n != 0 {
		t.Fatalf("%d counters left after their retention", n)
	}
}
