package classify

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/patronus-sdwan/patronus/edge/ippkt"
)

// withID is a DNS message with its ID replaced.
func withID(msg []byte, id uint16) []byte {
	m := append([]byte(nil), msg...)
	binary.BigEndian.PutUint16(m, id)
	return m
}

// answerFrom is a UDP DNS answer from server:53 to client:port mapping
// q to a.
func answerFrom(t testing.TB, server, client string, port uint16, id uint16, q, a string) []byte {
	msg := withID(dnsResponse(t, q+".", dnsmessage.RCodeSuccess, rr{q + ".", "A", a, 300}), id)
	return ip4(ProtoUDP, server, client, 0, udpHdr(53, port, msg))
}

// TestDNSLearnsOnlyAnswersToQueries: after the LAN host 10.1.0.2:40000
// asked 10.9.0.53 for q.example with ID 7, only an answer from that
// server to that host and port, with that ID and question, teaches a
// name, once, and within DNSQueryTimeout. Every other answer is counted
// as dns_unsolicited and teaches nothing.
func TestDNSLearnsOnlyAnswersToQueries(t *testing.T) {
	forged := []struct {
		name string
		pkt  func(t *testing.T) []byte
		at   time.Duration
	}{
		{"other ID", func(t *testing.T) []byte {
			return answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 8, "q.example", "192.0.2.1")
		}, 0},
		{"other question", func(t *testing.T) []byte {
			return answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 7, "r.example", "192.0.2.1")
		}, 0},
		{"other client port", func(t *testing.T) []byte {
			return answerFrom(t, "10.9.0.53", "10.1.0.2", 40001, 7, "q.example", "192.0.2.1")
		}, 0},
		{"other client", func(t *testing.T) []byte {
			return answerFrom(t, "10.9.0.53", "10.1.0.3", 40000, 7, "q.example", "192.0.2.1")
		}, 0},
		{"other server", func(t *testing.T) []byte {
			return answerFrom(t, "10.8.0.53", "10.1.0.2", 40000, 7, "q.example", "192.0.2.1")
		}, 0},
		{"too late", func(t *testing.T) []byte {
			return answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 7, "q.example", "192.0.2.1")
		}, DNSQueryTimeout},
	}
	for _, f := range forged {
		t.Run(f.name, func(t *testing.T) {
			c := New(MustRules(Config{}), Options{})
			mustClassify(t, c, dnsQueryPacket(t, "q.example"), t0)
			c.Observe(f.pkt(t), t0.Add(f.at))
			if name, ok := c.Names().Lookup(addr("192.0.2.1"), t0.Add(f.at)); ok {
				t.Fatalf("learned %q from a forged answer", name)
			}
			if s := c.Stats(); s.DNSErrors[ErrDNSUnsolicited] != 1 || s.DNSAddrs != 0 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
	c := New(MustRules(Config{}), Options{})
	mustClassify(t, c, dnsQueryPacket(t, "q.example"), t0)
	// The question's case may differ (DNS 0x20).
	c.Observe(answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 7, "Q.Example", "192.0.2.1"), t0.Add(time.Second))
	if name, ok := c.Names().Lookup(addr("192.0.2.1"), t0.Add(time.Second)); !ok || name != "q.example" {
		t.Fatalf("the answer to the query: %q %v", name, ok)
	}
	// The query is answered: a second answer with another address is not.
	c.Observe(answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 7, "q.example", "192.0.2.2"), t0.Add(time.Second))
	if _, ok := c.Names().Lookup(addr("192.0.2.2"), t0.Add(time.Second)); ok {
		t.Fatal("a second answer to one query was learned")
	}
}

// TestDNSUnsolicitedFloodKeepsNames: a flood of answers of 32 addresses
// each from another site neither relabels a learned address nor evicts
// it, and the pending-query table stays within its bound.
func TestDNSUnsolicitedFloodKeepsNames(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxNames: 64, MaxQueries: 4})
	mustClassify(t, c, dnsQueryPacket(t, "crm.example"), t0)
	c.Observe(answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 7, "crm.example", "198.51.100.10"), t0)
	for i := range 100 {
		var answers []rr
		answers = append(answers, rr{"evil.example.", "A", "198.51.100.10", 86400})
		for j := range 31 {
			answers = append(answers, rr{"evil.example.", "A", fmt.Sprintf("203.0.%d.%d", i, j), 86400})
		}
		msg := withID(dnsResponse(t, "evil.example.", dnsmessage.RCodeSuccess, answers...), uint16(i))
		c.Observe(ip4(ProtoUDP, "10.9.0.53", "10.1.0.2", 0, udpHdr(53, uint16(40000+i), msg)), t0)
	}
	if name, ok := c.Names().Lookup(addr("198.51.100.10"), t0); !ok || name != "crm.example" {
		t.Fatalf("after the flood 198.51.100.10 is %q (%v), want crm.example", name, ok)
	}
	if n := c.Names().Len(); n != 1 {
		t.Fatalf("%d names, want 1", n)
	}
	if s := c.Stats(); s.DNSErrors[ErrDNSUnsolicited] != 100 {
		t.Fatalf("dns_unsolicited %d, want 100", s.DNSErrors[ErrDNSUnsolicited])
	}
	// Bounded: of six queries the two oldest are forgotten.
	for i := range 6 {
		q := ip4(ProtoUDP, "10.1.0.2", "10.9.0.53", 0, udpHdr(50000+uint16(i), 53, dnsQuery(t, "b.example.")))
		mustClassify(t, c, q, t0)
	}
	if n := c.queries.len(); n != 4 {
		t.Fatalf("%d pending queries, want the bound 4", n)
	}
	c.Observe(answerFrom(t, "10.9.0.53", "10.1.0.2", 50000, 7, "b.example", "192.0.2.50"), t0)
	c.Observe(answerFrom(t, "10.9.0.53", "10.1.0.2", 50005, 7, "b.example", "192.0.2.55"), t0)
	if _, ok := c.Names().Lookup(addr("192.0.2.50"), t0); ok {
		t.Fatal("the answer to a forgotten query was learned")
	}
	if _, ok := c.Names().Lookup(addr("192.0.2.55"), t0); !ok {
		t.Fatal("the answer to the newest query was not learned")
	}
}

// TestDNSQueryTableDoesNotAllocate: recording a query and refusing an
// unsolicited answer take no allocation (a flood of either costs no
// garbage).
func TestDNSQueryTableDoesNotAllocate(t *testing.T) {
	c := New(MustRules(Config{}), Options{MaxQueries: 8})
	var q, a Packet
	if err := ippkt.Parse(dnsQueryPacket(t, "q.example"), &q); err != nil {
		t.Fatal(err)
	}
	if err := ippkt.Parse(answerFrom(t, "10.9.0.53", "10.1.0.2", 40000, 9, "q.example", "192.0.2.1"), &a); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { c.noteQueries(&q, t0) }); n != 0 {
		t.Errorf("recording a query allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.ObservePacket(&a, t0) }); n != 0 {
		t.Errorf("refusing an unsolicited answer allocates %v times", n)
	}
}
