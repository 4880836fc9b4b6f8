package main

import (
	"errors"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// batch is a telemetry batch of an edge with nPaths paths, all UP.
func batch(site string, nPaths int) *pb.Telemetry {
	t := &pb.Telemetry{}
	for _, p := range rig.PathIDs(site, nPaths) {
		t.PathSamples = append(t.PathSamples, &pb.PathSample{PathId: p, State: pb.PathState_PATH_STATE_UP, BfdState: pb.BfdState_BFD_STATE_UP, MetricsValid: true})
	}
	return t
}

func newTestLog(n int, every time.Duration) (*flipLog, []string) {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = rig.PathIDs(rig.SiteName(i), 4)[0]
	}
	w := &rig.Window{}
	w.Open()
	l := newFlipLog(paths, every)
	l.measure(w)
	return l, paths
}

func TestHookFlipsOnSchedule(t *testing.T) {
	l, _ := newTestLog(4, 4*time.Second)
	hooks := []rig.BatchHook{l.hookFor(0), l.hookFor(2)}
	var states [2][]pb.PathState
	for k := range 9 { // batches at 0, 1, …, 8 s
		for h, i := range []int{0, 2} {
			b := batch(rig.SiteName(i), 4)
			hooks[h](b, t0.Add(time.Duration(k)*time.Second))
			states[h] = append(states[h], b.PathSamples[0].State)
			if b.PathSamples[1].State != pb.PathState_PATH_STATE_UP {
				t.Fatal("a path that does not flip changed")
			}
			if down := b.PathSamples[0].State == pb.PathState_PATH_STATE_DOWN; down && (b.PathSamples[0].BfdState != pb.BfdState_BFD_STATE_DOWN || b.PathSamples[0].MetricsValid) {
				t.Fatalf("a DOWN sample with BFD %v, metrics valid %v", b.PathSamples[0].BfdState, b.PathSamples[0].MetricsValid)
			}
		}
	}
	D, U := pb.PathState_PATH_STATE_DOWN, pb.PathState_PATH_STATE_UP
	// Edge 0 flips at its first batch and every 4 s; edge 2 of 4 half a
	// period later.
	want := [2][]pb.PathState{{D, D, D, D, U, U, U, U, D}, {U, U, D, D, D, D, U, U, U}}
	for h := range want {
		for k := range want[h] {
			if states[h][k] != want[h][k] {
				t.Fatalf("edge %d: states %v, want %v", []int{0, 2}[h], states[h], want[h])
			}
		}
	}
	e := &l.edges[2]
	if len(e.flips) != 2 || e.flips[0].state != stateDown || !e.flips[0].sentAt.Equal(t0.Add(2*time.Second)) ||
		e.flips[1].state != stateUp || !e.flips[1].sentAt.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("edge 2's flips: %+v %+v", e.flips[0], e.flips[1])
	}
}

func TestReceiverMatchesFlips(t *testing.T) {
	l, paths := newTestLog(2, 10*time.Second)
	w := l.window.Load()
	a, b := newReceiver(l, w), newReceiver(l, w) // subscribed before the flips
	l.record(0, stateDown, t0)
	l.record(0, stateUp, t0.Add(10*time.Second))
	l.record(0, stateDown, t0.Add(20*time.Second))
	ms := time.Millisecond

	a.receive(paths[0], stateUp, t0.Add(-ms))           // a report before any flip: a repeat
	a.receive(paths[0], stateDown, t0.Add(30*ms))       // flip 0 after 30 ms
	a.receive(paths[0], stateDown, t0.Add(time.Second)) // the next report, unchanged
	a.receive("e0001/lte->hq/inet", stateUp, t0)        // a path that does not flip
	a.receive(paths[0], stateUp, t0.Add(10*time.Second+20*ms))
	a.receive(paths[0], stateDown, t0.Add(20*time.Second+10*ms))

	b.receive(paths[0], stateDown, t0.Add(50*ms))                // flip 0 after 50 ms
	b.receive(paths[0], stateDown, t0.Add(20*time.Second+90*ms)) // flip 1 (UP) missed: a repeat of DOWN
	b.receive(paths[1], stateDown, t0)                           // edge 1 never flipped: unmatched

	if a.repeats != 2 || a.other != 1 || a.unmatched != 0 || len(a.delays) != 3 {
		t.Fatalf("a: repeats %d, other %d, unmatched %d, delays %v", a.repeats, a.other, a.unmatched, a.delays)
	}
	if b.repeats != 1 || b.unmatched != 1 || len(b.delays) != 1 || b.delays[0] != 50*ms {
		t.Fatalf("b: repeats %d, unmatched %d, delays %v", b.repeats, b.unmatched, b.delays)
	}
	subs := []*subscriber{{edge: -1, recv: a}, {edge: -1, recv: b, err: errors.New("closed by the server"), end: t0.Add(-time.Second)}}
	r := subResult{windowStart: t0}
	tally(&r, l.windowFlips(w), subs, 2)
	if r.StateChanges != 3 || r.Expected != 6 || r.Delivered != 4 || r.Lost != 2 || r.ToAll != 1 || r.ToNone != 0 {
		t.Fatalf("tally: %+v", r)
	}
	// Flip 0 reached both, the last after 50 ms.
	if r.ToLast.N != 1 || r.ToLast.MaxMS != 50 || r.ToEach.N != 4 || r.ToEach.MaxMS != 50 {
		t.Fatalf("delays: to last %+v, to each %+v", r.ToLast, r.ToEach)
	}
	if r.GoalMet || r.SubsEnded != 1 || r.EndedBefore != 1 || r.EndSample != "closed by the server" {
		t.Fatalf("goal met %v with %d lost; ended %d %q", r.GoalMet, r.Lost, r.SubsEnded, r.EndSample)
	}
}

func TestFlipsOutsideTheWindow(t *testing.T) {
	l, paths := newTestLog(1, time.Second)
	w := l.window.Load()
	a := newReceiver(l, w)
	w.Close()
	l.record(0, stateDown, t0)
	a.receive(paths[0], stateDown, t0.Add(time.Millisecond))
	if len(a.delays) != 0 || len(l.windowFlips(w)) != 0 || l.edges[0].flips[0].received.Load() != 1 {
		t.Fatal("a flip sent after the window must be matched but not measured")
	}
	// The next measurement's window has its own flips.
	w2 := &rig.Window{}
	l.measure(w2)
	b := newReceiver(l, w2)
	w2.Open()
	l.record(0, stateUp, t0.Add(time.Second))
	b.receive(paths[0], stateUp, t0.Add(time.Second+time.Millisecond))
	if got := l.windowFlips(w2); len(got) != 1 || got[0].state != stateUp || len(b.delays) != 1 || len(l.windowFlips(w)) != 0 {
		t.Fatalf("the second window's flips: %d, delays %v", len(got), b.delays)
	}
}

func TestReceiverJoinsMidStream(t *testing.T) {
	l, paths := newTestLog(1, time.Second)
	w := l.window.Load()
	l.record(0, stateDown, t0)
	l.record(0, stateUp, t0.Add(time.Second))
	l.record(0, stateDown, t0.Add(2*time.Second))
	r := newReceiver(l, w) // subscribes while the path is DOWN
	r.receive(paths[0], stateDown, t0.Add(2500*time.Millisecond))
	if r.repeats != 1 || len(r.delays) != 0 {
		t.Fatalf("the path's current state, reported again, taken as a flip: repeats %d, delays %v", r.repeats, r.delays)
	}
	l.record(0, stateUp, t0.Add(3*time.Second))
	r.receive(paths[0], stateUp, t0.Add(3*time.Second+40*time.Millisecond))
	if len(r.delays) != 1 || r.delays[0] != 40*time.Millisecond || l.edges[0].flips[3].received.Load() != 1 {
		t.Fatalf("the first flip after subscribing: delays %v", r.delays)
	}
}

func TestBySiteAudience(t *testing.T) {
	q, vars, edge := bySite{edges: 7}.request(9)
	if q != sitePathEventsSubscription || vars["site"] != rig.SiteName(2) || edge != 2 {
		t.Fatalf("subscriber 9 of 7 sites: %s %v %d", q, vars, edge)
	}
	subs := []*subscriber{{edge: 0}, {edge: 1}, {edge: 0}, {edge: -1}}
	exp := expectation(subs, 3)
	if exp(0) != 3 || exp(1) != 2 || exp(2) != 1 {
		t.Fatalf("expected per edge: %d %d %d, want 3 2 1", exp(0), exp(1), exp(2))
	}
	// A flip is expected by its site's subscribers only.
	l, _ := newTestLog(3, time.Second)
	w := l.window.Load()
	subs = []*subscriber{{edge: 0, recv: newReceiver(l, w)}, {edge: 1, recv: newReceiver(l, w)}}
	l.record(0, stateDown, t0)
	l.record(2, stateDown, t0)
	l.edges[0].flips[0].received.Store(1)
	var r subResult
	tally(&r, l.windowFlips(w), subs, 3)
	if r.StateChanges != 2 || r.Expected != 1 || r.Delivered != 1 || r.Lost != 0 || r.ToAll != 1 {
		t.Fatalf("tally by site: %+v", r)
	}
}
