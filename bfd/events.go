package bfd

import (
	"sync"
	"time"

	"github.com/patronus-sdwan/patronus/bfd/packet"
)

// StateChange is published for every change of a session's state.
type StateChange struct {
	Time       time.Time
	Key        Key
	LocalDiscr uint32
	From, To   packet.State
	Diag       packet.Diag // bfd.LocalDiag after the change
}

// Subscribe returns a channel that receives every state change from now on,
// in order, and a function that ends the subscription. Changes are queued
// for slow readers, and the queue is bounded: a reader more than
// SubscriberQueue changes behind gets, per session, its net change since
// the reader fell behind (From of the first queued change, To and Diag of
// the last; none when the session is back where it was), so memory stays
// within one entry per session and no reader misses a session's current
// state. The channel is closed when the subscription ends or the Manager
// is closed.
func (m *Manager) Subscribe() (<-chan StateChange, func()) {
	s := &subscriber{ch: make(chan StateChange), done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	m.subs.add(s)
	go s.pump()
	return s.ch, func() { m.subs.remove(s) }
}

// subscribers is the set of subscriptions of a Manager.
type subscribers struct {
	mu     sync.Mutex // guards set, closed
	set    map[*subscriber]struct{}
	closed bool // closeAll ran: new subscriptions end at once
}

func (ss *subscribers) add(s *subscriber) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		s.close()
		return
	}
	if ss.set == nil {
		ss.set = map[*subscriber]struct{}{}
	}
	ss.set[s] = struct{}{}
}

// remove ends s at once, dropping undelivered events, even after closeAll
// (whose pump may still wait on a reader that went away).
func (ss *subscribers) remove(s *subscriber) {
	ss.mu.Lock()
	delete(ss.set, s)
	ss.mu.Unlock()
	s.stop()
}

func (ss *subscribers) publish(ev StateChange) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for s := range ss.set {
		s.push(ev)
	}
}

func (ss *subscribers) closeAll() {
	ss.mu.Lock()
	set := ss.set
	ss.set, ss.closed = nil, true
	ss.mu.Unlock()
	for s := range set {
		s.close()
	}
}

// subscriber queues events for one reader; pump feeds the channel.
type subscriber struct {
	ch       chan StateChange
	done     chan struct{} // closed by stop: the reader went away
	stopOnce sync.Once

	mu     sync.Mutex // guards queue, closed
	cond   *sync.Cond
	queue  []StateChange
	closed bool
}

// SubscriberQueue is the number of undelivered changes a subscriber may
// hold before its queue is folded to one net change per session.
const SubscriberQueue = 4096

func (s *subscriber) push(ev StateChange) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	if len(s.queue) > SubscriberQueue {
		s.queue = coalesce(s.queue)
	}
	s.mu.Unlock()
	s.cond.Signal()
}

// coalesce folds q to one change per session, in the order of each
// session's last change: From of its first change, the rest of its last;
// a session whose state is back where it started is left out.
func coalesce(q []StateChange) []StateChange {
	type span struct{ first, last int }
	spans := make(map[Key]span, 64)
	for i, ev := range q {
		sp, ok := spans[ev.Key]
		if !ok {
			sp.first = i
		}
		sp.last = i
		spans[ev.Key] = sp
	}
	out := q[:0:0]
	for i, ev := range q {
		sp := spans[ev.Key]
		if sp.last != i {
			continue
		}
		ev.From = q[sp.first].From
		if ev.From != ev.To {
			out = append(out, ev)
		}
	}
	return out
}

// close ends the subscription once queued events are delivered or the
// reader stops reading (done).
func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Signal()
}

// stop ends the subscription without delivering queued events. It is
// idempotent.
func (s *subscriber) stop() {
	s.stopOnce.Do(func() { close(s.done) })
	s.close()
}

func (s *subscriber) pump() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		ev := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		select {
		case s.ch <- ev:
		case <-s.done:
			return
		}
	}
}
