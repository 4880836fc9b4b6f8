package classify

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type rr struct {
	name, typ, data string // typ: A, AAAA, CNAME, TXT
	ttl             uint32
}

// dnsResponse builds a response to a question for q with the answers.
func dnsResponse(t testing.TB, q string, rcode dnsmessage.RCode, answers ...rr) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, Response: true, RCode: rcode, RecursionAvailable: true})
	b.EnableCompression()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.StartQuestions())
	must(b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(q), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
	must(b.StartAnswers())
	for _, a := range answers {
		h := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(a.name), Class: dnsmessage.ClassINET, TTL: a.ttl}
		switch a.typ {
		case "A":
			must(b.AResource(h, dnsmessage.AResource{A: netip.MustParseAddr(a.data).As4()}))
		case "AAAA":
			must(b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: netip.MustParseAddr(a.data).As16()}))
		case "CNAME":
			must(b.CNAMEResource(h, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(a.data)}))
		case "TXT":
			must(b.TXTResource(h, dnsmessage.TXTResource{TXT: []string{a.data}}))
		}
	}
	msg, err := b.Finish()
	must(err)
	return msg
}

func dnsQuery(t testing.TB, q string) []byte {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, RecursionDesired: true})
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(q), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestLearnDNS(t *testing.T) {
	chain := dnsResponse(t, "a.example.com.", dnsmessage.RCodeSuccess,
		rr{"a.example.com.", "CNAME", "b.cdn.net.", 300},
		rr{"b.cdn.net.", "CNAME", "c.edge.net.", 120},
		rr{"c.edge.net.", "A", "192.0.2.1", 600},
		rr{"c.edge.net.", "A", "192.0.2.2", 600},
		rr{"c.edge.net.", "AAAA", "2001:db8::1", 90},
		rr{"x.example.", "TXT", "ignored", 600},
	)
	tests := []struct {
		name    string
		msg     []byte
		learned int
		err     error
		want    map[string]string // address → name
	}{
		{"single A", dnsResponse(t, "www.Example.COM.", dnsmessage.RCodeSuccess, rr{"www.Example.COM.", "A", "198.51.100.7", 300}),
			1, nil, map[string]string{"198.51.100.7": "www.example.com"}},
		{"cname chain", chain, 3, nil, map[string]string{
			"192.0.2.1": "a.example.com", "192.0.2.2": "a.example.com", "2001:db8::1": "a.example.com"}},
		{"cname after the address", dnsResponse(t, "v.example.", dnsmessage.RCodeSuccess,
			rr{"w.cdn.example.", "A", "192.0.2.9", 60}, rr{"v.example.", "CNAME", "w.cdn.example.", 60}),
			1, nil, map[string]string{"192.0.2.9": "v.example"}},
		{"cname loop ends", dnsResponse(t, "l1.example.", dnsmessage.RCodeSuccess,
			rr{"l1.example.", "CNAME", "l2.example.", 60}, rr{"l2.example.", "CNAME", "l1.example.", 60},
			rr{"l2.example.", "A", "192.0.2.10", 60}),
			1, nil, map[string]string{"192.0.2.10": ""}}, // some name of the loop; must not hang
		{"nxdomain", dnsResponse(t, "nx.example.", dnsmessage.RCodeNameError), 0, nil, nil},
		{"query", dnsQuery(t, "q.example."), 0, ErrDNSNotResponse, nil},
		{"garbage", []byte("not a dns message"), 0, ErrDNSNotResponse, nil}, // any 12 bytes are a header
		{"questions missing", []byte{0, 7, 0x81, 0x80, 0, 5, 0, 0, 0, 0, 0, 0, 3, 'a'}, 0, ErrDNSMalformed, nil},
		{"short header", []byte{0, 7, 0x81}, 0, ErrDNSMalformed, nil},
		{"header only cut", chain[:11], 0, ErrDNSMalformed, nil},
		{"cut in the answers keeps the records before", chain[:len(chain)-30], 2, nil, map[string]string{"192.0.2.1": "a.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NewNames(16)
			got, err := n.LearnDNS(tt.msg, t0)
			if got != tt.learned || !errors.Is(err, tt.err) {
				t.Fatalf("LearnDNS = %d, %v; want %d, %v", got, err, tt.learned, tt.err)
			}
			for a, want := range tt.want {
				name, ok := n.Lookup(addr(a), t0.Add(time.Second))
				if !ok || (want != "" && name != want) {
					t.Errorf("%s → %q %v, want %q", a, name, ok, want)
				}
			}
		})
	}
}

func TestNamesTTL(t *testing.T) {
	n := NewNames(16)
	msg := dnsResponse(t, "a.example.com.", dnsmessage.RCodeSuccess,
		rr{"a.example.com.", "CNAME", "b.cdn.net.", 300},
		rr{"b.cdn.net.", "A", "192.0.2.1", 900},
		rr{"short.example.", "A", "192.0.2.2", 0},
		rr{"long.example.", "A", "192.0.2.3", 7 * 24 * 3600},
	)
	if _, err := n.LearnDNS(msg, t0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr  string
		after time.Duration
		ok    bool
	}{
		{"192.0.2.1", 299 * time.Second, true}, // the chain's smallest TTL: 300 s
		{"192.0.2.1", 300 * time.Second, false},
		{"192.0.2.2", DNSMinTTL - time.Second, true}, // TTL 0 is kept DNSMinTTL
		{"192.0.2.2", DNSMinTTL, false},
		{"192.0.2.3", DNSMaxTTL - time.Second, true},
		{"192.0.2.3", DNSMaxTTL, false},
	}
	for _, tt := range tests {
		if _, ok := n.Lookup(addr(tt.addr), t0.Add(tt.after)); ok != tt.ok {
			t.Errorf("%s after %v: %v, want %v", tt.addr, tt.after, ok, tt.ok)
		}
	}
	// A new answer refreshes the name and the expiry.
	n.Set(addr("192.0.2.1"), "other.example", time.Hour, t0.Add(time.Hour))
	if name, ok := n.Lookup(addr("192.0.2.1"), t0.Add(90*time.Minute)); !ok || name != "other.example" {
		t.Errorf("after refresh: %q %v", name, ok)
	}
	// IPv4-mapped IPv6 is the IPv4 address.
	if _, ok := n.Lookup(addr("::ffff:192.0.2.1"), t0.Add(90*time.Minute)); !ok {
		t.Error("mapped address not found")
	}
}

func TestNamesLRU(t *testing.T) {
	n := NewNames(3)
	for i, a := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		n.Set(addr(a), a, time.Hour, t0.Add(time.Duration(i)))
	}
	n.Lookup(addr("192.0.2.1"), t0) // 2 is now the least recently used
	n.Set(addr("192.0.2.4"), "4", time.Hour, t0)
	if n.Len() != 3 {
		t.Fatalf("Len %d, want 3", n.Len())
	}
	for a, want := range map[string]bool{"192.0.2.1": true, "192.0.2.2": false, "192.0.2.3": true, "192.0.2.4": true} {
		if _, ok := n.Lookup(addr(a), t0); ok != want {
			t.Errorf("%s present %v, want %v", a, ok, want)
		}
	}
	for i := range 100 { // churn through the slab
		n.Set(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), "x", time.Hour, t0)
	}
	if n.Len() != 3 {
		t.Fatalf("Len %d after churn, want 3", n.Len())
	}
}

func TestLearnDNSTCP(t *testing.T) {
	m1 := dnsResponse(t, "one.example.", dnsmessage.RCodeSuccess, rr{"one.example.", "A", "192.0.2.1", 60})
	m2 := dnsResponse(t, "two.example.", dnsmessage.RCodeSuccess, rr{"two.example.", "AAAA", "2001:db8::2", 60})
	framed := func(ms ...[]byte) []byte {
		var out []byte
		for _, m := range ms {
			out = binary.BigEndian.AppendUint16(out, uint16(len(m)))
			out = append(out, m...)
		}
		return out
	}
	n := NewNames(8)
	if k, err := n.LearnDNSTCP(framed(m1, m2), t0); k != 2 || err != nil {
		t.Fatalf("two messages: %d, %v", k, err)
	}
	seg := framed(m1, m2)
	if k, err := n.LearnDNSTCP(seg[:len(seg)-3], t0); k != 1 || err != ErrDNSIncomplete {
		t.Fatalf("second message cut: %d, %v", k, err)
	}
	if k, err := n.LearnDNSTCP([]byte{0}, t0); k != 0 || err != ErrDNSIncomplete {
		t.Fatalf("one byte: %d, %v", k, err)
	}
}

// Every prefix of a response is learned in part or refused, never a panic.
func TestLearnDNSTruncated(t *testing.T) {
	msg := dnsResponse(t, "a.example.com.", dnsmessage.RCodeSuccess,
		rr{"a.example.com.", "CNAME", "b.cdn.net.", 300}, rr{"b.cdn.net.", "A", "192.0.2.1", 600})
	for i := range len(msg) {
		n := NewNames(4)
		if k, err := n.LearnDNS(msg[:i], t0); k > 1 || (k == 0 && err == nil && i > 12) {
			t.Errorf("%d bytes: %d, %v", i, k, err)
		}
	}
}
