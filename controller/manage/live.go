package manage

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/alert"
	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxLivePaths bounds the path ends Live remembers; a path end beyond it
// is not remembered (its BFD state and score read as unknown).
const maxLivePaths = 1 << 17

// liveBuffer is Live's subscription buffer: about a second of path
// reports at 1,000 edges of 4 paths, so that a short wait for a CPU does
// not end the subscription (events lost are only a report missed: the
// next one, a second later, replaces it).
const liveBuffer = 4096

// LivePath is what the newest live report of a path said that the store's
// samples do not keep.
type LivePath struct {
	Site        string // the reporting site
	PathID      string // as the site reports it: "site/link->site/link"
	State       string // events.PathUp, PathDegraded, PathDown
	BFDState    string // "UP", "DOWN", "INIT", "ADMIN_DOWN"; "" unknown
	Score       float64
	Suppressed  bool
	ActiveFlows uint32
	Transport   string // "direct", "relayed"; "" unknown
	// MetricsValid: latency, jitter and loss in Point were measured.
	MetricsValid bool
	At           time.Time // the edge's time of the report
	Heard        time.Time // when this controller received the event
	// Point is the report as the store's raw sample keeps it (state,
	// latency, jitter, loss): a path query reads it here instead of
	// scanning the store.
	Point store.PathPoint
}

// Live remembers the newest live report of every path end
// (controller/events path events: an edge's BFD state and score, which
// the store's metric samples do not keep), so that a path query can show
// them and the alert rules can judge the fleet's current state
// (AppendPathReports). It learns only from events delivered while it
// runs: after a controller start a path's are unknown until its edge next
// reports (every second). Safe for concurrent use.
type Live struct {
	now        func() time.Time
	mu         sync.Mutex               // guards paths, flows and flowsSwept
	paths      map[livePathKey]LivePath // by network, store path name and reporting site
	flows      map[livePathKey]LiveFlows
	flowsSwept time.Time // the last dropStaleFlowsLocked sweep
}

type livePathKey struct{ network, path, site string }

// NewLive returns an empty Live.
func NewLive() *Live {
	return &Live{now: time.Now, paths: map[livePathKey]LivePath{}, flows: map[livePathKey]LiveFlows{}}
}

// Run feeds l from bus until ctx ends or the bus closes, subscribing again
// if the bus ends its subscription for falling behind.
func (l *Live) Run(ctx context.Context, bus *events.Bus) {
	for ctx.Err() == nil {
		sub := bus.Subscribe(ctx, events.Filter{Kinds: []events.Kind{events.KindPath, events.KindFlows}}, liveBuffer)
		for e := range sub.C {
			l.Observe(e)
		}
		if errors.Is(sub.Err(), events.ErrClosed) {
			return
		}
	}
}

// Observe remembers a path or flows event (others are ignored).
func (l *Live) Observe(e *events.Event) {
	if e.Kind == events.KindFlows {
		l.observeFlows(e)
		return
	}
	if e.Kind != events.KindPath || e.Path == nil {
		return
	}
	name, err := ParsePathID("", e.Path.PathID)
	if err != nil {
		return
	}
	k := livePathKey{e.Network, name, e.Site}
	p := e.Path
	v := LivePath{Site: e.Site, PathID: p.PathID, State: p.State, BFDState: p.BFDState, Score: p.Score, Suppressed: p.Suppressed,
		ActiveFlows: p.ActiveFlows, Transport: p.Transport, MetricsValid: p.MetricsValid, At: e.At, Heard: l.now(),
		Point: store.PathPoint{TS: e.At, State: storeStates[p.State], Samples: 1,
			Latency: msDur(p.LatencyMs), MaxLatency: msDur(p.LatencyMs), Jitter: msDur(p.JitterMs), LossPct: p.LossPct}}
	if v.Point.State == store.PathDown {
		v.Point.DownSamples = 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old, ok := l.paths[k]
	if !ok && len(l.paths) >= maxLivePaths || ok && old.At.After(v.At) {
		return
	}
	l.paths[k] = v
}

// storeStates maps the events' path states to the store's.
var storeStates = map[string]store.PathState{events.PathUp: store.PathUp, events.PathDegraded: store.PathDegraded, events.PathDown: store.PathDown}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// path returns the newest report of a path from either end, if one is
// younger than maxAge.
func (l *Live) path(network, name string, now time.Time, maxAge time.Duration) *LivePath {
	if l == nil {
		return nil
	}
	a, b := pathSites(name)
	l.mu.Lock()
	va, okA := l.paths[livePathKey{network, name, a}]
	vb, okB := l.paths[livePathKey{network, name, b}]
	l.mu.Unlock()
	v, ok := va, okA
	if okB && (!okA || vb.At.After(va.At)) {
		v, ok = vb, true
	}
	if !ok || now.Sub(v.At) > maxAge {
		return nil
	}
	return &v
}

// pathSites returns the sites of a store path name ("a/l1~b/l2").
func pathSites(name string) (a, b string) {
	left, right, _ := strings.Cut(name, "~")
	a, _, _ = strings.Cut(left, "/")
	b, _, _ = strings.Cut(right, "/")
	return a, b
}

// AppendPathReports appends the newest report of every path end to dst
// (alert.Fleet: the alert rules' periodic evaluation reads it).
func (l *Live) AppendPathReports(dst []alert.PathReport) []alert.PathReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range l.paths {
		dst = append(dst, alert.PathReport{Network: k.network, Site: v.Site, PathID: v.PathID, State: v.State,
			MetricsValid: v.MetricsValid, LatencyMs: float64(v.Point.Latency) / float64(time.Millisecond),
			JitterMs: float64(v.Point.Jitter) / float64(time.Millisecond), LossPct: v.Point.LossPct,
			BFDState: v.BFDState, At: v.At, Heard: v.Heard})
	}
	return dst
}
