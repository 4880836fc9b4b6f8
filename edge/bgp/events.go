package bgp

import (
	"sync"
	"time"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Event is a neighbour's state change, as steering's events are: kept in
// a bounded log, shown by patronus bgp show, sent as telemetry.
type Event struct {
	Time     time.Time `json:"time"`
	Neighbor string    `json:"neighbor"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	// Reason is why a session left established, when known (e.g. "bfd
	// down", "prefix limit", the router's notification).
	Reason string `json:"reason,omitempty"`
}

// eventLogSize bounds the event log.
const eventLogSize = 256

// eventLog is a ring of the newest events. Safe for concurrent use.
type eventLog struct {
	mu      sync.Mutex
	ring    []Event           // guarded by mu
	next    int               // guarded by mu
	full    bool              // guarded by mu
	dropped uint64            // guarded by mu
	last    map[string]string // guarded by mu: each neighbour's state
	// closed is why each neighbour's session last left established,
	// until it is established again; guarded by mu.
	closed map[string]string
}

func newEventLog(n int) *eventLog {
	return &eventLog{ring: make([]Event, n), last: map[string]string{}, closed: map[string]string{}}
}

// closedReason is why neighbor's session last left established; "" once
// it is established again, or when not known.
func (l *eventLog) closedReason(neighbor string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed[neighbor]
}

// add records e unless it repeats the neighbour's last state; it fills
// e.From, and e.Reason with reason() when the session leaves established.
func (l *eventLog) add(e Event, reason func() string) (Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last[e.Neighbor] == e.To {
		return e, false
	}
	e.From = l.last[e.Neighbor]
	if e.From == "" {
		e.From = "idle"
	}
	if e.From == "established" {
		e.Reason = reason()
		l.closed[e.Neighbor] = e.Reason
	}
	if e.To == "established" {
		delete(l.closed, e.Neighbor)
	}
	l.last[e.Neighbor] = e.To
	if l.full {
		l.dropped++
	}
	l.ring[l.next] = e
	l.next = (l.next + 1) % len(l.ring)
	l.full = l.full || l.next == 0
	return e, true
}

// list is the events, oldest first.
func (l *eventLog) list() ([]Event, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]Event(nil), l.ring[:l.next]...), 0
	}
	return append(append([]Event(nil), l.ring[l.next:]...), l.ring[:l.next]...), l.dropped
}

// Events is the neighbour state changes, oldest first, and how many older
// ones the bounded log dropped.
func (s *Speaker) Events() ([]Event, uint64) { return s.events.list() }

// stateName is BGP's name of a session state, lower case (RFC 4271 §8.2.2).
func stateName(st bgp.FSMState) string {
	switch st {
	case bgp.BGP_FSM_IDLE:
		return "idle"
	case bgp.BGP_FSM_CONNECT:
		return "connect"
	case bgp.BGP_FSM_ACTIVE:
		return "active"
	case bgp.BGP_FSM_OPENSENT:
		return "opensent"
	case bgp.BGP_FSM_OPENCONFIRM:
		return "openconfirm"
	case bgp.BGP_FSM_ESTABLISHED:
		return "established"
	}
	return "unknown"
}

// peerEvent takes GoBGP's peer events.
func (s *Speaker) peerEvent(pe *apiutil.WatchEventMessage_PeerEvent, at time.Time) {
	if pe.Type != apiutil.PEER_EVENT_STATE {
		return
	}
	st := pe.Peer.State
	e, added := s.events.add(Event{Time: at, Neighbor: st.NeighborAddress.String(), To: stateName(st.SessionState)},
		func() string { return s.downReason(st) })
	if !added {
		return
	}
	s.log.Info("bgp neighbour", "neighbor", e.Neighbor, "state", e.To, "reason", e.Reason)
	s.learn.kick()
	if e.Reason == reasonPrefixLimit {
		s.pfx.closedByLimit(st.NeighborAddress)
	}
	if f := s.opts.OnEvent; f != nil {
		f(e)
	}
}
