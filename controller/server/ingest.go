package server

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxIngestGroup bounds how many telemetry batches one transaction
// stores.
const maxIngestGroup = 256

// ingester stores the Report streams' telemetry with group commit: every
// stream hands its batch to a writer goroutine, which stores all the
// batches waiting (up to maxIngestGroup) in one transaction and then
// answers each stream. There is one writer on SQLite, which serialises
// write transactions anyway, and as many as the store says it can run
// at once on PostgreSQL (store.ConcurrentWriters), where a writer spends
// most of its time waiting for round trips. A durable commit costs an
// fsync and a transaction's overhead on either engine: one commit per
// batch held 1,000 edges' telemetry to about 500 batches/s
// (docs/BENCHMARKS.md); one per group does not.
// A stream still gets its ack only after its batch is committed, and its
// batches stay in order (it waits for each before sending the next).
type ingester struct {
	st   store.Store
	obs  Observer
	ctx  context.Context // the server's: the writer stops with it
	reqs chan *ingestReq
}

type ingestReq struct {
	nt   store.NetworkTelemetry
	done chan ingestResult // capacity 1
}

// ingestResult is the store's answer for one batch: stored is false for
// a batch stored before (sent again after a lost ack).
type ingestResult struct {
	stored bool
	err    error
}

// ingestWriters is how many writers st is worth.
func ingestWriters(st store.Store) int {
	if cw, ok := st.(store.ConcurrentWriters); ok {
		return max(1, cw.ConcurrentWriters())
	}
	return 1
}

func newIngester(ctx context.Context, st store.Store, obs Observer) *ingester {
	return &ingester{st: st, obs: obs, ctx: ctx, reqs: make(chan *ingestReq)}
}

// record stores b and returns when it is committed (or refused); stored
// is false when the batch had been stored before.
func (in *ingester) record(ctx context.Context, network string, b store.TelemetryBatch) (stored bool, err error) {
	r := &ingestReq{nt: store.NetworkTelemetry{Network: network, Batch: b}, done: make(chan ingestResult, 1)}
	in.obs.IngestPending(1)
	defer in.obs.IngestPending(-1)
	select {
	case in.reqs <- r:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-in.ctx.Done():
		return false, in.ctx.Err()
	}
	select {
	case res := <-r.done:
		return res.stored, res.err
	case <-ctx.Done():
		return false, ctx.Err()
	case <-in.ctx.Done():
		return false, in.ctx.Err()
	}
}

// run is the writer: it takes a batch, adds every other one already
// waiting, and stores them together, until the server stops.
func (in *ingester) run() {
	group := make([]*ingestReq, 0, maxIngestGroup)
	for {
		select {
		case r := <-in.reqs:
			group = append(group[:0], r)
		case <-in.ctx.Done():
			return
		}
	more:
		for len(group) < maxIngestGroup {
			select {
			case r := <-in.reqs:
				group = append(group, r)
			default:
				break more
			}
		}
		in.write(group)
	}
}

// write stores a group in one transaction. If the store refuses it, the
// group is split in halves and each stored alone, recursively, so that
// only a bad batch's stream gets an error and one bad batch among n costs
// about 2·log2(n) more transactions, not n.
func (in *ingester) write(group []*ingestReq) {
	batches := make([]store.NetworkTelemetry, len(group))
	for i, r := range group {
		batches[i] = r.nt
	}
	start := time.Now()
	stored, err := in.st.RecordTelemetryBatches(in.ctx, batches)
	timed(in.obs, OpRecordTelemetry, start, err)
	in.obs.IngestGroup(len(group), time.Since(start))
	if err == nil || len(group) == 1 || in.ctx.Err() != nil {
		for i, r := range group {
			r.done <- ingestResult{stored: err == nil && i < len(stored) && stored[i], err: err}
		}
		return
	}
	half := len(group) / 2
	in.write(group[:half])
	in.write(group[half:])
}
