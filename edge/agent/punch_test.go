package agent

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// TestPunchAtIgnoresClockOffset: punch_at is read against the message's
// controller_time, so an edge whose clock is an hour off punches as far
// ahead of receiving the configuration as the controller said; a past or
// missing punch_at means at once, and a far one is capped.
func TestPunchAtIgnoresClockOffset(t *testing.T) {
	ctrl := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	edgeNow := ctrl.Add(-time.Hour) // the edge's clock is an hour behind
	msg := func(ahead time.Duration) (*pb.EdgeConfig, *pb.PeerLink) {
		return &pb.EdgeConfig{ControllerTime: timestamppb.New(ctrl)}, &pb.PeerLink{PunchAt: timestamppb.New(ctrl.Add(ahead))}
	}
	pc, l := msg(200 * time.Millisecond)
	if got := punchAt(pc, l, edgeNow); !got.Equal(edgeNow.Add(200 * time.Millisecond)) {
		t.Errorf("200 ms ahead: %v, want the edge's now + 200 ms", got.Sub(edgeNow))
	}
	pc, l = msg(-time.Second)
	if got := punchAt(pc, l, edgeNow); !got.IsZero() {
		t.Errorf("past punch_at: %v, want at once (zero)", got)
	}
	pc, l = msg(time.Hour)
	if got := punchAt(pc, l, edgeNow); got.Sub(edgeNow) != maxPunchWait {
		t.Errorf("an hour ahead: waits %v, want the cap %v", got.Sub(edgeNow), maxPunchWait)
	}
	if got := punchAt(&pb.EdgeConfig{}, l, edgeNow); !got.IsZero() {
		t.Errorf("no controller_time: %v, want at once", got)
	}
}
