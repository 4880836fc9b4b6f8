package classify

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
)

// Defaults of Options.
const (
	// DefaultMaxFlows bounds the flow table.
	DefaultMaxFlows = 65536
	// DefaultFlowIdle is how long a flow is remembered without packets.
	DefaultFlowIdle = 5 * time.Minute
	// sniPackets is how many payload-carrying packets of a TCP or UDP flow
	// are searched for a ClientHello (in TLS, or in a QUIC Initial).
	sniPackets = 3
	// evictSample is how many flows a full table looks at to evict the
	// one idle the longest (sampled LRU, as Redis does).
	evictSample = 8
)

// Options size a Classifier. Zero fields take the defaults.
type Options struct {
	MaxFlows int           // DefaultMaxFlows
	FlowIdle time.Duration // DefaultFlowIdle
	MaxNames int           // DefaultMaxNames
	// MaxQueries bounds the DNS queries waiting for their answer;
	// DefaultMaxQueries.
	MaxQueries int
	// MaxReassembly is how many flows may hold a partial ClientHello at
	// once (4 KiB each); DefaultMaxReassembly.
	MaxReassembly int
}

// NameSource says where a flow's server name came from.
type NameSource uint8

// Name sources.
const (
	NameNone NameSource = iota
	NameDNS             // a DNS answer for the server address
	NameSNI             // the TLS ClientHello of the flow
)

func (s NameSource) String() string {
	return [...]string{"", "dns", "sni"}[min(s, NameSNI)]
}

// Verdict is the classification of one packet's flow.
type Verdict struct {
	App *App // never nil
	// New is true for the first packet of a flow (or the first after it
	// went idle).
	New bool
	// Changed is true when an existing flow's application changed: its
	// server name became known, or the Rules were replaced. Prev is the
	// application it had. Steering should decide the flow's path again.
	Changed bool
	Prev    *App
	// Flow names the packet's flow for Count; zero for a packet that
	// records no flow (Unparsed).
	Flow FlowRef
}

// FlowRef names a flow of the table (its slot, plus one) for Count. It
// is valid until the flow is forgotten; the writer uses it at once.
type FlowRef int32

// Classifier keeps the flow table: each flow's application, decided on
// its first packet and kept (sticky) until the flow is idle for FlowIdle,
// except that a server name learned later (SNI, DNS) or new Rules may
// change it once, which the Verdict reports.
//
// Concurrency: Classify, Count, Expire and SetRules belong to one
// goroutine, the forwarder (the writer). Observe (it only feeds Names and
// the pending queries, which have their own locks, and atomic counters),
// Flows, Lookup, Stats, TakeCounts, CountReceived, Rules and Names may be
// called from any goroutine at any time. The writer reads
// the flow index without a lock (nobody else writes it) and takes mu to
// change it; readers take mu.RLock. A flow's last-seen time is atomic so
// that a packet of a known flow takes no lock.
type Classifier struct {
	rules   atomic.Pointer[Rules]
	names   *Names
	queries *queries
	epoch   time.Time
	idle    int64 // FlowIdle in ns

	mu    sync.RWMutex
	index map[tkey]int32 // canonical key → slab index; written under mu by the writer only
	slab  []flow         // fixed capacity; entries' non-atomic fields written under mu
	free  []int32        // writer only

	reasms    []reasm // writer only: ClientHello reassembly buffers
	reasmFree []int32 // writer only

	takeMu sync.Mutex // serialises TakeCounts (its writes to flow.taken)

	stats stats
}

// tkey is the flow table's key: both endpoints as integers, the one that
// sorts first in a (direction-independent), without padding so that the
// map hashes it as plain memory.
type tkey struct {
	a0, a1, b0, b1 uint64
	ports          uint32 // a's port << 16 | b's
	proto          uint32 // protocol | 6<<8 for IPv6
}

func tableKey(k *FlowKey) tkey {
	s, d := k.Src.As16(), k.Dst.As16()
	t := tkey{
		a0: binary.BigEndian.Uint64(s[:8]), a1: binary.BigEndian.Uint64(s[8:]),
		b0: binary.BigEndian.Uint64(d[:8]), b1: binary.BigEndian.Uint64(d[8:]),
		ports: uint32(k.SrcPort)<<16 | uint32(k.DstPort),
		proto: uint32(k.Proto),
	}
	if k.Src.Is6() {
		t.proto |= 6 << 8
	}
	if t.a0 > t.b0 || t.a0 == t.b0 && (t.a1 > t.b1 || t.a1 == t.b1 && k.SrcPort > k.DstPort) {
		t.a0, t.a1, t.b0, t.b1 = t.b0, t.b1, t.a0, t.a1
		t.ports = t.ports<<16 | t.ports>>16
	}
	return t
}

type flow struct {
	key      FlowKey // canonical
	app      *App
	rules    *Rules // the Rules app came from
	name     string
	nameAddr netip.Addr
	nameFrom NameSource
	dscp     uint8 // of the first packet
	inspect  uint8 // writer only: payload packets left to search for SNI
	reasm    int32 // writer only: 1 + index of the flow's reassembly buffer, 0 for none
	first    int64 // ns, when the flow was recorded
	last     atomic.Int64

	// Traffic (Count): the bytes and packets sent and the tag of the
	// path the last packet took, added by the writer without a lock;
	// the bytes and packets received (CountReceived), added by the
	// receivers under the read lock; taken and takenRx are what
	// TakeCounts already reported, written by it under the read lock.
	// The writer resets them all, under mu, when the slot is reused.
	path    atomic.Uint32
	tx      atomic.Uint64
	txPkts  atomic.Uint64
	rx      atomic.Uint64
	rxPkts  atomic.Uint64
	taken   atomic.Uint64
	takenRx atomic.Uint64
}

type stats struct {
	parseErrors [NumParseErrors]atomic.Uint64
	dnsErrors   [NumDNSErrors]atomic.Uint64
	sniErrors   [NumSNIErrors]atomic.Uint64
	flowsNew, flowsExpired, flowsEvicted, flowsChanged,
	dnsMessages, dnsAddrs, sniNames, reasmFull atomic.Uint64
}

// New returns a Classifier applying rules.
func New(rules *Rules, o Options) *Classifier {
	if o.MaxFlows <= 0 {
		o.MaxFlows = DefaultMaxFlows
	}
	if o.FlowIdle <= 0 {
		o.FlowIdle = DefaultFlowIdle
	}
	c := &Classifier{
		names:   NewNames(o.MaxNames),
		queries: newQueries(o.MaxQueries),
		epoch:   time.Now(),
		idle:    int64(o.FlowIdle),
		index:   make(map[tkey]int32), // grows with the flows: a map sized for MaxFlows up front is most of an idle edge's memory
		slab:    make([]flow, o.MaxFlows),
		free:    make([]int32, o.MaxFlows),
	}
	for i := range c.free {
		c.free[i] = int32(len(c.free) - 1 - i)
	}
	if o.MaxReassembly <= 0 {
		o.MaxReassembly = DefaultMaxReassembly
	}
	c.reasms, c.reasmFree = newReasmPool(o.MaxReassembly)
	c.rules.Store(rules)
	return c
}

// SetRules replaces the rules. Each flow is classified again on its next
// packet; a flow whose application changes reports Changed.
func (c *Classifier) SetRules(r *Rules) { c.rules.Store(r) }

// Rules are the rules in use.
func (c *Classifier) Rules() *Rules { return c.rules.Load() }

// Names is the DNS-learned address → name table.
func (c *Classifier) Names() *Names { return c.names }

func (c *Classifier) ns(now time.Time) int64 { return int64(now.Sub(c.epoch)) }

// Classify parses pkt (ippkt.Parse) and classifies it (ClassifyPacket),
// or counts the parse error (Unparsed). The data path parses each packet
// once and calls ClassifyPacket or Unparsed itself.
func (c *Classifier) Classify(pkt []byte, now time.Time) (Verdict, error) {
	var p Packet
	if err := ippkt.Parse(pkt, &p); err != nil {
		return c.Unparsed(err), err
	}
	return c.ClassifyPacket(&p, now), nil
}

// Unparsed counts a packet ippkt.Parse refused and returns its verdict:
// the unclassified application. No flow is recorded.
func (c *Classifier) Unparsed(err error) Verdict {
	if e, ok := err.(ParseError); ok && e < NumParseErrors {
		c.stats.parseErrors[e].Add(1)
	}
	return Verdict{App: c.rules.Load().unclassified}
}

// ClassifyPacket returns the application of the flow of p, an inner IP
// packet the edge is about to forward that ippkt.Parse accepted, and
// learns from it: the DNS queries it carries (whose answers Observe will
// learn from), and the TLS SNI of the flow's first segments. now is the caller's clock. For a packet of a known flow
// it takes no lock and does not allocate.
func (c *Classifier) ClassifyPacket(p *Packet, now time.Time) Verdict {
	c.noteQueries(p, now)
	t := c.ns(now)
	key := tableKey(&p.Flow)
	if i, ok := c.index[key]; ok {
		f := &c.slab[i]
		if t-f.last.Load() < c.idle {
			f.last.Store(t)
			if f.rules == c.rules.Load() && (f.inspect == 0 || len(p.Payload) == 0) {
				return Verdict{App: f.app, Flow: FlowRef(i + 1)} // the hot path
			}
			v := c.update(f, p, now, true)
			v.Flow = FlowRef(i + 1)
			return v
		}
		c.remove(i)
		c.stats.flowsExpired.Add(1)
	}
	return c.insert(key, p, t, now)
}

// Observe parses pkt and learns from it (ObservePacket).
func (c *Classifier) Observe(pkt []byte, now time.Time) {
	var p Packet
	if ippkt.Parse(pkt, &p) == nil {
		c.ObservePacket(&p, now)
	}
}

// ObservePacket learns from a packet the edge forwards without
// classifying it (received from a tunnel): DNS answers to queries
// ClassifyPacket saw, only (queries.go).
func (c *Classifier) ObservePacket(p *Packet, now time.Time) { c.learnDNS(p, now) }

// insert records a new flow, evicting one when the table is full.
func (c *Classifier) insert(key tkey, p *Packet, t int64, now time.Time) Verdict {
	if len(c.free) == 0 {
		c.evict(t)
	}
	i := c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	r := c.rules.Load()
	f := &c.slab[i]
	name, nameAddr := c.dnsName(p, now)
	c.mu.Lock()
	f.key, f.rules, f.name, f.nameAddr = p.Flow.Canonical(), r, name, nameAddr
	f.nameFrom = NameNone
	if name != "" {
		f.nameFrom = NameDNS
	}
	f.dscp, f.first = p.DSCP, t
	f.path.Store(0)
	f.tx.Store(0)
	f.txPkts.Store(0)
	f.rx.Store(0)
	f.rxPkts.Store(0)
	f.taken.Store(0)
	f.takenRx.Store(0)
	f.app = r.Match(p, f.name, f.nameAddr)
	f.inspect = 0
	if (p.Flow.Proto == ProtoTCP || p.Flow.Proto == ProtoUDP) && p.Ports {
		f.inspect = sniPackets
	}
	f.last.Store(t)
	c.index[key] = i
	c.mu.Unlock()
	c.stats.flowsNew.Add(1)
	v := Verdict{App: f.app, New: true, Flow: FlowRef(i + 1)}
	if f.inspect > 0 && len(p.Payload) > 0 { // a first packet with a ClientHello
		v.App = c.update(f, p, now, false).App
	}
	return v
}

// dnsName is the DNS-learned name of the packet's destination, else of
// its source (a reply at the server's edge).
func (c *Classifier) dnsName(p *Packet, now time.Time) (string, netip.Addr) {
	if n, ok := c.names.Lookup(p.Flow.Dst, now); ok {
		return n, p.Flow.Dst
	}
	if n, ok := c.names.Lookup(p.Flow.Src, now); ok {
		return n, p.Flow.Src
	}
	return "", netip.Addr{}
}

// update is the slow path of a known flow: new Rules, or a segment to
// search for SNI. report is false for the flow's first packet, whose
// verdict is New rather than Changed.
func (c *Classifier) update(f *flow, p *Packet, now time.Time, report bool) Verdict {
	name, nameAddr, from := f.name, f.nameAddr, f.nameFrom
	if f.inspect > 0 && len(p.Payload) > 0 {
		f.inspect--
		sni, err := c.searchSNI(f, p)
		if err != ErrSNINeedMore || f.inspect == 0 {
			c.dropReasm(f)
		}
		switch err {
		case nil:
			name, nameAddr, from = strings.ToLower(string(sni)), p.Flow.Dst, NameSNI
			f.inspect = 0
			c.stats.sniNames.Add(1)
		case ErrSNINeedMore:
			c.stats.sniErrors[ErrSNINeedMore].Add(1)
		default:
			f.inspect = 0
			c.stats.sniErrors[err.(SNIError)].Add(1)
		}
		if from == NameNone {
			name, nameAddr = c.dnsName(p, now)
			if name != "" {
				from = NameDNS
			}
		}
	}
	r := c.rules.Load()
	app := f.app
	if r != f.rules || name != f.name {
		q := *p
		q.DSCP = f.dscp // a flow is matched on its first packet's DSCP
		app = r.Match(&q, name, nameAddr)
	}
	prev := f.app
	c.mu.Lock()
	f.app, f.rules, f.name, f.nameAddr, f.nameFrom = app, r, name, nameAddr, from
	c.mu.Unlock()
	if !report || app.Name == prev.Name && app.Class == prev.Class {
		return Verdict{App: app}
	}
	c.stats.flowsChanged.Add(1)
	return Verdict{App: app, Changed: true, Prev: prev}
}

// evict frees the slot of the flow idle the longest among a sample.
func (c *Classifier) evict(t int64) {
	victim, oldest, n := int32(-1), int64(0), 0
	for _, i := range c.index {
		if last := c.slab[i].last.Load(); victim < 0 || last < oldest {
			victim, oldest = i, last
		}
		if n++; n == evictSample {
			break
		}
	}
	c.remove(victim)
	if t-oldest >= c.idle {
		c.stats.flowsExpired.Add(1)
	} else {
		c.stats.flowsEvicted.Add(1)
	}
}

// remove forgets the flow in slot i.
func (c *Classifier) remove(i int32) {
	c.mu.Lock()
	delete(c.index, tableKey(&c.slab[i].key))
	c.slab[i].app, c.slab[i].rules, c.slab[i].name = nil, nil, ""
	c.dropReasm(&c.slab[i])
	c.mu.Unlock()
	c.free = append(c.free, i)
}

// Expire forgets the flows idle for FlowIdle or longer and returns how
// many. The writer calls it now and then (every few seconds); a flow that
// sends again after its idle time is a new flow even before Expire runs.
// It walks every slot, taking the lock per chunk of slots that has
// something to remove.
func (c *Classifier) Expire(now time.Time) int {
	t := c.ns(now)
	n := 0
	for lo := 0; lo < len(c.slab); lo += flowsChunk {
		hi := min(lo+flowsChunk, len(c.slab))
		locked := false
		for i := lo; i < hi; i++ {
			f := &c.slab[i]
			if f.app == nil || t-f.last.Load() < c.idle { // free or live; the writer reads app unlocked
				continue
			}
			if !locked {
				c.mu.Lock()
				locked = true
			}
			delete(c.index, tableKey(&f.key))
			f.app, f.rules, f.name = nil, nil, ""
			c.dropReasm(f)
			c.free = append(c.free, int32(i))
			n++
		}
		if locked {
			c.mu.Unlock()
		}
	}
	c.stats.flowsExpired.Add(uint64(n))
	return n
}

// FlowInfo is a reader's copy of one flow.
type FlowInfo struct {
	Key      FlowKey // canonical: Src sorts before Dst
	App      string
	Class    string
	Name     string     // the server name, "" when unknown
	NameFrom NameSource // where Name came from
	LastSeen time.Time  // on the writer's clock
	Started  time.Time  // when the flow was recorded, on the writer's clock
	// Path is the tag Count last gave (the path the flow's last packet
	// took; CountReceived's when the flow sent nothing yet), 0 when none;
	// TxBytes and TxPackets are what Count added, RxBytes and RxPackets
	// what CountReceived added.
	Path               uint32
	TxBytes, TxPackets uint64
	RxBytes, RxPackets uint64
}

func (c *Classifier) infoRLocked(f *flow) FlowInfo {
	return FlowInfo{
		Key: f.key, App: f.app.Name, Class: f.app.Class, Name: f.name, NameFrom: f.nameFrom,
		LastSeen: c.epoch.Add(time.Duration(f.last.Load())), Started: c.epoch.Add(time.Duration(f.first)),
		Path: f.path.Load(), TxBytes: f.tx.Load(), TxPackets: f.txPkts.Load(),
		RxBytes: f.rx.Load(), RxPackets: f.rxPkts.Load(),
	}
}

// flowsChunk is how many slots Flows copies per hold of the read lock, so
// that a status request never stalls the forwarder for a whole table.
const flowsChunk = 1024

// Flows returns a copy of every flow in the table, in no order. It takes
// the read lock per chunk of slots: a flow added or removed meanwhile may
// or may not be in the copy.
func (c *Classifier) Flows() []FlowInfo {
	out := make([]FlowInfo, 0, c.Len())
	for lo := 0; lo < len(c.slab); lo += flowsChunk {
		c.mu.RLock()
		for i := lo; i < min(lo+flowsChunk, len(c.slab)); i++ {
			if f := &c.slab[i]; f.app != nil { // in use
				out = append(out, c.infoRLocked(f))
			}
		}
		c.mu.RUnlock()
	}
	return out
}

// Lookup returns the flow of key (either direction).
func (c *Classifier) Lookup(key FlowKey) (FlowInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.index[tableKey(&key)]
	if !ok {
		return FlowInfo{}, false
	}
	return c.infoRLocked(&c.slab[i]), true
}

// Len is the number of flows in the table.
func (c *Classifier) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.index)
}

// Stats are counters since New. Each error array is indexed by the
// error value; its Reason is the counter label.
type Stats struct {
	ParseErrors                          [NumParseErrors]uint64
	DNSErrors                            [NumDNSErrors]uint64
	SNIErrors                            [NumSNIErrors]uint64
	FlowsNew, FlowsExpired, FlowsEvicted uint64
	// FlowsChanged counts flows whose application changed (Verdict.Changed).
	FlowsChanged uint64
	DNSMessages  uint64 // DNS responses seen from tunnels
	DNSAddrs     uint64 // addresses learned from them
	SNINames     uint64 // server names read from ClientHellos
	// ReassemblyFull counts ClientHellos not reassembled for want of a
	// free buffer (Options.MaxReassembly).
	ReassemblyFull uint64
}

// Stats returns the counters; safe from any goroutine.
func (c *Classifier) Stats() Stats {
	var s Stats
	for i := range s.ParseErrors {
		s.ParseErrors[i] = c.stats.parseErrors[i].Load()
	}
	for i := range s.DNSErrors {
		s.DNSErrors[i] = c.stats.dnsErrors[i].Load()
	}
	for i := range s.SNIErrors {
		s.SNIErrors[i] = c.stats.sniErrors[i].Load()
	}
	s.FlowsNew, s.FlowsExpired = c.stats.flowsNew.Load(), c.stats.flowsExpired.Load()
	s.FlowsEvicted, s.FlowsChanged = c.stats.flowsEvicted.Load(), c.stats.flowsChanged.Load()
	s.DNSMessages, s.DNSAddrs = c.stats.dnsMessages.Load(), c.stats.dnsAddrs.Load()
	s.SNINames, s.ReassemblyFull = c.stats.sniNames.Load(), c.stats.reasmFull.Load()
	return s
}
