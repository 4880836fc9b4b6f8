// Package events is the controller's live event stream: what happens on
// the network as it happens (a path's state and quality, steering
// decisions, sites going online and offline, configuration revisions),
// published by the parts that learn it (telemetry ingest, the edge
// registry, the store's revision watch) and delivered to subscribers (the
// API's GraphQL subscriptions).
//
// Publish never blocks: each subscriber has a bounded buffer, and a
// subscriber that falls a whole buffer behind is ended with ErrSlow rather
// than silently skipping events, so that a client never shows a state the
// network is no longer in; it resubscribes and reads the current state.
//
// Across controller replicas (PostgreSQL) a Relay carries events that one
// replica publishes to the others, which Deliver them to their own
// subscribers only.
package events

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says what an Event is about.
type Kind string

// The kinds.
const (
	KindPath     Kind = "path"     // Path is set
	KindSteering Kind = "steering" // Steering is set
	KindSite     Kind = "site"     // SiteState is set
	KindConfig   Kind = "config"   // Config is set
	KindFlows    Kind = "flows"    // Flows is set
)

// Event is one thing that happened. Exactly one of the pointers is set,
// as Kind says. Events are shared by every subscriber: never modify one.
type Event struct {
	Kind    Kind      `json:"kind"`
	Network string    `json:"network"`
	Site    string    `json:"site,omitempty"` // the site it is about or that reported it
	At      time.Time `json:"at"`

	Path      *PathChange `json:"path,omitempty"`
	Steering  *Steering   `json:"steering,omitempty"`
	SiteState *SiteChange `json:"site_state,omitempty"`
	Config    *Config     `json:"config,omitempty"`
	Flows     *PathFlows  `json:"flows,omitempty"`
}

// Path states, as the API spells them.
const (
	PathUp       = "UP"
	PathDegraded = "DEGRADED"
	PathDown     = "DOWN"
)

// PathChange is a path's state and quality as its site reported them.
type PathChange struct {
	PathID       string  `json:"path_id"` // "site1/inet->site2/lte"
	State        string  `json:"state"`   // PathUp, PathDegraded, PathDown
	BFDState     string  `json:"bfd_state"`
	MetricsValid bool    `json:"metrics_valid"`
	LatencyMs    float64 `json:"latency_ms"`
	JitterMs     float64 `json:"jitter_ms"`
	LossPct      float64 `json:"loss_pct"`
	Score        float64 `json:"score"`
	Suppressed   bool    `json:"suppressed"`
	ActiveFlows  uint32  `json:"active_flows"`
	// Transport is how the path's packets travel: "direct" or "relayed"
	// (docs/NAT.md); empty from an edge that does not say.
	Transport string `json:"transport,omitempty"`
	// Counters is true when the report carried the path's counters:
	// TxBytes and RxBytes, its inner bytes since the edge started
	// counting (they drop to 0 when it restarts).
	Counters bool   `json:"counters,omitempty"`
	TxBytes  uint64 `json:"tx_bytes,omitempty"`
	RxBytes  uint64 `json:"rx_bytes,omitempty"`
	// StateChanged is true when State differs from the last report of
	// this path (or there was none).
	StateChanged bool `json:"state_changed"`
}

// Steering is a steering event an edge reported.
type Steering struct {
	PathID     string   `json:"path_id"`
	Kind       string   `json:"kind"` // path_state, flap_suppressed, flap_reused, decision
	Reason     string   `json:"reason"`
	Policy     string   `json:"policy,omitempty"`
	FlowsMoved uint32   `json:"flows_moved"`
	From       []string `json:"from,omitempty"`
	To         []string `json:"to,omitempty"`
}

// PathFlows are the busiest flows a site carried on one of its paths in
// a window (its telemetry's current flows); At is the window's end. An
// empty Flows replaces the flows reported before.
type PathFlows struct {
	PathID      string    `json:"path_id"` // as the site reports it: "site1/inet->site2/lte"
	WindowStart time.Time `json:"window_start"`
	TotalFlows  uint32    `json:"total_flows"` // flows with traffic in the window, those left out included
	Flows       []Flow    `json:"flows"`       // busiest first
}

// Flow is one flow of PathFlows and its traffic in the window (inner
// bytes and packets).
type Flow struct {
	Src         string    `json:"src"`
	Dst         string    `json:"dst"`
	SrcPort     uint16    `json:"src_port"`
	DstPort     uint16    `json:"dst_port"`
	Protocol    uint8     `json:"protocol"`
	Application string    `json:"application"`
	Class       string    `json:"class"`
	Policy      string    `json:"policy"`
	ServerName  string    `json:"server_name,omitempty"`
	TxBytes     uint64    `json:"tx_bytes"`
	RxBytes     uint64    `json:"rx_bytes"`
	TxPackets   uint64    `json:"tx_packets"`
	RxPackets   uint64    `json:"rx_packets"`
	Started     time.Time `json:"started"`
}

// SiteChange is a site coming online (its control stream connected) or
// going offline.
type SiteChange struct {
	Online bool `json:"online"`
}

// Config is a new configuration revision of a network.
type Config struct {
	Revision int64 `json:"revision"`
}

// Filter selects events; a zero field selects all.
type Filter struct {
	Kinds   []Kind
	Network string
	Site    string // for path events also matches either end of the path
	// StateChangesOnly leaves out path events whose state did not change
	// (the periodic reports).
	StateChangesOnly bool
}

// Match reports whether f selects e.
func (f Filter) Match(e *Event) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
		return false
	}
	if f.Network != "" && f.Network != e.Network {
		return false
	}
	if f.StateChangesOnly && e.Path != nil && !e.Path.StateChanged {
		return false
	}
	if f.Site == "" || f.Site == e.Site {
		return true
	}
	return e.Path != nil && pathTouches(e.Path.PathID, f.Site) || e.Flows != nil && pathTouches(e.Flows.PathID, f.Site)
}

// pathTouches reports whether path ID "a/l1->b/l2" has site at either end.
func pathTouches(id, site string) bool {
	from, to, ok := strings.Cut(id, "->")
	if !ok {
		return false
	}
	return siteOf(from) == site || siteOf(to) == site
}

func siteOf(end string) string {
	name, _, _ := strings.Cut(end, "/")
	return name
}

// ErrSlow ends a subscription that fell a whole buffer behind.
var ErrSlow = errors.New("events: subscriber too slow, events were lost: subscribe again")

// ErrClosed ends subscriptions when the bus closes.
var ErrClosed = errors.New("events: bus closed")

// DefaultBuffer is a subscription's buffer when Subscribe is given 0.
const DefaultBuffer = 256

// Relay carries events published here to the other controller replicas.
type Relay interface {
	Relay(e *Event)
}

// Bus delivers events to subscribers. The zero value is not usable: make
// one with NewBus.
type Bus struct {
	relay Relay

	mu     sync.Mutex                      // guards changes to subs and closed
	subs   atomic.Pointer[[]*Subscription] // copy on write: Deliver reads without locking
	closed bool

	published atomic.Uint64
	dropped   atomic.Uint64 // subscriptions ended by ErrSlow
}

// NewBus returns a bus; relay may be nil (one controller).
func NewBus(relay Relay) *Bus {
	b := &Bus{relay: relay}
	b.subs.Store(&[]*Subscription{})
	return b
}

// Publish delivers e to this controller's subscribers and relays it to
// the other replicas. It never blocks.
func (b *Bus) Publish(e *Event) {
	b.Deliver(e)
	if b.relay != nil {
		b.relay.Relay(e)
	}
}

// Deliver delivers e to this controller's subscribers only (an event
// relayed from another replica). It never blocks.
func (b *Bus) Deliver(e *Event) {
	b.published.Add(1)
	for _, s := range *b.subs.Load() {
		if s.filter.Match(e) {
			s.offer(e)
		}
	}
}

// Stats are the bus's counters.
type Stats struct {
	Subscribers int
	Published   uint64 // events delivered or published here
	SlowEnded   uint64 // subscriptions ended by ErrSlow
}

// Stats returns the counters.
func (b *Bus) Stats() Stats {
	return Stats{Subscribers: len(*b.subs.Load()), Published: b.published.Load(), SlowEnded: b.dropped.Load()}
}

// Subscribe returns a subscription to the events f selects, with room for
// buffer events (0: DefaultBuffer). It ends when ctx ends, the bus closes,
// or the subscriber falls behind; then C is closed and Err says why.
func (b *Bus) Subscribe(ctx context.Context, f Filter, buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	s := &Subscription{bus: b, filter: f, ch: make(chan *Event, buffer)}
	s.C = s.ch
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		s.end(ErrClosed)
		return s
	}
	b.setSubsLocked(append(slices.Clone(*b.subs.Load()), s))
	b.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { s.end(ctx.Err()) })
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	return s
}

// setSubsLocked publishes a new subscriber list; b.mu must be held.
func (b *Bus) setSubsLocked(list []*Subscription) { b.subs.Store(&list) }

func (b *Bus) remove(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	list := slices.DeleteFunc(slices.Clone(*b.subs.Load()), func(x *Subscription) bool { return x == s })
	b.setSubsLocked(list)
}

// Interrupt ends every current subscription with err (ErrMissed: events
// were lost on the way from another replica); later ones run as usual.
func (b *Bus) Interrupt(err error) {
	for _, s := range *b.subs.Load() {
		s.end(err)
	}
}

// Close ends every subscription with ErrClosed; later subscriptions end at once.
func (b *Bus) Close() {
	b.mu.Lock()
	b.closed = true
	list := *b.subs.Load()
	b.mu.Unlock()
	for _, s := range list {
		s.end(ErrClosed)
	}
}

// Subscription is one subscriber's stream of events.
type Subscription struct {
	// C yields the events; it is closed when the subscription ends.
	C <-chan *Event

	bus    *Bus
	filter Filter

	mu    sync.Mutex // guards ch sends against close, ended, err and stop
	ch    chan *Event
	stop  func() bool // stops the context watch
	ended bool
	err   error
}

// offer queues e without blocking, or ends a subscriber whose buffer is full.
func (s *Subscription) offer(e *Event) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	select {
	case s.ch <- e:
		s.mu.Unlock()
	default:
		s.mu.Unlock()
		s.bus.dropped.Add(1)
		s.end(ErrSlow)
	}
}

// end closes the subscription with err; the first call wins.
func (s *Subscription) end(err error) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended, s.err = true, err // offer sends nothing from now on
	stop := s.stop
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	// Off the bus before C closes: a reader that saw C close finds the
	// bus without it.
	s.bus.remove(s)
	s.mu.Lock()
	close(s.ch)
	s.mu.Unlock()
}

// Close ends the subscription (Err: context.Canceled).
func (s *Subscription) Close() { s.end(context.Canceled) }

// Err says why the subscription ended: the context's error, ErrSlow,
// ErrMissed or ErrClosed; nil while it runs.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
