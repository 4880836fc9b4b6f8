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

// TestCurrentFlows: the first call starts a window; at its end each
// path's flows come with the window's traffic (not their totals), the
// busiest first and at most MaxCurrentFlowsPerPath, with how many there
// were; a flow without traffic in the window is left out, and a window
// without traffic gives an empty set.
func TestCurrentFlows(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	b := NewTelemetryBuilder()
	b.CurrentFlowsWindow = 10 * time.Second
	flow := func(i int, path string, tx, rx uint64) localapi.FlowStatus {
		return localapi.FlowStatus{Src: "10.1.0.2", Dst: "10.2.0.2", SrcPort: uint16(40000 + i), DstPort: 873, Proto: 6,
			App: "rsync", Class: "bulk", Policy: "default", Path: path, Started: t0,
			TxBytes: tx, RxBytes: rx, TxPackets: tx / 100, RxPackets: rx / 100}
	}
	var list []localapi.FlowStatus
	for i := range 30 {
		list = append(list, flow(i, "a/inet->b/inet", 1000, 100))
	}
	list = append(list, flow(99, "a/lte->b/inet", 500, 0))
	flows := func() []localapi.FlowStatus { return list }
	if cf := b.CurrentFlows(t0, flows); cf != nil {
		t.Fatalf("first call %v, want the window started", cf)
	}
	for i := range list {
		list[i].TxBytes += uint64(i) * 100 // flow i sent i×100 bytes in the window
		list[i].TxPackets += uint64(i)
	}
	list[30].TxBytes = 500 // the lte flow: nothing
	if cf := b.CurrentFlows(t0.Add(9*time.Second), flows); cf != nil {
		t.Fatalf("within the window %v", cf)
	}
	cf := b.CurrentFlows(t0.Add(10*time.Second), flows)
	if cf == nil || !cf.WindowStart.AsTime().Equal(t0) || len(cf.Paths) != 1 {
		t.Fatalf("window %v", cf)
	}
	p := cf.Paths[0]
	if p.PathId != "a/inet->b/inet" || p.TotalFlows != 29 || len(p.Flows) != MaxCurrentFlowsPerPath {
		t.Fatalf("path %s: %d of %d flows", p.PathId, len(p.Flows), p.TotalFlows)
	}
	top := p.Flows[0]
	if top.SrcPort != 40029 || top.TxBytes != 2900 || top.TxPackets != 29 || top.RxBytes != 0 || top.Application != "rsync" ||
		top.Class != "bulk" || top.Policy != "default" || top.Protocol != 6 || top.DstPort != 873 || !top.Started.AsTime().Equal(t0) {
		t.Fatalf("busiest flow %v", top)
	}
	if last := p.Flows[MaxCurrentFlowsPerPath-1]; last.TxBytes != 1000 {
		t.Fatalf("20th flow sent %d bytes, want 1000", last.TxBytes)
	}
	if cf := b.CurrentFlows(t0.Add(20*time.Second), flows); cf == nil || len(cf.Paths) != 0 {
		t.Fatalf("a quiet window %v, want an empty set", cf)
	}
}
