package bfd

import (
	"sync"
	"sync/atomic"
	"time"
)

// discRebuildGap bounds how often the lock-free snapshot of the
// discriminator index is rebuilt while sessions are being added or
// removed: adding 10,000 sessions one by one rebuilds it a few dozen
// times, not 10,000.
const discRebuildGap = time.Millisecond

// discIndex maps Your Discriminator to a session for every received
// packet without taking a lock: readers use an immutable snapshot; writers
// change the master map under mu and mark the snapshot stale. A reader
// that misses while the snapshot is stale looks in the master map and may
// rebuild the snapshot.
type discIndex struct {
	snap  atomic.Pointer[map[uint32]*entry]
	stale atomic.Bool

	mu      sync.Mutex // guards master, rebuilt
	master  map[uint32]*entry
	rebuilt time.Time
}

func newDiscIndex() *discIndex {
	x := &discIndex{master: map[uint32]*entry{}}
	empty := map[uint32]*entry{}
	x.snap.Store(&empty)
	return x
}

// get returns the session with local discriminator d, or nil. A session
// removed a moment ago may still be returned; its removed flag tells.
func (x *discIndex) get(d uint32) *entry {
	if e := (*x.snap.Load())[d]; e != nil || !x.stale.Load() {
		return e
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if now := time.Now(); now.Sub(x.rebuilt) >= discRebuildGap {
		x.rebuildLocked(now)
	}
	return x.master[d]
}

func (x *discIndex) used(d uint32) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, ok := x.master[d]
	return ok
}

func (x *discIndex) put(d uint32, e *entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.master[d] = e
	x.stale.Store(true)
}

func (x *discIndex) delete(d uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.master, d)
	x.stale.Store(true)
}

func (x *discIndex) clear() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.master = map[uint32]*entry{}
	x.rebuildLocked(time.Now())
}

// refresh rebuilds a stale snapshot; the scheduler calls it so that the
// snapshot catches up even when no packet misses.
func (x *discIndex) refresh() {
	if !x.stale.Load() {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if now := time.Now(); x.stale.Load() && now.Sub(x.rebuilt) >= discRebuildGap {
		x.rebuildLocked(now)
	}
}

func (x *discIndex) rebuildLocked(now time.Time) {
	m := make(map[uint32]*entry, len(x.master))
	for d, e := range x.master {
		m[d] = e
	}
	x.snap.Store(&m)
	x.stale.Store(false)
	x.rebuilt = now
}
