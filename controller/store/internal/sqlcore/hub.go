package sqlcore

import (
	"context"
	"sort"
	"sync"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Hub fans revisions out to watchers, newest per network only.
type Hub struct {
	mu     sync.Mutex
	latest map[int64]int64          // newest revision published per network; mu
	subs   map[*subscriber]struct{} // mu
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{latest: map[int64]int64{}, subs: map[*subscriber]struct{}{}}
}

// Publish reports a revision; older or repeated ones are dropped.
func (h *Hub) Publish(r store.Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Number <= h.latest[r.NetworkID] {
		return
	}
	h.latest[r.NetworkID] = r.Number
	for s := range h.subs {
		s.offer(r)
	}
}

type subscriber struct {
	mu      sync.Mutex
	pending map[int64]int64 // network → newest revision not yet sent; mu
	sent    map[int64]int64 // network → newest revision sent; only the run goroutine
	wake    chan struct{}   // capacity 1
}

func (h *Hub) subscribe() *subscriber {
	s := &subscriber{pending: map[int64]int64{}, sent: map[int64]int64{}, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

func (s *subscriber) offer(r store.Revision) {
	s.mu.Lock()
	if r.Number > s.pending[r.NetworkID] {
		s.pending[r.NetworkID] = r.Number
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) take() []store.Revision {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Revision
	for n, rev := range s.pending {
		if rev > s.sent[n] {
			out = append(out, store.Revision{NetworkID: n, Number: rev})
		}
		delete(s.pending, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NetworkID < out[j].NetworkID })
	return out
}

// run delivers to out until ctx or done ends, then closes out.
func (s *subscriber) run(ctx context.Context, done <-chan struct{}, h *Hub, out chan<- store.Revision) {
	defer close(out)
	defer h.unsubscribe(s)
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-s.wake:
		}
		for _, r := range s.take() {
			select {
			case out <- r:
				s.sent[r.NetworkID] = r.Number
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
	}
}
