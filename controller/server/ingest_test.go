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

// TestIngestGroupFallsBackOneByOne: a group the store refuses is stored
// batch by batch, so only the bad batch's stream gets the error.
func TestIngestGroupFallsBackOneByOne(t *testing.T) {
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
	mixed := []*ingestReq{req("a"), req("bad"), req("c")}
	in.write(mixed)
	for i, r := range mixed {
		if res := <-r.done; (res.err != nil) != (i == 1) || res.stored != (i != 1) {
			t.Fatalf("batch %d: %+v", i, res)
		}
	}
	if st.groups != 2 || st.singles != 3 {
		t.Fatalf("a refused group: %d group and %d single writes, want 2 and 3", st.groups, st.singles)
	}
}
