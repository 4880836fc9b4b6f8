package agent

import (
	"bytes"
	"strings"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// Batches are numbered from 1 with the boot's id and the revision in
// force, sent every interval, kept until acknowledged and sent again,
// in order, on the next stream; acknowledged ones are not.
func TestTelemetryAckedAndResent(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TelemetryInterval = 10 * time.Millisecond
	opts.Telemetry = func() *pb.Telemetry {
		return &pb.Telemetry{PathSamples: []*pb.PathSample{{PathId: "branch-1/fibre->hq/fibre", LatencyMs: 12}}}
	}
	a := newAgent(t, opts)
	ctl.push(siteConfig(5))
	ctl.setNoAck(true)
	run(t, a)
	e.next(t)

	// Stream 0: nothing acknowledged.
	eventually(t, "5 batches on the first stream", func() bool { return len(ctl.reports()) == 1 && len(ctl.reports()[0]) >= 5 })
	ctl.stop()
	ctl.setNoAck(false)
	ctl.start()
	// Stream 1: everything again from 1, then acknowledged.
	eventually(t, "a second stream with 5 new batches", func() bool {
		r := ctl.reports()
		return len(r) == 2 && len(r[1]) >= len(r[0])+5
	})
	ctl.stop()
	ctl.start()
	eventually(t, "a third stream", func() bool { r := ctl.reports(); return len(r) == 3 && len(r[2]) >= 2 })

	r := ctl.reports()
	first := r[0][0]
	if len(first.GetBootId()) != 16 || first.GetSequence() != 1 || first.GetPathSamples()[0].GetLatencyMs() != 12 || first.GetSentAt() == nil {
		t.Fatalf("first batch: %v", first)
	}
	for i, s := range r {
		for j, b := range s {
			if !bytes.Equal(b.GetBootId(), first.GetBootId()) {
				t.Fatalf("stream %d batch %d: another boot_id", i, j)
			}
			if j > 0 && b.GetSequence() != s[j-1].GetSequence()+1 {
				t.Fatalf("stream %d: sequence %d after %d", i, b.GetSequence(), s[j-1].GetSequence())
			}
		}
	}
	if got := r[1][0].GetSequence(); got != 1 {
		t.Fatalf("the second stream starts at %d: unacknowledged batches must be sent again", got)
	}
	// The third stream starts where the second's acknowledgements ended:
	// not at 1, and with no gap.
	if got, last := r[2][0].GetSequence(), r[1][len(r[1])-1].GetSequence(); got == 1 || got > last+1 {
		t.Fatalf("the third stream starts at %d after %d on the second", got, last)
	}
	if last := r[2][len(r[2])-1]; last.GetConfigRevision() != 5 {
		t.Fatalf("config_revision %d, want 5", last.GetConfigRevision())
	}
}

// The buffer keeps the newest batches within its bound; an
// acknowledgement of another boot changes nothing.
func TestReporterBoundAndAck(t *testing.T) {
	r, err := newReporter(3)
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for range 5 {
		dropped += r.add(&pb.Telemetry{})
	}
	seqs := func() (s []uint64) {
		for _, b := range r.after(0) {
			s = append(s, b.GetSequence())
		}
		return s
	}
	if got := seqs(); dropped != 2 || len(got) != 3 || got[0] != 3 || got[2] != 5 {
		t.Fatalf("after 5 batches in 3 places: %v, %d dropped", got, dropped)
	}
	r.ack(&pb.ReportAck{BootId: make([]byte, 16), AckedSequence: 4})
	if got := seqs(); len(got) != 3 {
		t.Fatalf("an ack of another boot dropped batches: %v", got)
	}
	r.ack(&pb.ReportAck{BootId: r.bootID, AckedSequence: 4})
	if got := seqs(); len(got) != 1 || got[0] != 5 {
		t.Fatalf("after ack 4: %v", got)
	}
	if got := r.after(5); len(got) != 0 {
		t.Fatalf("after(5): %v", got)
	}
}

// A batch the controller refuses as invalid is dropped, not sent again
// forever; the batches after it go on.
func TestTelemetryRefusedBatchDropped(t *testing.T) {
	ctl, dir := enrolled(t)
	e := newEdge()
	opts := e.options(ctl, dir, "")
	opts.TelemetryInterval = 10 * time.Millisecond
	opts.Telemetry = func() *pb.Telemetry { return &pb.Telemetry{} }
	ctl.mu.Lock()
	ctl.refuseSeq = 3
	ctl.mu.Unlock()
	run(t, newAgent(t, opts))
	eventually(t, "batch 10 stored", func() bool {
		for _, s := range ctl.reports() {
			for _, b := range s {
				if b.GetSequence() == 10 {
					return true
				}
			}
		}
		return false
	})
	r := ctl.reports()
	if len(r) != 2 || r[0][len(r[0])-1].GetSequence() != 3 || r[1][0].GetSequence() != 4 {
		t.Fatalf("streams: %d; the first must end at 3, the second start at 4", len(r))
	}
	if !strings.Contains(e.logs.String(), `"msg":"the controller refused a telemetry batch; dropped","site":"branch-1","sequence":3`) {
		t.Fatalf("the drop is not logged:\n%s", e.logs)
	}
}
