package classify

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// The seed corpora are in testdata/fuzz/Fuzz*; they replay as ordinary
// tests. To fuzz: go test -fuzz=FuzzClassify -fuzztime=60s ./edge/classify
// (the packet parser's fuzzer is edge/ippkt's FuzzParse).

func FuzzClassify(f *testing.F) {
	f.Add(ip4(ProtoTCP, "10.1.0.2", "10.2.0.2", 0, tcpHdr(40000, 443, []byte{22, 3, 1, 0, 9, 1, 0, 0, 5})))
	f.Add(ip4(ProtoUDP, "10.9.0.53", "10.1.0.2", 0, udpHdr(53, 40000, []byte{0, 7, 0x81, 0x80, 0, 1, 0, 1})))
	rules := MustRules(Config{})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		c := New(rules, Options{MaxFlows: 2, MaxNames: 2, MaxReassembly: 1})
		for i := range 3 {
			v, err := c.Classify(pkt, t0.Add(time.Duration(i)*time.Second))
			if v.App == nil {
				t.Fatal("nil App")
			}
			if err == nil && c.Len() != 1 {
				t.Fatalf("Len %d", c.Len())
			}
		}
		c.Observe(pkt, t0)
	})
}

func FuzzLearnDNS(f *testing.F) {
	f.Add(dnsResponse(f, "a.example.com.", dnsmessage.RCodeSuccess,
		rr{"a.example.com.", "CNAME", "b.cdn.net.", 300}, rr{"b.cdn.net.", "A", "192.0.2.1", 60}))
	f.Add([]byte{0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, msg []byte) {
		n := NewNames(4)
		k, err := n.LearnDNS(msg, t0)
		if k > maxAddrs || (err != nil && k != 0) {
			t.Fatalf("LearnDNS = %d, %v", k, err)
		}
		if err != nil {
			if _, ok := err.(DNSError); !ok {
				t.Fatalf("error %T %v", err, err)
			}
		}
		if n.Len() > 4 {
			t.Fatalf("Len %d", n.Len())
		}
		_, _ = n.LearnDNSTCP(msg, t0)
	})
}

func FuzzParseSNI(f *testing.F) {
	f.Add(clientHello(f, "a.example.com"))
	f.Add([]byte{22, 3, 1, 0, 9, 1, 0, 0, 5, 3, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		name, err := ParseSNI(b)
		if err != nil {
			if _, ok := err.(SNIError); !ok || name != nil {
				t.Fatalf("%q, error %T %v", name, err, err)
			}
			return
		}
		if !validHostName(name) || !bytes.Contains(b, name) {
			t.Fatalf("name %q", name)
		}
	})
}

func FuzzParseQUICSNI(f *testing.F) {
	f.Add([]byte{0xc0, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0x41, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		name, err := ParseQUICSNI(b)
		if err != nil {
			if _, ok := err.(SNIError); !ok || name != nil {
				t.Fatalf("%q, error %T %v", name, err, err)
			}
			return
		}
		if !validHostName(name) {
			t.Fatalf("name %q", name)
		}
	})
}

func FuzzCryptoStream(f *testing.F) {
	f.Add([]byte{0x06, 5, 2, 'l', 'd', 0, 0x06, 0, 5, 'h', 'e', 'l', 'l', 'o', 0x02, 5, 0, 1, 0, 1, 2})
	f.Fuzz(func(t *testing.T, p []byte) {
		s, err := cryptoStream(p, nil)
		if err == nil && (len(s) == 0 || len(s) > maxCryptoBytes) {
			t.Fatalf("stream of %d bytes", len(s))
		}
	})
}
