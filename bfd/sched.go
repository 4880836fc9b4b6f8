package bfd

import (
	"container/heap"
	"sync"
	"time"
)

// schedGranularity is the grid wakeups are rounded up to. Every deadline
// that falls within one step is served by one wakeup of one goroutine, so
// 10,000 sessions cost about a thousand wakeups a second rather than one
// goroutine per transmission. No deadline is served early, and none later
// than one step plus scheduling latency.
const schedGranularity = time.Millisecond

// scheduler serves the deadlines of all sessions of a Manager from one
// goroutine.
//
// Lock order: entry.mu before scheduler.mu. The goroutine calls into
// entries without holding mu.
type scheduler struct {
	mu     sync.Mutex // guards items, target, and every entry's due
	items  deadlines
	timer  *time.Timer
	target time.Time // when timer fires; zero when stopped

	onWake    func()
	afterWake func()
	stop      chan struct{}
	done      chan struct{}
}

// newScheduler starts the goroutine; onWake and afterWake, if not nil, run
// at every wakeup before and after the due sessions.
func newScheduler(onWake, afterWake func()) *scheduler {
	s := &scheduler{timer: time.NewTimer(time.Hour), stop: make(chan struct{}), done: make(chan struct{}),
		onWake: onWake, afterWake: afterWake}
	s.timer.Stop()
	go s.run()
	return s
}

// set makes at the next deadline of e; the zero time means none. Deadlines
// replaced this way stay in the heap and are skipped when they come up.
// A deadline later than the pending one keeps the pending wakeup: onTimer
// then finds nothing due and sets the later one. Every received packet
// pushes the detection deadline later, so this keeps the receive path from
// allocating a heap item per packet (and a packet flood from growing the
// heap by one stale item per packet).
func (s *scheduler) set(e *entry, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at.Equal(e.due) || !at.IsZero() && !e.due.IsZero() && at.After(e.due) {
		return
	}
	e.due = at
	if at.IsZero() {
		return
	}
	heap.Push(&s.items, deadline{at: at, e: e})
	if s.target.IsZero() || at.Before(s.target) {
		s.armLocked(at)
	}
}

// armLocked points the timer at the grid step that contains at.
func (s *scheduler) armLocked(at time.Time) {
	wake := at.Truncate(schedGranularity)
	if wake.Before(at) {
		wake = wake.Add(schedGranularity)
	}
	s.target = wake
	s.timer.Reset(time.Until(wake))
}

func (s *scheduler) run() {
	defer close(s.done)
	var batch []*entry
	for {
		select {
		case <-s.timer.C:
		case <-s.stop:
			return
		}
		if s.onWake != nil {
			s.onWake()
		}
		batch = s.due(time.Now(), batch[:0])
		for i, e := range batch {
			e.onTimer()
			batch[i] = nil
		}
		if s.afterWake != nil && len(batch) > 0 {
			s.afterWake()
		}
	}
}

// due pops every live deadline not after now and re-arms the timer for
// the earliest one left.
func (s *scheduler) due(now time.Time, batch []*entry) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.items) > 0 && !s.items[0].at.After(now) {
		d := heap.Pop(&s.items).(deadline)
		if d.at.Equal(d.e.due) {
			d.e.due = time.Time{}
			batch = append(batch, d.e)
		}
	}
	s.target = time.Time{}
	if len(s.items) > 0 {
		s.armLocked(s.items[0].at)
	}
	return batch
}

// close stops the goroutine and waits for it.
func (s *scheduler) close() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	s.timer.Stop()
	s.items = nil
	s.mu.Unlock()
}

// deadline is one pending wakeup of an entry.
type deadline struct {
	at time.Time
	e  *entry
}

// deadlines is a min-heap by time (container/heap).
type deadlines []deadline

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h deadlines) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlines) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlines) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = deadline{}
	*h = old[:len(old)-1]
	return d
}
