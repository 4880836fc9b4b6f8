package server

import (
	"context"
	"errors"
	"testing"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// groupStore refuses a group that holds site "bad" and stores batches
// alone otherwise.
type groupStore struct {
	store.Store
	groups, singles int
}

var errBad = errors.New("bad batch")

func (g *groupStore) RecordTelemetryBatches(_ context.Context, bs []store.NetworkTelemetry) ([]bool, error) {
	g.groups++
	for _, b := range bs {
		if b.Batch.Site == "bad" {
			return nil, errBad
		}
	}
	stored := make([]bool, len(bs))
	for i := range stored {
		stored[i] = true
	}
	return stored, nil
}

func (g *groupStore) RecordTelemetry(_ context.Context, _ string, b store.TelemetryBatch) (bool, error) {
	g.singles++
	if b.Site == "bad" {
		return false, errBad
	}
	return true, nil
}

// TestIngestGroupSplits: a group the store refuses is split in halves
// until the bad batch is alone, so only its stream gets the error, and one
// bad batch among 256 costs a few more transactions, not 256.
func TestIngestGroupSplits(t *testing.T) {
	st := &groupStore{}
	in := newIngester(context.Background(), st, nopObserver{})
	req := func(site string) *ingestReq {
		return &ingestReq{nt: store.NetworkTelemetry{Network: "n", Batch: store.TelemetryBatch{Site: site}}, done: make(chan ingestResult, 1)}
	}
	good := []*ingestReq{req("a"), req("b"), req("c")}
	in.write(good)
	for _, r := range good {
		if res := <-r.done; res.err != nil || !res.stored {
			t.Fatalf("%+v", res)
		}
	}
	if st.groups != 1 || st.singles != 0 {
		t.Fatalf("a good group: %d group and %d single writes, want 1 and 0", st.groups, st.singles)
	}
	st.groups = 0
	mixed := make([]*ingestReq, maxIngestGroup)
	for i := range mixed {
		mixed[i] = req("a")
	}
	const bad = 77
	mixed[bad] = req("bad")
	in.write(mixed)
	for i, r := range mixed {
		if res := <-r.done; (res.err != nil) != (i == bad) || res.stored != (i != bad) {
			t.Fatalf("batch %d: %+v", i, res)
		}
	}
	// 1 + 2 per level below the top (8 levels for 256): 17 transactions.
	if st.groups > 17 || st.singles != 0 {
		t.Fatalf("one bad batch among %d: %d group writes and %d single, want at most 17 and 0", maxIngestGroup, st.groups, st.singles)
	}
}
