package classify

// Traffic by application and path.
//
// The forwarder knows, after steering, which path a packet of a flow
// takes; it tells the classifier with Count, which adds the packet's
// bytes to the flow's entry and remembers the path's tag (any number the
// caller chooses; the data plane uses the path's number). Count takes no
// lock and does not allocate: atomic adds on the flow's slot. The
// application is already the flow's.
//
// The receivers (one goroutine per path) tell it of the packets that
// came from a path with CountReceived: it looks the flow up under the
// read lock (the receivers do not classify, so they hold no FlowRef) and
// adds to its received counters. A packet of a flow the table does not
// hold (the peer spoke first and this side has not answered yet) is not
// counted. Received bytes are summed on the flow's path (the one it
// sends on); a flow that has sent nothing takes the path it receives on.
//
// TakeCounts (any goroutine, one at a time) walks the table under the
// read lock, chunk by chunk, as Flows does, and sums what each flow sent
// since the last TakeCounts by (application, path): a window's traffic
// with the number of flows that carried some. A flow that moved to
// another path within the window is counted on the path it took last.
// Bytes a flow sent since the last TakeCounts are lost when the flow is
// forgotten first, which takes FlowIdle without packets (so none are
// left by then) unless a full table evicts it (Stats.FlowsEvicted).

// Count adds a packet of n bytes of flow ref, sent over the path tagged
// path (not 0), to the flow's counters. The writer only; ref is the
// Verdict's Flow of the same packet (0: nothing is counted).
func (c *Classifier) Count(ref FlowRef, path uint32, n int) {
	if ref <= 0 || int(ref) > len(c.slab) {
		return
	}
	f := &c.slab[ref-1]
	f.tx.Add(uint64(n))
	f.txPkts.Add(1)
	if f.path.Load() != path {
		f.path.Store(path)
	}
}

// CountReceived adds a packet of n bytes of flow k (either direction),
// received from the path tagged path (not 0), to the flow's received
// counters; a flow not in the table is not counted. Safe from any
// goroutine; it takes the read lock and does not allocate.
func (c *Classifier) CountReceived(k *FlowKey, path uint32, n int) {
	key := tableKey(k)
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.index[key]
	if !ok {
		return
	}
	f := &c.slab[i]
	f.rx.Add(uint64(n))
	f.rxPkts.Add(1)
	f.path.CompareAndSwap(0, path)
}

// AppCount is one application's traffic over one path in a window.
type AppCount struct {
	App     string
	Path    uint32 // the tag given to Count
	Flows   int    // flows that sent or received in the window
	TxBytes uint64
	RxBytes uint64
}

type appPath struct {
	app  string
	path uint32
}

// TakeCounts returns the traffic since the last call (since New for the
// first) by application and path, in no order; flows that sent and
// received nothing are left out.
func (c *Classifier) TakeCounts() []AppCount {
	c.takeMu.Lock()
	defer c.takeMu.Unlock()
	sums := map[appPath]*AppCount{}
	for lo := 0; lo < len(c.slab); lo += flowsChunk {
		c.mu.RLock()
		for i := lo; i < min(lo+flowsChunk, len(c.slab)); i++ {
			f := &c.slab[i]
			if f.app == nil {
				continue
			}
			tx, rx := f.tx.Load(), f.rx.Load()
			d, dRx := tx-f.taken.Load(), rx-f.takenRx.Load()
			if d == 0 && dRx == 0 {
				continue
			}
			f.taken.Store(tx)
			f.takenRx.Store(rx)
			k := appPath{f.app.Name, f.path.Load()}
			a := sums[k]
			if a == nil {
				a = &AppCount{App: k.app, Path: k.path}
				sums[k] = a
			}
			a.Flows++
			a.TxBytes += d
			a.RxBytes += dRx
		}
		c.mu.RUnlock()
	}
	out := make([]AppCount, 0, len(sums))
	for _, a := range sums {
		out = append(out, *a)
	}
	return out
}
