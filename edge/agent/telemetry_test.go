package agent

import (
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/edge/steer"
)

// TestTelemetryBuilder: a batch carries every path and the events not
// sent yet; a path whose counters went back (restarted) starts a new
// counting period; an urgent batch carries only the paths whose states
// changed since, and nothing when none did.
func TestTelemetryBuilder(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	lat := 12.5
	b := NewTelemetryBuilder()
	st := localapi.Status{Paths: []localapi.PathStatus{
		{ID: "a", State: "up", BFDState: "up", TxPackets: 10, LatencyMS: &lat, JitterMS: &lat, LossPct: &lat},
		{ID: "b", State: "down", BFDState: "down"},
	}, Events: []steer.Event{{Time: t0, PathID: "a", Kind: steer.Decision, From: "b", To: "a,c"}}}
	tel := b.Batch(st, t0)
	if len(tel.PathSamples) != 2 || len(tel.PathCounters) != 2 || len(tel.SteeringEvents) != 1 ||
		!tel.PathSamples[0].MetricsValid || tel.PathSamples[1].State != pb.PathState_PATH_STATE_DOWN ||
		len(tel.SteeringEvents[0].ToPathIds) != 2 {
		t.Fatalf("first batch %v", tel)
	}
	st.Paths[0].TxPackets = 3 // restarted
	tel = b.Batch(st, t0.Add(time.Minute))
	if len(tel.SteeringEvents) != 0 || !tel.PathCounters[0].CountersSince.AsTime().Equal(t0.Add(time.Minute)) ||
		!tel.PathCounters[1].CountersSince.AsTime().Equal(t0) {
		t.Fatalf("second batch %v", tel)
	}
	if u := b.Urgent(st.Paths, st.Events, t0.Add(time.Minute)); u != nil {
		t.Fatalf("urgent batch without a change: %v", u)
	}
	st.Paths[1].State, st.Paths[1].BFDState = "up", "up"
	u := b.Urgent(st.Paths, st.Events, t0.Add(time.Minute))
	if u == nil || len(u.PathSamples) != 1 || u.PathSamples[0].PathId != "b" {
		t.Fatalf("urgent batch %v", u)
	}
}

// TestFlowSummaries: the first call starts a window (what was sent before
// is dropped); a window's traffic goes out once FlowWindow has passed,
// with its start, and not before.
func TestFlowSummaries(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	b := NewTelemetryBuilder()
	b.FlowWindow = 10 * time.Second
	takes := 0
	traffic := []localapi.AppTraffic{{App: "web", Path: "a/inet->b/inet", Flows: 2, TxBytes: 1500, RxBytes: 9000}}
	take := func() []localapi.AppTraffic { takes++; return traffic }
	if fs := b.FlowSummaries(t0, take); fs != nil || takes != 1 {
		t.Fatalf("first call %v (%d takes), want the window started", fs, takes)
	}
	if fs := b.FlowSummaries(t0.Add(9*time.Second), take); fs != nil || takes != 1 {
		t.Fatalf("within the window %v (%d takes)", fs, takes)
	}
	fs := b.FlowSummaries(t0.Add(10*time.Second), take)
	if len(fs) != 1 || !fs[0].WindowStart.AsTime().Equal(t0) || fs[0].Application != "web" ||
		fs[0].PathId != "a/inet->b/inet" || fs[0].Flows != 2 || fs[0].TxBytes != 1500 || fs[0].RxBytes != 9000 {
		t.Fatalf("window %v", fs)
	}
	traffic = nil
	if fs := b.FlowSummaries(t0.Add(20*time.Second), take); fs != nil || takes != 3 {
		t.Fatalf("an empty window %v (%d takes)", fs, takes)
	}
}
