package events

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Transport carries payloads between controller replicas; the PostgreSQL
// store is one (store.EventRelay: LISTEN/NOTIFY). deliver gets every
// replica's payloads, this one's included; gap says some may have been
// missed; send takes at most MaxPayload bytes.
type Transport interface {
	RelayEvents(ctx context.Context, deliver func(payload []byte), gap func()) (send func(ctx context.Context, payload []byte) error, err error)
}

// MaxPayload is the largest payload a replicated bus sends (store.MaxEventPayload).
const MaxPayload = 7999

// Sizes and timers of the replica relay.
const (
	relayQueue       = 4096            // events waiting to be sent; beyond it they are dropped and counted
	relaySendTimeout = 5 * time.Second // one send to the transport
	relayLogEvery    = time.Minute     // drops are logged at most this often
)

// ErrMissed ends every subscription when events of other replicas may
// have been missed (the transport lost its connection): the subscriber
// reads the current state again and resubscribes.
var ErrMissed = errors.New("events: events of other controller replicas may have been missed: subscribe again")

// wireMessage is one payload: events of one replica.
type wireMessage struct {
	Replica string   `json:"replica"`
	Events  []*Event `json:"events"`
}

// RelayStats are a replicated bus's relay counters.
type RelayStats struct {
	Sent      uint64 // payloads sent
	Received  uint64 // events delivered from other replicas
	Dropped   uint64 // events not relayed: queue full or the transport failed
	Oversize  uint64 // events too large for one payload even trimmed: not relayed
	Trimmed   uint64 // steering events whose path lists, flow events whose flows were cut to fit
	Malformed uint64 // payloads received that did not decode
}

// replicaRelay is the Relay of a replicated bus: Relay queues, one
// goroutine packs the queue into payloads and sends them.
type replicaRelay struct {
	id    string
	bus   *Bus
	log   *slog.Logger
	queue chan *Event
	send  func(context.Context, []byte) error

	sent, received, dropped, oversize, trimmed, malformed atomic.Uint64
	lastLog                                               atomic.Int64 // unix nanoseconds of the last drop logged
}

// NewReplicatedBus returns a bus whose published events reach the buses
// of the other replicas through t, and theirs reach its subscribers. It
// relays until ctx ends; a gap in the transport ends every subscription
// with ErrMissed. log may be nil.
func NewReplicatedBus(ctx context.Context, t Transport, log *slog.Logger) (*Bus, *Replica, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return nil, nil, err
	}
	r := &replicaRelay{id: hex.EncodeToString(id), log: log, queue: make(chan *Event, relayQueue)}
	r.bus = NewBus(r)
	send, err := t.RelayEvents(ctx, r.receive, func() { r.bus.Interrupt(ErrMissed) })
	if err != nil {
		return nil, nil, err
	}
	r.send = send
	go r.run(ctx)
	return r.bus, &Replica{r: r}, nil
}

// Replica is a replicated bus's relay: its ID and counters.
type Replica struct{ r *replicaRelay }

// ID is this replica's ID in the payloads.
func (i *Replica) ID() string { return i.r.id }

// Stats returns the relay's counters.
func (i *Replica) Stats() RelayStats {
	r := i.r
	return RelayStats{Sent: r.sent.Load(), Received: r.received.Load(), Dropped: r.dropped.Load(),
		Oversize: r.oversize.Load(), Trimmed: r.trimmed.Load(), Malformed: r.malformed.Load()}
}

// Relay queues e for the other replicas without blocking.
func (r *replicaRelay) Relay(e *Event) {
	select {
	case r.queue <- e:
	default:
		r.drop("relay queue full", 1)
	}
}

func (r *replicaRelay) drop(why string, n int) {
	r.dropped.Add(uint64(n))
	r.logRarely("events not relayed to the other controller replicas", "reason", why, "dropped_total", r.dropped.Load())
}

// logRarely logs at most once per relayLogEvery (drops and oversize
// events share the allowance; the counters have the totals).
func (r *replicaRelay) logRarely(msg string, args ...any) {
	now := time.Now().UnixNano()
	last := r.lastLog.Load()
	if now-last < int64(relayLogEvery) || !r.lastLog.CompareAndSwap(last, now) {
		return
	}
	r.log.Warn(msg, args...)
}

// run sends what is queued, packed into as few payloads as fit, until
// ctx ends.
func (r *replicaRelay) run(ctx context.Context) {
	var batch []*Event
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-r.queue:
			batch = append(batch[:0], e)
		}
	more:
		for len(batch) < relayQueue {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			default:
				break more
			}
		}
		for _, p := range r.pack(batch) {
			r.sendOne(ctx, p)
		}
	}
}

func (r *replicaRelay) sendOne(ctx context.Context, p payload) {
	sctx, cancel := context.WithTimeout(ctx, relaySendTimeout)
	defer cancel()
	if err := r.send(sctx, p.data); err != nil {
		if ctx.Err() == nil {
			r.drop(err.Error(), p.events)
		}
		return
	}
	r.sent.Add(1)
}

// payload is an encoded message and how many events it carries.
type payload struct {
	data   []byte
	events int
}

// pack encodes events into payloads of at most MaxPayload bytes, in
// order. An event too large alone is trimmed (steering path lists; a
// flows event keeps its busiest flows) or, failing that, counted as
// oversize and logged. Each event is encoded once and the payload
// assembled around it, byte for byte what json.Marshal(wireMessage) makes
// (re-encoding the message at each event cost a fifth of a PostgreSQL
// controller's CPU at 1,000 edges).
func (r *replicaRelay) pack(evs []*Event) []payload {
	var out []payload
	head := r.head()
	buf := append([]byte(nil), head...)
	n := 0
	flush := func() {
		if n > 0 {
			out = append(out, payload{data: append(buf, ']', '}'), events: n})
			buf, n = append([]byte(nil), head...), 0
		}
	}
	for _, e := range evs {
		data, err := json.Marshal(e)
		if err != nil || len(head)+len(data)+2 > MaxPayload { // alone: ']}' closes it
			single, ok := r.fit(e)
			if !ok {
				continue
			}
			data, _ = json.Marshal(single)
		}
		if n > 0 && len(buf)+1+len(data)+2 > MaxPayload {
			flush()
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf, n = append(buf, data...), n+1
	}
	flush()
	return out
}

// head is the start of every payload of this replica, up to the first
// event: {"replica":"ID","events":[ (the ID is hex: nothing to escape).
func (r *replicaRelay) head() []byte {
	return []byte(`{"replica":"` + r.id + `","events":[`)
}

// fit returns e, or a copy with shorter steering path lists or flow
// lists, that fits in one payload alone.
func (r *replicaRelay) fit(e *Event) (*Event, bool) {
	if r.fits(e) {
		return e, true
	}
	if e.Steering != nil {
		c, st := *e, *e.Steering
		c.Steering = &st
		for len(st.From)+len(st.To) > 0 {
			st.From, st.To = st.From[:len(st.From)/2], st.To[:len(st.To)/2]
			if r.fits(&c) {
				r.trimmed.Add(1)
				return &c, true
			}
		}
	}
	if e.Flows != nil {
		c, fl := *e, *e.Flows
		c.Flows = &fl
		for len(fl.Flows) > 0 {
			fl.Flows = fl.Flows[:len(fl.Flows)/2]
			if r.fits(&c) {
				r.trimmed.Add(1)
				return &c, true
			}
		}
	}
	r.oversize.Add(1)
	r.logRarely("event too large to relay to the other controller replicas; not relayed",
		"kind", e.Kind, "network", e.Network, "site", e.Site, "oversize_total", r.oversize.Load())
	return nil, false
}

func (r *replicaRelay) fits(e *Event) bool {
	data, err := json.Marshal(wireMessage{Replica: r.id, Events: []*Event{e}})
	return err == nil && len(data) <= MaxPayload
}

// receive delivers the events of another replica's payload. Its own
// come back too (NOTIFY reaches every listener): they are known by
// their head and not decoded.
func (r *replicaRelay) receive(p []byte) {
	if bytes.HasPrefix(p, r.head()) {
		return
	}
	var msg wireMessage
	if err := json.Unmarshal(p, &msg); err != nil || msg.Replica == "" {
		r.malformed.Add(1)
		return
	}
	if msg.Replica == r.id {
		return
	}
	for _, e := range msg.Events {
		if !e.valid() {
			r.malformed.Add(1)
			continue
		}
		r.received.Add(1)
		r.bus.Deliver(e)
	}
}

// valid reports whether e has the one body its kind says.
func (e *Event) valid() bool {
	if e == nil {
		return false
	}
	n := 0
	for _, set := range []bool{e.Path != nil, e.Steering != nil, e.SiteState != nil, e.Config != nil, e.Flows != nil} {
		if set {
			n++
		}
	}
	switch e.Kind {
	case KindPath:
		return n == 1 && e.Path != nil
	case KindSteering:
		return n == 1 && e.Steering != nil
	case KindSite:
		return n == 1 && e.SiteState != nil
	case KindConfig:
		return n == 1 && e.Config != nil
	case KindFlows:
		return n == 1 && e.Flows != nil
	}
	return false
}

// ForStore returns the bus of a controller on st: replicated through st
// when st is a Transport (the PostgreSQL store, shared by replicas), a
// bus of this controller alone otherwise (SQLite). A replicated bus
// relays until ctx ends.
func ForStore(ctx context.Context, st any, log *slog.Logger) (*Bus, error) {
	t, ok := st.(Transport)
	if !ok {
		return NewBus(nil), nil
	}
	b, _, err := NewReplicatedBus(ctx, t, log)
	return b, err
}
