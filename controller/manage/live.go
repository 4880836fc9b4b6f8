package manage

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/controller/events"
	"github.com/patronus-sdwan/patronus/controller/store"
)

// maxLivePaths bounds the paths Live remembers; a path beyond it is not
// remembered (its BFD state and score read as unknown).
const maxLivePaths = 1 << 16

// LivePath is what the newest live report of a path said that the store's
// samples do not keep.
type LivePath struct {
	Site        string // the reporting site
	BFDState    string // "UP", "DOWN", "INIT", "ADMIN_DOWN"; "" unknown
	Score       float64
	Suppressed  bool
	ActiveFlows uint32
	Transport   string // "direct", "relayed"; "" unknown
	At          time.Time
	// Point is the report as the store's raw sample keeps it (state,
	// latency, jitter, loss): a path query reads it here instead of
	// scanning the store.
	Point store.PathPoint
}

// Live remembers the newest live report of every path (controller/events
// path events: an edge's BFD state and score, which the store's metric
// samples do not keep), so that a path query can show them. It learns
// only from events delivered while it runs: after a controller start a
// path's are unknown until its edge next reports (every second). Safe for
// concurrent use.
type Live struct {
	mu    sync.Mutex               // guards paths
	paths map[livePathKey]LivePath // by network and store path name
}

type livePathKey struct{ network, path string }

// NewLive returns an empty Live.
func NewLive() *Live { return &Live{paths: map[livePathKey]LivePath{}} }

// Run feeds l from bus until ctx ends or the bus closes, subscribing again
// if the bus ends its subscription for falling behind.
func (l *Live) Run(ctx context.Context, bus *events.Bus) {
	for ctx.Err() == nil {
		sub := bus.Subscribe(ctx, events.Filter{Kinds: []events.Kind{events.KindPath}}, 0)
		for e := range sub.C {
			l.Observe(e)
		}
		if errors.Is(sub.Err(), events.ErrClosed) {
			return
		}
	}
}

// Observe remembers a path event (others are ignored).
func (l *Live) Observe(e *events.Event) {
	if e.Kind != events.KindPath || e.Path == nil {
		return
	}
	name, err := ParsePathID("", e.Path.PathID)
	if err != nil {
		return
	}
	k := livePathKey{e.Network, name}
	p := e.Path
	v := LivePath{Site: e.Site, BFDState: p.BFDState, Score: p.Score, Suppressed: p.Suppressed, ActiveFlows: p.ActiveFlows, Transport: p.Transport, At: e.At,
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

// path returns the newest report of a path, if any is younger than maxAge.
func (l *Live) path(network, name string, now time.Time, maxAge time.Duration) *LivePath {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	v, ok := l.paths[livePathKey{network, name}]
	l.mu.Unlock()
	if !ok || now.Sub(v.At) > maxAge {
		return nil
	}
	return &v
}
