package server

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
)

// FuzzTelemetryBatch decodes arbitrary bytes as a telemetry batch from
// site "a" and validates it: it never panics, and what it accepts names
// only a's paths with timestamps within the clamp.
func FuzzTelemetryBatch(f *testing.F) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	seed := &pb.Telemetry{BootId: []byte("boot"), Sequence: 1,
		PathSamples:    []*pb.PathSample{{PathId: "a/inet->b/lte", State: pb.PathState_PATH_STATE_UP, MeasuredAt: timestamppb.New(now)}},
		SteeringEvents: []*pb.SteeringEvent{{Kind: pb.SteeringEventKind_STEERING_EVENT_KIND_DECISION, PathId: "a/inet->b/lte", Reason: "r", FromPathIds: []string{"a/inet->b/lte"}}},
		FlowSummaries:  []*pb.FlowSummary{{PathId: "a/inet->b/lte", Application: "web", Flows: 1}},
		PathCounters:   []*pb.PathCounters{{PathId: "a/inet->b/lte", TxBytes: 1}},
	}
	raw, err := proto.Marshal(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var tel pb.Telemetry
		if proto.Unmarshal(raw, &tel) != nil {
			return
		}
		b, err := telemetryBatch("a", &tel, now)
		if err != nil {
			return
		}
		lo, hi := now.Add(-maxTelemetryAge), now.Add(maxTelemetryLead)
		for _, s := range b.Samples {
			if !strings.HasPrefix(s.Path, "a/") && !strings.Contains(s.Path, "~a/") {
				t.Fatalf("accepted another site's path %q", s.Path)
			}
			if s.TS.Before(lo) || s.TS.After(hi) {
				t.Fatalf("timestamp %v not clamped", s.TS)
			}
		}
		for _, e := range b.Events {
			if len(e.Reason) > 4*maxReasonLen || e.TS.Before(lo) || e.TS.After(hi) {
				t.Fatalf("event %+v past the bounds", e)
			}
		}
	})
}
