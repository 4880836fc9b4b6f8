package agent

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// reporter numbers telemetry batches and keeps them until the controller
// acknowledges them (docs/CONTROL_API.md, Telemetry): a batch is sent once per
// stream, and again on the next stream while unacknowledged.
type reporter struct {
	bootID []byte
	notify chan struct{} // capacity 1: a batch was added

	mu      sync.Mutex
	seq     uint64          // guarded by mu: the last sequence given
	pending []*pb.Telemetry // guarded by mu: unacknowledged, oldest first
	limit   int
}

func newReporter(limit int) (*reporter, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &reporter{bootID: id, notify: make(chan struct{}, 1), limit: limit}, nil
}

// add numbers t and queues it; it returns how many unacknowledged
// batches it dropped to stay within the limit.
func (r *reporter) add(t *pb.Telemetry) (dropped int) {
	r.mu.Lock()
	r.seq++
	t.BootId, t.Sequence = r.bootID, r.seq
	r.pending = append(r.pending, t)
	if over := len(r.pending) - r.limit; over > 0 {
		r.pending = append(r.pending[:0], r.pending[over:]...)
		dropped = over
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	return dropped
}

// ack forgets the batches an acknowledgement covers.
func (r *reporter) ack(a *pb.ReportAck) {
	if !bytes.Equal(a.GetBootId(), r.bootID) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i := 0
	for i < len(r.pending) && r.pending[i].GetSequence() <= a.GetAckedSequence() {
		i++
	}
	r.pending = append(r.pending[:0], r.pending[i:]...)
}

// dropFirst forgets the oldest pending batch and returns its sequence
// (0: none was pending).
func (r *reporter) dropFirst() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return 0
	}
	seq := r.pending[0].GetSequence()
	r.pending = append(r.pending[:0], r.pending[1:]...)
	return seq
}

// after returns the pending batches with a sequence above seq.
func (r *reporter) after(seq uint64) []*pb.Telemetry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*pb.Telemetry
	for _, t := range r.pending {
		if t.GetSequence() > seq {
			out = append(out, t)
		}
	}
	return out
}

// collectLoop takes a batch from Options.Telemetry every interval, and
// from Options.UrgentTelemetry when Options.Urgent asks, at most once per
// MinUrgentInterval: a request inside that interval is held until it
// ends, and the requests meanwhile are coalesced into it.
func (a *Agent) collectLoop(ctx context.Context) {
	tick := time.NewTicker(a.opts.TelemetryInterval)
	defer tick.Stop()
	urgentFn := a.opts.UrgentTelemetry
	if urgentFn == nil {
		urgentFn = a.opts.Telemetry
	}
	urgent := a.opts.Urgent
	var held <-chan time.Time // a held urgent request; urgent is nil meanwhile
	var lastUrgent time.Time
	dropping := false
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			dropping = a.collect(a.opts.Telemetry, now, dropping)
			continue
		case <-urgent:
			if wait := MinUrgentInterval - time.Since(lastUrgent); wait > 0 {
				urgent, held = nil, time.After(wait)
				continue
			}
		case <-held:
			urgent, held = a.opts.Urgent, nil
		}
		lastUrgent = time.Now()
		dropping = a.collect(urgentFn, lastUrgent, dropping)
	}
}

// collect queues a batch from fn, taken at now. dropping says whether the
// last batch dropped old ones (the warning is logged once per stretch of
// drops); collect returns it for this batch.
func (a *Agent) collect(fn func() *pb.Telemetry, now time.Time, dropping bool) bool {
	t := fn()
	if t == nil {
		return dropping
	}
	t.SentAt = timestamppb.New(now)
	t.ConfigRevision = a.Revision()
	a.traceSteering(t)
	n := a.rep.add(t)
	if n > 0 && !dropping {
		a.log.Warn("telemetry buffer full: the oldest unacknowledged batches are dropped until the controller acknowledges again",
			"buffer", a.opts.TelemetryBuffer)
	}
	return n > 0
}

// reportLoop keeps a Report stream open, reopening it with backoff.
func (a *Agent) reportLoop(ctx context.Context, cs *controllers) {
	retry := retrier{b: a.opts.Backoff}
	for i := 0; ; {
		progressed, err := a.reportOnce(ctx, cs.clients[i])
		if ctx.Err() != nil {
			return
		}
		if progressed {
			retry.reset()
		}
		if status.Code(err) == codes.InvalidArgument {
			// The controller stores and acknowledges batches in order, and
			// its acknowledgements were taken before the stream's end: the
			// batch it refused is the oldest pending one. Sending it
			// again would be refused again, forever.
			a.log.Error("the controller refused a telemetry batch; dropped", "sequence", a.rep.dropFirst(), "err", status.Convert(err).Message())
		}
		d := retry.next()
		a.logStreamEnd("telemetry stream", cs.addrs[i], err, d)
		i = cs.next(i, err)
		if !sleep(ctx, d) {
			return
		}
	}
}

// reportOnce runs one Report stream: it sends every pending batch, then
// each new one, while a goroutine takes the acknowledgements. It made
// progress if an acknowledgement came.
func (a *Agent) reportOnce(ctx context.Context, client pb.EdgeControlClient) (progressed bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.Report(sctx)
	if err != nil {
		return false, err
	}
	var acked atomic.Bool
	recvErr := make(chan error, 1)
	go func() {
		for {
			ack, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			acked.Store(true)
			a.rep.ack(ack)
		}
	}()
	if err = a.sendPending(sctx, stream, recvErr); err == nil {
		err = <-recvErr // the stream ended on its own: Recv says why
	} else {
		cancel()
		<-recvErr
	}
	return acked.Load(), err
}

// sendPending sends batches as they come until the stream ends (nil: its
// receiver has the reason) or ctx does. A failed Send means the stream
// is over; only Recv tells why.
func (a *Agent) sendPending(ctx context.Context, stream pb.EdgeControl_ReportClient, recvErr chan error) error {
	var sent uint64
	for {
		for _, t := range a.rep.after(sent) {
			if err := stream.Send(t); err != nil {
				return nil
			}
			sent = t.GetSequence()
		}
		select {
		case <-a.rep.notify:
		case err := <-recvErr:
			recvErr <- err // for reportOnce
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
