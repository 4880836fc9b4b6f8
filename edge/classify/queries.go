package classify

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Why DNS answers are matched to queries.
//
// The name table is shared by every flow of the site: an address learned
// from one answer names every flow to that address. Answers come in from
// the tunnels, that is from other sites; if every packet from port 53
// were read, a host at another site could send this site's hosts answers
// nobody asked for, relabel any address (moving the site's flows into
// another application's class) and, with answers of 32 addresses each,
// evict everything the table had learned. So an answer teaches names
// only when it answers a query this site's LAN sent through the edge:
// same client address and port, same server address, same query ID and
// the same question name (compared without case). Queries wait in a
// bounded table for DNSQueryTimeout; an answer consumes its query.

// Bounds of the pending-query table.
const (
	// DefaultMaxQueries is how many queries wait for their answer by
	// default; past it the oldest is forgotten.
	DefaultMaxQueries = 4096
	// DNSQueryTimeout is how long a query waits: resolvers give up and
	// retry (with a new ID) well before.
	DNSQueryTimeout = 10 * time.Second
)

// queryKey is what an answer must repeat of its query.
type queryKey struct {
	client, server netip.Addr
	clientPort     uint16
	id             uint16
	proto          uint8
}

type pendingQuery struct {
	name    uint64 // hash of the question name, lower case
	expires time.Time
	seq     uint64 // its place in the ring
}

type ringSlot struct {
	key queryKey
	seq uint64
}

// queries is the pending-query table. The forwarder adds (sent), path
// receivers consume (answered): mu guards everything.
type queries struct {
	seed    maphash.Seed
	mu      sync.Mutex
	pending map[queryKey]pendingQuery // mu; at most len(ring)
	ring    []ringSlot                // mu; insertion order, oldest at head
	head, n int                       // mu
	seq     uint64                    // mu; the last query's number
}

func newQueries(max int) *queries {
	if max <= 0 {
		max = DefaultMaxQueries
	}
	return &queries{seed: maphash.MakeSeed(), pending: make(map[queryKey]pendingQuery, max), ring: make([]ringSlot, max)}
}

// sent records the DNS query msg that p (from the LAN, to port 53)
// carries. Anything that is not a query with a question is ignored.
func (q *queries) sent(p *Packet, msg []byte, now time.Time) {
	id, response, name, ok := q.header(msg)
	if !ok || response {
		return
	}
	k := queryKey{client: p.Flow.Src, server: p.Flow.Dst, clientPort: p.Flow.SrcPort, id: id, proto: p.Flow.Proto}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == len(q.ring) { // full: forget the oldest
		old := q.ring[q.head]
		if e, ok := q.pending[old.key]; ok && e.seq == old.seq {
			delete(q.pending, old.key)
		}
		q.head = (q.head + 1) % len(q.ring)
		q.n--
	}
	q.seq++
	q.ring[(q.head+q.n)%len(q.ring)] = ringSlot{key: k, seq: q.seq}
	q.n++
	q.pending[k] = pendingQuery{name: name, expires: now.Add(DNSQueryTimeout), seq: q.seq}
}

// answered reports whether the DNS response msg that p (from port 53,
// from a tunnel) carries answers a pending query, and consumes it.
func (q *queries) answered(p *Packet, msg []byte, now time.Time) error {
	id, response, name, ok := q.header(msg)
	switch {
	case !ok:
		return ErrDNSMalformed
	case !response:
		return ErrDNSNotResponse
	}
	k := queryKey{client: p.Flow.Dst, server: p.Flow.Src, clientPort: p.Flow.DstPort, id: id, proto: p.Flow.Proto}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, found := q.pending[k]
	if !found || e.name != name || !now.Before(e.expires) {
		return ErrDNSUnsolicited
	}
	delete(q.pending, k)
	return nil
}

// header reads a DNS message's ID, QR bit and the hash of its first
// question's name. ok is false when there is no question to read.
func (q *queries) header(msg []byte) (id uint16, response bool, name uint64, ok bool) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return 0, false, 0, false
	}
	qn, err := p.Question()
	if err != nil {
		return 0, false, 0, false
	}
	var hh maphash.Hash
	hh.SetSeed(q.seed)
	for _, c := range qn.Name.Data[:qn.Name.Length] {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		_ = hh.WriteByte(c)
	}
	return h.ID, h.Response, hh.Sum64(), true
}

// len is the number of queries waiting (expired ones included until
// they are pushed out).
func (q *queries) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// dnsMessages returns the DNS messages of a packet's payload: the payload
// itself over UDP; over TCP each message behind its two-byte length, up
// to max, and ErrDNSIncomplete when one continues past the segment.
func dnsMessages(p *Packet, out [][]byte) ([][]byte, error) {
	if p.Flow.Proto == ProtoUDP {
		return append(out, p.Payload), nil
	}
	for seg := p.Payload; len(seg) > 0 && len(out) < cap(out); {
		if len(seg) < 2 {
			return out, ErrDNSIncomplete
		}
		l := int(binary.BigEndian.Uint16(seg))
		if 2+l > len(seg) {
			return out, ErrDNSIncomplete
		}
		out = append(out, seg[2:2+l])
		seg = seg[2+l:]
	}
	return out, nil
}

// ObserveQuery records the DNS queries of a packet going out from the
// LAN that the edge forwards without classifying it (a pinned flow), so
// that Observe learns from their answers. ClassifyPacket does it for the
// packets it classifies. Forwarder goroutine only, as ClassifyPacket.
func (c *Classifier) ObserveQuery(p *Packet, now time.Time) { c.noteQueries(p, now) }

// noteQueries records the DNS queries of a packet going out from the LAN
// to port 53 (ClassifyPacket, ObserveQuery).
func (c *Classifier) noteQueries(p *Packet, now time.Time) {
	if !p.Ports || p.Flow.DstPort != 53 || len(p.Payload) == 0 || (p.Flow.Proto != ProtoUDP && p.Flow.Proto != ProtoTCP) {
		return
	}
	var buf [maxDNSPerSegment][]byte
	msgs, _ := dnsMessages(p, buf[:0])
	for _, m := range msgs {
		c.queries.sent(p, m, now)
	}
}

// learnDNS feeds the DNS responses of a packet from a tunnel (from port
// 53) to the name table, each only when it answers a query of this
// site's LAN (queries).
func (c *Classifier) learnDNS(p *Packet, now time.Time) {
	if !p.Ports || p.Flow.SrcPort != 53 || len(p.Payload) == 0 || (p.Flow.Proto != ProtoUDP && p.Flow.Proto != ProtoTCP) {
		return
	}
	var buf [maxDNSPerSegment][]byte
	msgs, err := dnsMessages(p, buf[:0])
	for _, m := range msgs {
		c.learnAnswer(p, m, now)
	}
	if err != nil {
		c.stats.dnsErrors[err.(DNSError)].Add(1)
	}
}

// maxDNSPerSegment bounds the DNS messages read from one TCP segment.
const maxDNSPerSegment = 16

func (c *Classifier) learnAnswer(p *Packet, msg []byte, now time.Time) {
	c.stats.dnsMessages.Add(1)
	if err := c.queries.answered(p, msg, now); err != nil {
		c.stats.dnsErrors[err.(DNSError)].Add(1)
		return
	}
	n, err := c.names.LearnDNS(msg, now)
	c.stats.dnsAddrs.Add(uint64(n))
	if err != nil {
		c.stats.dnsErrors[err.(DNSError)].Add(1)
	}
}
