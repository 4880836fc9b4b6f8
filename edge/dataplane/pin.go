package dataplane

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
)

// FlowSpec selects packets. Zero fields match anything; ports apply to TCP
// and UDP.
type FlowSpec struct {
	Proto   uint8        `json:"proto,omitempty"` // IP protocol: 6 TCP, 17 UDP
	Src     netip.Prefix `json:"src"`
	Dst     netip.Prefix `json:"dst"`
	SrcPort uint16       `json:"src_port,omitempty"`
	DstPort uint16       `json:"dst_port,omitempty"`
}

// Pin sends the packets a FlowSpec selects over one path, whatever the
// static preference says: the runtime seam that steering will use.
type Pin struct {
	Flow FlowSpec `json:"flow"`
	Path string   `json:"path"` // Path.ID
}

type pinEntry struct {
	flow FlowSpec
	path *Path
}

// pins is the pin table, replaced whole; the forwarder reads it without a
// lock.
type pins struct {
	mu  sync.Mutex // serialises Set
	cur atomic.Pointer[[]pinEntry]
	cfg []Pin // guarded by mu
}

// SetPins replaces every pin. A pin naming an unknown path is refused and
// nothing changes.
func (d *Dataplane) SetPins(ps []Pin) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.setPinsLocked(ps)
}

// setPinsLocked is SetPins; d.mu must be held.
func (d *Dataplane) setPinsLocked(ps []Pin) error {
	byID := make(map[string]*Path, len(d.paths))
	for _, p := range d.paths {
		byID[p.ID] = p
	}
	next := make([]pinEntry, 0, len(ps))
	for i, p := range ps {
		path := byID[p.Path]
		if path == nil {
			return fmt.Errorf("pins[%d].path: no path %q", i, p.Path)
		}
		if err := p.Flow.validate(); err != nil {
			return fmt.Errorf("pins[%d].flow: %w", i, err)
		}
		next = append(next, pinEntry{flow: p.Flow, path: path})
	}
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	d.pins.cur.Store(&next)
	d.pins.cfg = append([]Pin(nil), ps...)
	return nil
}

// Pins returns the pins in force.
func (d *Dataplane) Pins() []Pin {
	d.pins.mu.Lock()
	defer d.pins.mu.Unlock()
	return append([]Pin{}, d.pins.cfg...)
}

func (f *FlowSpec) validate() error {
	if (f.SrcPort != 0 || f.DstPort != 0) && f.Proto != 6 && f.Proto != 17 {
		return fmt.Errorf("ports need proto 6 (TCP) or 17 (UDP)")
	}
	for _, p := range []netip.Prefix{f.Src, f.Dst} {
		if p.IsValid() && p != p.Masked() {
			return fmt.Errorf("%s has host bits set", p)
		}
	}
	return nil
}

// pinned returns the path a pin chooses for pkt towards site, or nil.
func (d *Dataplane) pinned(pkt []byte, site uint16) *Path {
	cur := d.pins.cur.Load()
	if cur == nil || len(*cur) == 0 {
		return nil
	}
	ft, ok := parseFlow(pkt)
	if !ok {
		return nil
	}
	for i := range *cur {
		e := &(*cur)[i]
		if e.path.site == site && e.flow.matches(&ft) {
			return e.path
		}
	}
	return nil
}

// flowTuple is what a FlowSpec is matched against.
type flowTuple struct {
	proto            uint8
	src, dst         netip.Addr
	srcPort, dstPort uint16
}

func (f *FlowSpec) matches(t *flowTuple) bool {
	return (f.Proto == 0 || f.Proto == t.proto) &&
		(!f.Src.IsValid() || f.Src.Contains(t.src)) &&
		(!f.Dst.IsValid() || f.Dst.Contains(t.dst)) &&
		(f.SrcPort == 0 || f.SrcPort == t.srcPort) &&
		(f.DstPort == 0 || f.DstPort == t.dstPort)
}

// parseFlow reads the addresses, protocol and ports of a packet (ports only
// for the first fragment of TCP and UDP).
func parseFlow(pkt []byte) (t flowTuple, ok bool) {
	var l4 []byte
	switch {
	case len(pkt) >= 20 && pkt[0]>>4 == 4:
		ihl := int(pkt[0]&0x0f) * 4
		t.proto, t.src, t.dst = pkt[9], netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
		if ihl >= 20 && len(pkt) >= ihl+4 && binary.BigEndian.Uint16(pkt[6:8])&0x1fff == 0 {
			l4 = pkt[ihl:]
		}
	case len(pkt) >= 40 && pkt[0]>>4 == 6:
		t.proto, t.src, t.dst = pkt[6], netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40]))
		if len(pkt) >= 44 {
			l4 = pkt[40:]
		}
	default:
		return t, false
	}
	if l4 != nil && (t.proto == 6 || t.proto == 17) {
		t.srcPort, t.dstPort = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
	}
	return t, true
}
