package classify

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Bounds of DNS learning.
const (
	// DefaultMaxNames is how many addresses Names remembers by default.
	DefaultMaxNames = 16384
	// DNSMinTTL is the shortest time an answer is remembered: CDNs answer
	// with TTLs of seconds or zero, and the client connects after it has
	// read the answer.
	DNSMinTTL = 60 * time.Second
	// DNSMaxTTL is the longest.
	DNSMaxTTL = 24 * time.Hour
	// maxCNAMEs and maxAddrs bound what one answer may teach; records past
	// them are ignored. maxChain bounds a CNAME chain.
	maxCNAMEs = 16
	maxAddrs  = 32
	maxChain  = 8
)

// DNSError is why LearnDNS refused a message. Reason is its counter label.
type DNSError uint8

// DNS errors.
const (
	ErrDNSMalformed   DNSError = iota + 1 // not a parseable DNS message
	ErrDNSNotResponse                     // a query, not a response
	ErrDNSIncomplete                      // DNS over TCP: the message continues in another segment
	ErrDNSUnsolicited                     // a response to no query of this site's LAN (queries.go)
	NumDNSErrors
)

var dnsErrText = [...]struct{ reason, msg string }{
	{},
	{"dns_malformed", "classify: malformed DNS message"},
	{"dns_not_response", "classify: DNS message is not a response"},
	{"dns_incomplete", "classify: DNS over TCP message spans segments"},
	{"dns_unsolicited", "classify: DNS response to no pending query"},
}

func (e DNSError) Error() string  { return dnsErrText[e].msg }
func (e DNSError) Reason() string { return dnsErrText[e].reason }

// Names remembers which name each address was the answer for, learned
// from DNS responses, each for its record's TTL (clamped to DNSMinTTL …
// DNSMaxTTL). It holds at most max addresses and evicts the least
// recently used. An address has one name: the latest answer wins.
//
// Names is safe for concurrent use; its methods take now from the
// caller's clock.
type Names struct {
	mu         sync.Mutex
	index      map[netip.Addr]int32 // mu
	slab       []nameEntry          // mu; fixed capacity
	head, tail int32                // mu; LRU list, head most recent; -1 when empty
}

type nameEntry struct {
	addr       netip.Addr
	name       string
	expires    time.Time
	prev, next int32
}

// NewNames returns a Names holding at most max addresses
// (DefaultMaxNames if max <= 0).
func NewNames(max int) *Names {
	if max <= 0 {
		max = DefaultMaxNames
	}
	return &Names{
		index: make(map[netip.Addr]int32), // grows with the names learned
		slab:  make([]nameEntry, 0, max),
		head:  -1, tail: -1,
	}
}

// Len is the number of addresses remembered, expired ones included until
// they are looked up or evicted.
func (n *Names) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.index)
}

// Lookup returns the name addr was last the answer for, unless that
// answer has expired.
func (n *Names) Lookup(addr netip.Addr, now time.Time) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i, ok := n.index[addr.Unmap()]
	if !ok {
		return "", false
	}
	e := &n.slab[i]
	if !now.Before(e.expires) {
		return "", false
	}
	n.moveToFrontLocked(i)
	return e.name, true
}

// Set remembers that addr is name until now+ttl (clamped).
func (n *Names) Set(addr netip.Addr, name string, ttl time.Duration, now time.Time) {
	ttl = min(max(ttl, DNSMinTTL), DNSMaxTTL)
	addr = addr.Unmap()
	n.mu.Lock()
	defer n.mu.Unlock()
	if i, ok := n.index[addr]; ok {
		n.slab[i].name, n.slab[i].expires = name, now.Add(ttl)
		n.moveToFrontLocked(i)
		return
	}
	var i int32
	if len(n.slab) < cap(n.slab) {
		i = int32(len(n.slab))
		n.slab = n.slab[:i+1]
	} else { // full: reuse the least recently used entry
		i = n.tail
		n.unlinkLocked(i)
		delete(n.index, n.slab[i].addr)
	}
	n.slab[i] = nameEntry{addr: addr, name: name, expires: now.Add(ttl), prev: -1, next: -1}
	n.index[addr] = i
	n.pushFrontLocked(i)
}

func (n *Names) unlinkLocked(i int32) {
	e := &n.slab[i]
	if e.prev >= 0 {
		n.slab[e.prev].next = e.next
	} else {
		n.head = e.next
	}
	if e.next >= 0 {
		n.slab[e.next].prev = e.prev
	} else {
		n.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

func (n *Names) pushFrontLocked(i int32) {
	e := &n.slab[i]
	e.prev, e.next = -1, n.head
	if n.head >= 0 {
		n.slab[n.head].prev = i
	}
	n.head = i
	if n.tail < 0 {
		n.tail = i
	}
}

func (n *Names) moveToFrontLocked(i int32) {
	if n.head != i {
		n.unlinkLocked(i)
		n.pushFrontLocked(i)
	}
}

// span is a name in a dnsAnswer's arena.
type span struct{ off, n uint16 }

type cnameRec struct {
	owner, target span
	ttl           uint32
}

type addrRec struct {
	owner span
	addr  netip.Addr
	ttl   uint32
}

// dnsAnswer is what one response teaches, in fixed-size arrays so that
// parsing allocates nothing per record: names are copied, lower-cased,
// into the arena.
type dnsAnswer struct {
	nc, na, used int // cnames, addrs and arena bytes in use
	cnames       [maxCNAMEs]cnameRec
	addrs        [maxAddrs]addrRec
	arena        [maxArena]byte
}

// maxArena holds the names of the records kept; a record whose name does
// not fit is ignored.
const maxArena = 4096

// keep copies a name into the arena, lower case, without the final dot.
func (a *dnsAnswer) keep(n *dnsmessage.Name) (span, bool) {
	b := bytes.TrimSuffix(n.Data[:n.Length], []byte("."))
	if a.used+len(b) > maxArena {
		return span{}, false
	}
	s := span{off: uint16(a.used), n: uint16(len(b))}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		a.arena[a.used+i] = c
	}
	a.used += len(b)
	return s, true
}

func (a *dnsAnswer) name(s span) []byte { return a.arena[s.off : s.off+s.n] }

// LearnDNS reads a DNS response (the UDP payload, without the TCP length
// prefix) and remembers the name of every A and AAAA record in its answer
// section. The name is the start of the record's CNAME chain, so
// "a.example.com CNAME b.cdn.net; b.cdn.net A 192.0.2.1" maps 192.0.2.1 to
// a.example.com, for the smallest TTL along the chain. It returns how many
// addresses it learned. Responses with an error RCODE teach nothing; a
// truncated message teaches the records before the cut.
func (n *Names) LearnDNS(msg []byte, now time.Time) (int, error) {
	var a dnsAnswer
	if err := parseAnswer(msg, &a); err != nil && a.na == 0 {
		return 0, err
	}
	var name string
	for i := range a.na {
		r := &a.addrs[i]
		owner, ttl := a.chainStart(r.owner, r.ttl)
		if b := a.name(owner); name != string(b) { // one string per name
			name = string(b)
		}
		n.Set(r.addr, name, time.Duration(ttl)*time.Second, now)
	}
	return a.na, nil
}

// LearnDNSTCP reads the DNS messages of one DNS-over-TCP segment, each
// behind its two-byte length. A message that continues past the segment
// is reported as ErrDNSIncomplete after the whole ones are learned.
func (n *Names) LearnDNSTCP(seg []byte, now time.Time) (int, error) {
	total := 0
	for len(seg) > 0 {
		if len(seg) < 2 {
			return total, ErrDNSIncomplete
		}
		l := int(binary.BigEndian.Uint16(seg))
		if 2+l > len(seg) {
			return total, ErrDNSIncomplete
		}
		k, err := n.LearnDNS(seg[2:2+l], now)
		total += k
		if err != nil {
			return total, err
		}
		seg = seg[2+l:]
	}
	return total, nil
}

func parseAnswer(msg []byte, a *dnsAnswer) error {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return ErrDNSMalformed
	}
	if !h.Response {
		return ErrDNSNotResponse
	}
	if h.RCode != dnsmessage.RCodeSuccess {
		return nil
	}
	if err := p.SkipAllQuestions(); err != nil {
		return ErrDNSMalformed
	}
	for {
		rh, err := p.AnswerHeader()
		if err == dnsmessage.ErrSectionDone {
			return nil
		}
		if err != nil {
			return ErrDNSMalformed
		}
		if err := a.record(&p, &rh); err != nil {
			return ErrDNSMalformed
		}
	}
}

// record reads the body of one answer record.
func (a *dnsAnswer) record(p *dnsmessage.Parser, rh *dnsmessage.ResourceHeader) error {
	if rh.Class != dnsmessage.ClassINET {
		return p.SkipAnswer()
	}
	switch rh.Type {
	case dnsmessage.TypeCNAME:
		r, err := p.CNAMEResource()
		if err != nil || a.nc == maxCNAMEs {
			return err
		}
		owner, ok1 := a.keep(&rh.Name)
		target, ok2 := a.keep(&r.CNAME)
		if ok1 && ok2 {
			a.cnames[a.nc] = cnameRec{owner: owner, target: target, ttl: rh.TTL}
			a.nc++
		}
		return nil
	case dnsmessage.TypeA:
		r, err := p.AResource()
		if err == nil {
			a.addAddr(&rh.Name, netip.AddrFrom4(r.A), rh.TTL)
		}
		return err
	case dnsmessage.TypeAAAA:
		r, err := p.AAAAResource()
		if err == nil {
			a.addAddr(&rh.Name, netip.AddrFrom16(r.AAAA).Unmap(), rh.TTL)
		}
		return err
	}
	return p.SkipAnswer()
}

func (a *dnsAnswer) addAddr(owner *dnsmessage.Name, addr netip.Addr, ttl uint32) {
	if a.na == maxAddrs {
		return
	}
	if s, ok := a.keep(owner); ok {
		a.addrs[a.na] = addrRec{owner: s, addr: addr, ttl: ttl}
		a.na++
	}
}

// chainStart follows CNAME records backwards from owner to the name the
// client asked for, and returns it with the smallest TTL on the way.
func (a *dnsAnswer) chainStart(owner span, ttl uint32) (span, uint32) {
	for range maxChain {
		found := false
		for i := range a.nc {
			c := &a.cnames[i]
			if bytes.Equal(a.name(c.target), a.name(owner)) && !bytes.Equal(a.name(c.owner), a.name(owner)) {
				owner, ttl, found = c.owner, min(ttl, c.ttl), true
				break
			}
		}
		if !found {
			break
		}
	}
	return owner, ttl
}
