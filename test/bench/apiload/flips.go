package main

import (
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/test/bench/rig"
)

// The states a flipping path takes, as the API spells them.
const (
	stateUp   = "UP"
	stateDown = "DOWN"
)

// flip is one state change an edge sent.
type flip struct {
	edge     int // the index of the edge that sent it
	state    string
	sentAt   time.Time
	win      *rig.Window  // the measurement window it was sent in; nil: none
	received atomic.Int32 // subscribers that received it
	lastNS   atomic.Int64 // the latest receipt's delay from sentAt
}

// flipLog is every state change the edges sent: each edge flips its
// first path between UP and DOWN every `every`, and records the flip
// before the batch carrying it is sent, so that a subscriber can match
// what it receives (a path and a state) to the send time. It is the
// load generator's own record: nothing of it travels to the controller.
type flipLog struct {
	every  time.Duration
	window atomic.Pointer[rig.Window] // the current measurement: flips sent while it is open belong to it

	pathIndex map[string]int // flipping path id → edge index; read-only after newFlipLog
	edges     []edgeFlips
}

type edgeFlips struct {
	mu    sync.Mutex
	flips []*flip // guarded by mu: in send order, alternating DOWN, UP, …
}

// newFlipLog is the log of edges whose first paths are flipPaths.
func newFlipLog(flipPaths []string, every time.Duration) *flipLog {
	l := &flipLog{every: every, pathIndex: make(map[string]int, len(flipPaths)), edges: make([]edgeFlips, len(flipPaths))}
	for i, p := range flipPaths {
		l.pathIndex[p] = i
	}
	return l
}

// hookFor is edge i's BatchHook: at its first batch it schedules its
// first flip i/n of `every` later (the edges' flips are spread); from
// then on it flips the first path's state at each due batch, and sets
// the state (and, when DOWN, BFD down and no valid metrics) in every
// batch's sample of that path.
func (l *flipLog) hookFor(i int) rig.BatchHook {
	var next time.Time
	state := stateUp
	return func(t *pb.Telemetry, now time.Time) {
		if len(t.PathSamples) == 0 {
			return
		}
		if next.IsZero() {
			next = now.Add(l.every * time.Duration(i) / time.Duration(len(l.edges)))
		}
		if !now.Before(next) {
			if state == stateUp {
				state = stateDown
			} else {
				state = stateUp
			}
			l.record(i, state, now)
			for !now.Before(next) {
				next = next.Add(l.every)
			}
		}
		if state == stateDown {
			ps := t.PathSamples[0]
			ps.State, ps.BfdState, ps.MetricsValid, ps.Score = pb.PathState_PATH_STATE_DOWN, pb.BfdState_BFD_STATE_DOWN, false, 0
		}
	}
}

func (l *flipLog) record(i int, state string, at time.Time) {
	f := &flip{edge: i, state: state, sentAt: at}
	if w := l.window.Load(); w != nil && w.In() {
		f.win = w
	}
	e := &l.edges[i]
	e.mu.Lock()
	e.flips = append(e.flips, f)
	e.mu.Unlock()
}

// match is edge i's first flip to state at index from or later, and its
// index; nil when there is none (yet).
func (l *flipLog) match(i int, state string, from int) (*flip, int) {
	e := &l.edges[i]
	e.mu.Lock()
	defer e.mu.Unlock()
	for j := from; j < len(e.flips); j++ {
		if e.flips[j].state == state {
			return e.flips[j], j
		}
	}
	return nil, -1
}

// measure makes w the current measurement window.
func (l *flipLog) measure(w *rig.Window) { l.window.Store(w) }

// windowFlips are the flips sent in w.
func (l *flipLog) windowFlips(w *rig.Window) []*flip {
	var out []*flip
	for i := range l.edges {
		e := &l.edges[i]
		e.mu.Lock()
		for _, f := range e.flips {
			if f.win == w {
				out = append(out, f)
			}
		}
		e.mu.Unlock()
	}
	return out
}

// receiver is one subscriber's view of the flipping paths: the state it
// last saw of each, and the index of the next flip it expects. It is used
// by its subscriber's goroutine only.
type receiver struct {
	log    *flipLog
	win    *rig.Window // delays of flips sent in it are kept
	last   []string    // per edge: the flipping path's last state seen ("" = UP, as all start)
	next   []int32     // per edge: the next flip index
	delays []time.Duration

	repeats   int64 // a state equal to the last one seen (a report that changed nothing)
	unmatched int64 // a new state no flip sent
	other     int64 // events of paths that do not flip
}

// newReceiver starts from the flips sent so far: the next one it expects
// of an edge is the edge's next, and the state it starts from that of the
// edge's last flip (UP when none).
func newReceiver(l *flipLog, w *rig.Window) *receiver {
	r := &receiver{log: l, win: w, last: make([]string, len(l.edges)), next: make([]int32, len(l.edges))}
	for i := range l.edges {
		e := &l.edges[i]
		e.mu.Lock()
		if n := len(e.flips); n > 0 {
			r.next[i], r.last[i] = int32(n), e.flips[n-1].state
		}
		e.mu.Unlock()
	}
	return r
}

// receive takes a path event received at `at`: the first event of a
// path in a new state is the receipt of the flip that sent that state.
// Events of a path in the state already seen are repeats (the controller
// may send every report, not only changes); a flip skipped (the next
// received is a later one) is lost for this subscriber.
func (r *receiver) receive(pathID, state string, at time.Time) {
	i, ok := r.log.pathIndex[pathID]
	if !ok {
		r.other++
		return
	}
	last := r.last[i]
	if last == "" {
		last = stateUp
	}
	if state == last {
		r.repeats++
		return
	}
	r.last[i] = state
	f, j := r.log.match(i, state, int(r.next[i]))
	if f == nil {
		r.unmatched++
		return
	}
	r.next[i] = int32(j + 1)
	d := at.Sub(f.sentAt)
	f.received.Add(1)
	for {
		cur := f.lastNS.Load()
		if int64(d) <= cur || f.lastNS.CompareAndSwap(cur, int64(d)) {
			break
		}
	}
	if f.win != nil && f.win == r.win {
		r.delays = append(r.delays, d)
	}
}
