package steer

import (
	"sync/atomic"
	"time"
)

// Buckets is the number of flow buckets of a policy towards a site. A
// flow's bucket is its hash modulo Buckets; every flow of a bucket takes
// the same path, and a bucket's path changes only by a decision.
const Buckets = 1024

// slot is what Lookup reads for one policy towards one site: the current
// decision, replaced whole, and the time each bucket last saw a packet.
type slot struct {
	dec  atomic.Pointer[decision]
	act  [Buckets]atomic.Uint32 // Engine.clock of the bucket's last packet; 0: never
	last atomic.Uint32          // the latest of act: Engine.clock of the slot's last packet (Demand)
}

// decision is immutable once published.
type decision struct {
	primary, secondary int32   // handles; -1: none
	buckets            []int32 // load-balance: the handle of each bucket
}

func (d *decision) pathOf(b int) int32 {
	if d.buckets != nil {
		return d.buckets[b]
	}
	return d.primary
}

func (d *decision) translate(tr map[int32]int32) *decision {
	get := func(h int32) int32 {
		if n, ok := tr[h]; ok {
			return n
		}
		return -1
	}
	n := &decision{primary: get(d.primary), secondary: get(d.secondary)}
	if d.buckets != nil {
		n.buckets = make([]int32, len(d.buckets))
		for i, h := range d.buckets {
			n.buckets[i] = get(h)
		}
	}
	return n
}

// tableSet is the immutable index Lookup starts from, replaced by Set.
type tableSet struct {
	sites    map[uint16][]*slot // by site, by policy index
	realtime []bool             // by policy index: its SLA class limits jitter (Demand)
	idle     uint32             // Timers.FlowIdle in Engine.clock seconds, rounded up
}

func (e *Engine) publishTables() {
	ts := &tableSet{sites: make(map[uint16][]*slot, len(e.sites)), realtime: make([]bool, len(e.policies)),
		idle: uint32((e.cfg.Timers.FlowIdle + time.Second - 1) / time.Second)}
	for i, p := range e.policies {
		ts.realtime[i] = p.sla.MaxJitter > 0
	}
	for id, s := range e.sites {
		slots := make([]*slot, len(s.classes))
		for i, c := range s.classes {
			slots[i] = c.slot
		}
		ts.sites[id] = slots
	}
	e.tables.Store(ts)
}

// Choice is where a packet goes: Path, and also Dup when it is not -1
// (duplicate mode). Both are handles: indices into Config.Paths.
type Choice struct {
	Path, Dup int32
}

// Lookup returns the paths for a packet of a flow with hash flowHash
// (ippkt.Packet.FlowHash) of policy class (an index into Config.Policies) towards
// site. ok is false when steering has no path for it (unknown site or
// class, or every path down): the caller then uses its static choice.
//
// Lookup is the per-packet call: it takes no lock, does not allocate,
// and may run concurrently with every other method. It marks the flow's
// bucket active (one atomic load, and a store at most once a second).
func (e *Engine) Lookup(site uint16, class int, flowHash uint32) (c Choice, ok bool) {
	ts := e.tables.Load()
	if ts == nil {
		return Choice{-1, -1}, false
	}
	slots := ts.sites[site]
	if class < 0 || class >= len(slots) {
		return Choice{-1, -1}, false
	}
	s := slots[class]
	d := s.dec.Load()
	if d == nil {
		return Choice{-1, -1}, false
	}
	b := int(flowHash % Buckets)
	if now := e.clock.Load(); s.act[b].Load() != now {
		s.act[b].Store(now)
		if s.last.Load() != now {
			s.last.Store(now)
		}
	}
	c = Choice{Path: d.pathOf(b), Dup: d.secondary}
	return c, c.Path >= 0
}
