package agent

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// allBatches is every batch the test controller received, in order.
func allBatches(ctl *testController) []*pb.Telemetry {
	return slices.Concat(ctl.reports()...)
}

// A token on Urgent sends a batch at once, from UrgentTelemetry, in the
// same numbering as the periodic ones: with an interval of an hour the
// controller has the path's DOWN within milliseconds.
func TestUrgentBatchSentAtOnce(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TelemetryInterval = time.Hour
	urgent := make(chan struct{}, 1)
	var state atomic.Int32
	state.Store(int32(pb.PathState_PATH_STATE_UP))
	opts.Urgent = urgent
	opts.Telemetry = func() *pb.Telemetry { t.Error("a periodic batch was taken"); return nil }
	opts.UrgentTelemetry = func() *pb.Telemetry {
		return &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "branch-1/fibre->hq/fibre", State: pb.PathState(state.Load())}}}
	}
	run(t, newAgent(t, opts))
	eventually(t, "the report stream", func() bool { return len(ctl.reports()) == 1 })

	for i, st := range []pb.PathState{pb.PathState_PATH_STATE_DOWN, pb.PathState_PATH_STATE_UP} {
		time.Sleep(MinUrgentInterval) // not held: the interval since the last urgent batch has passed
		state.Store(int32(st))
		sent := time.Now()
		urgent <- struct{}{}
		eventually(t, "the urgent batch", func() bool { return len(allBatches(ctl)) == i+1 })
		t.Logf("path %v reached the controller %v after the change", st, time.Since(sent))
		b := allBatches(ctl)[i]
		if b.GetSequence() != uint64(i+1) || b.GetPathSamples()[0].GetState() != st || b.GetSentAt() == nil {
			t.Fatalf("urgent batch %d: %v", i, b)
		}
	}
}

// Urgent requests closer than MinUrgentInterval are coalesced: a burst
// of them gives one batch at once and one when the interval ends, and
// urgent batches are never closer than the interval.
func TestUrgentBatchesCoalesced(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TelemetryInterval = time.Hour
	urgent := make(chan struct{}, 1)
	opts.Urgent = urgent
	opts.Telemetry = func() *pb.Telemetry {
		return &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "branch-1/fibre->hq/fibre"}}}
	}
	run(t, newAgent(t, opts))
	eventually(t, "the report stream", func() bool { return len(ctl.reports()) == 1 })
	for range 1000 {
		select {
		case urgent <- struct{}{}:
		default:
		}
	}
	eventually(t, "two batches", func() bool { return len(allBatches(ctl)) >= 2 })
	time.Sleep(3 * MinUrgentInterval)
	b := allBatches(ctl)
	if len(b) > 3 {
		t.Fatalf("%d batches for one burst of requests", len(b))
	}
	for i := 1; i < len(b); i++ {
		if gap := b[i].GetSentAt().AsTime().Sub(b[i-1].GetSentAt().AsTime()); gap < MinUrgentInterval || b[i].GetSequence() != b[i-1].GetSequence()+1 {
			t.Fatalf("batch %d: %v after the last (sequence %d after %d)", i, gap, b[i].GetSequence(), b[i-1].GetSequence())
		}
	}
}
