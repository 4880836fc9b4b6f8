package steer

import (
	"testing"
	"time"
)

// TestDemand: a site is idle until a flow of one of its policies is
// looked up; a bulk flow makes it active, a voice flow (an SLA class
// with a jitter limit) real-time; FlowIdle after the last packet it is
// idle again. Other sites are not affected.
func TestDemand(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls", "s3")
	h.advance(DefaultHoldDown)
	want := func(site uint16, d Demand) {
		t.Helper()
		if got := h.e.Demand(site); got != d {
			t.Fatalf("site %d: demand %v, want %v", site, got, d)
		}
	}
	want(2, DemandIdle)
	if _, ok := h.e.Lookup(2, h.class("bulk"), 7); !ok {
		t.Fatal("no path for bulk")
	}
	want(2, DemandActive)
	want(3, DemandIdle)
	h.advance(10 * time.Second)
	h.e.Lookup(2, h.class("voice"), 9)
	want(2, DemandRealtime)
	h.advance(DefaultFlowIdle + 2*time.Second)
	want(2, DemandIdle)
	want(99, DemandIdle) // no such site
}

// TestDemandTouch: a packet steering did not route (a pinned flow)
// counts for its site's demand by its policy, moves no bucket (no flow
// for steering's decisions to count) and takes no allocation; an
// unknown site or policy is ignored.
func TestDemandTouch(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up("inet", "lte", "mpls", "s3")
	h.advance(DefaultHoldDown)
	h.e.Touch(2, h.class("voice"))
	h.e.Touch(99, 0)
	h.e.Touch(2, -1)
	if got := h.e.Demand(2); got != DemandRealtime {
		t.Fatalf("after a pinned voice packet: demand %v, want realtime", got)
	}
	if got := h.e.Demand(3); got != DemandIdle {
		t.Errorf("site 3: demand %v, want idle", got)
	}
	for _, ps := range h.e.Paths(h.now) {
		if ps.ActiveFlows != 0 {
			t.Errorf("path %s: %d active flow buckets after Touch, want 0", ps.ID, ps.ActiveFlows)
		}
	}
	if a := testing.AllocsPerRun(100, func() { h.e.Touch(2, h.class("voice")) }); a != 0 {
		t.Errorf("Touch allocates %v times", a)
	}
	h.advance(DefaultFlowIdle + 2*time.Second)
	if got := h.e.Demand(2); got != DemandIdle {
		t.Errorf("after the flow idle time: demand %v, want idle", got)
	}
}

// TestDemandString: the names in logs and status.
func TestDemandString(t *testing.T) {
	for d, want := range map[Demand]string{DemandIdle: "idle", DemandActive: "active", DemandRealtime: "realtime", 9: "unknown"} {
		if d.String() != want {
			t.Errorf("%d: %q, want %q", d, d.String(), want)
		}
	}
}
