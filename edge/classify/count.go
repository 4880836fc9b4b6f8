package classify

// Traffic by application and path.
//
// The forwarder knows, after steering, which path a packet of a flow
// takes; it tells the classifier with Count, which adds the packet's
// bytes to the flow's entry and remembers the path's tag (any number the
// caller chooses; the data plane uses the path's number). Count takes no
// lock and does not allocate: two atomic adds on the flow's slot. The
// application is already the flow's.
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
	if f.path.Load() != path {
		f.path.Store(path)
	}
}

// AppCount is one application's traffic over one path in a window.
type AppCount struct {
	App     string
	Path    uint32 // the tag given to Count
	Flows   int    // flows that sent in the window
	TxBytes uint64
}

type appPath struct {
	app  string
	path uint32
}

// TakeCounts returns the traffic since the last call (since New for the
// first) by application and path, in no order; flows that sent nothing
// are left out.
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
			tx := f.tx.Load()
			d := tx - f.taken.Load()
			if d == 0 {
				continue
			}
			f.taken.Store(tx)
			k := appPath{f.app.Name, f.path.Load()}
			a := sums[k]
			if a == nil {
				a = &AppCount{App: k.app, Path: k.path}
				sums[k] = a
			}
			a.Flows++
			a.TxBytes += d
		}
		c.mu.RUnlock()
	}
	out := make([]AppCount, 0, len(sums))
	for _, a := range sums {
		out = append(out, *a)
	}
	return out
}
