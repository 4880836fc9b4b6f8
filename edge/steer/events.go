package steer

import (
	"fmt"
	"sync"
	"time"
)

// Kind is what an Event records.
type Kind uint8

// Kinds of events.
const (
	// PathState: a path changed state (up, degraded, down).
	PathState Kind = iota + 1
	// FlapSuppressed: a path's flap penalty reached FlapSuppress.
	FlapSuppressed
	// FlapReused: a suppressed path's penalty fell below FlapReuse.
	FlapReused
	// Decision: a policy's choice of paths to a site changed, moving
	// FlowsMoved active flows.
	Decision
)

var kindNames = [...]string{"unknown", "path_state", "flap_suppressed", "flap_reused", "decision"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for clients of the
// status API.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if i > 0 && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown event kind %q", b)
}

// Event is one entry of the engine's change log.
type Event struct {
	Time time.Time `json:"ts"`
	// PathID is the path the event is about: the path that changed, or
	// for a Decision the path whose change caused it (the one flows left
	// when it went down or violated the SLA, the one they went to on a
	// failback or a better path).
	PathID string `json:"path_id"`
	Kind   Kind   `json:"kind"`
	Reason string `json:"reason"`
	// FlowsMoved: for a Decision, the active flow buckets whose path
	// changed (see Engine.Lookup): the number of active flows moved as
	// long as flows are few compared with Buckets, fewer when flows share
	// a bucket.
	FlowsMoved int    `json:"flows_moved"`
	Site       uint16 `json:"site,omitempty"`
	Policy     string `json:"policy,omitempty"`
	From       string `json:"from,omitempty"` // Decision: the previous paths, comma separated
	To         string `json:"to,omitempty"`   // Decision: the new paths
}

// ring is a bounded event log: when full, the oldest event is dropped
// and counted.
type ring struct {
	mu      sync.Mutex
	buf     []Event // guarded by mu
	start   int     // index of the oldest
	n       int
	dropped uint64
}

func newRing(capacity int) *ring { return &ring{buf: make([]Event, capacity)} }

func (r *ring) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = e
		r.n++
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % len(r.buf)
	r.dropped++
}

// snapshot appends the events, oldest first, to dst.
func (r *ring) snapshot(dst []Event) ([]Event, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.n {
		dst = append(dst, r.buf[(r.start+i)%len(r.buf)])
	}
	return dst, r.dropped
}
