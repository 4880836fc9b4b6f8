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
// for slow readers, never dropped; the channel is closed when the
// subscription ends or the Manager is closed.
func (m *Manager) Subscribe() (<-chan StateChange, func()) {
	s := &subscriber{ch: make(chan StateChange), done: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	m.subs.add(s)
	go s.pump()
	return s.ch, func() { m.subs.remove(s) }
}

// subscribers is the set of subscriptions of a Manager.
type subscribers struct {
	mu  sync.Mutex // guards set
	set map[*subscriber]struct{}
}

func (ss *subscribers) add(s *subscriber) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.set == nil {
		ss.set = map[*subscriber]struct{}{}
	}
	ss.set[s] = struct{}{}
}

func (ss *subscribers) remove(s *subscriber) {
	ss.mu.Lock()
	_, ok := ss.set[s]
	delete(ss.set, s)
	ss.mu.Unlock()
	if ok {
		close(s.done)
		s.close()
	}
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
	ss.set = nil
	ss.mu.Unlock()
	for s := range set {
		s.close()
	}
}

// subscriber queues events for one reader; pump feeds the channel.
type subscriber struct {
	ch   chan StateChange
	done chan struct{}

	mu     sync.Mutex // guards queue, closed
	cond   *sync.Cond
	queue  []StateChange
	closed bool
}

func (s *subscriber) push(ev StateChange) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	s.cond.Signal()
}

// close ends the subscription once queued events are delivered or the
// reader stops reading (done).
func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Signal()
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
