package dataplane_test

import (
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/patronus-sdwan/patronus/edge/ippkt/pkttest"
	"github.com/patronus-sdwan/patronus/edge/localapi"
)

// TestSitesDeliverOnlyToLocal: site 1 believes site 2 routes more than
// its LAN (a misconfigured or hostile peer edge) and sends through the
// tunnel packets for an address beyond site 2 (an exit to the
// internet), for site 2's own WAN address, back to its own LAN, and from
// a LAN host of its own to site 2's control address. Site 2 delivers
// none of them and counts each as drop_dest_rejected; a packet for its
// LAN, one for site 3's LAN (transit, as a hub's) and one between the two
// control addresses arrive.
func TestSitesDeliverOnlyToLocal(t *testing.T) {
	n := newTestNet(t, 1, 2, 3)
	c1 := n.config(1, []int{2}, slowBFD)
	c1.Peers[0].Prefixes = append(c1.Peers[0].Prefixes, netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.18.0.2/32"), netip.MustParsePrefix("10.1.0.99/32"), netip.MustParsePrefix("10.3.0.0/24"))
	c1.LANPrefixes = append(c1.LANPrefixes, netip.MustParsePrefix("fd00:1::/64"))
	c2 := n.config(2, []int{1, 3}, slowBFD)
	c2.Peers[0].Prefixes = append(c2.Peers[0].Prefixes, netip.MustParsePrefix("fd00:1::/64"))
	s1, s2 := n.start(1, c1), n.start(2, c2)
	n.start(3, n.config(3, []int{2}, slowBFD))
	n.waitUp()

	payload := []byte("hello, site 2")
	refused := [][]byte{
		pkttest.IP4(17, "10.1.0.2", "192.0.2.1", 0, pkttest.UDP(5000, 53, payload)),          // an exit
		pkttest.IP4(6, "10.1.0.2", "198.18.0.2", 0, pkttest.TCP(5000, 22, payload)),          // the edge host
		pkttest.IP6(17, "fd00:1::2", "fd70:6174:726f::2", 0, pkttest.UDP(5000, 22, payload)), // control address, from a host
		pkttest.IP4(17, "10.1.0.2", "10.1.0.99", 0, pkttest.UDP(5000, 5001, payload)),        // back to the sender
	}
	for _, pkt := range refused {
		s1.tun.Inject(pkt)
	}
	wanted := [][]byte{
		pkttest.IP4(17, "10.1.0.2", "10.2.0.2", 0, pkttest.UDP(5000, 5001, payload)),
		pkttest.IP4(17, "10.1.0.2", "10.3.0.2", 0, pkttest.UDP(5000, 5001, payload)), // transit
		pkttest.IP6(17, "fd70:6174:726f::1", "fd70:6174:726f::2", 0, pkttest.UDP(5000, 5001, payload)),
	}
	for _, pkt := range wanted {
		s1.tun.Inject(pkt)
		select {
		case got := <-s2.tun.Out():
			if string(got) != string(pkt) {
				t.Errorf("delivered %x, want %x", got, pkt)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%x: not delivered", pkt)
		}
	}
	select {
	case got := <-s2.tun.Out():
		t.Errorf("delivered %x, want nothing more", got)
	case <-time.After(200 * time.Millisecond):
	}
	if f := s2.dp.Status().Forwarder; f["drop_dest_rejected"] != uint64(len(refused)) || f["drop_source_rejected"] != 0 {
		t.Errorf("site 2 forwarder %v, want drop_dest_rejected %d", f, len(refused))
	}
}

// TestSitesDNSNamesOfPinnedFlows: a host of site 1 whose traffic is
// pinned asks site 2's resolver for a name; site 1 learns the answer (a
// later flow to the address carries the name), and an answer nobody at
// site 1 asked for is counted as dns_unsolicited and teaches nothing.
func TestSitesDNSNamesOfPinnedFlows(t *testing.T) {
	n := newTestNet(t, 1, 2)
	s1 := n.start(1, n.config(1, []int{2}, slowBFD))
	s2 := n.start(2, n.config(2, []int{1}, slowBFD))
	n.waitUp()
	if err := s1.dp.SetPins([]localapi.Pin{{Path: s1.dp.Paths()[0].ID}}); err != nil {
		t.Fatal(err)
	}
	relay := func(from, to *testSite, pkt []byte) {
		t.Helper()
		from.tun.Inject(pkt)
		select {
		case <-to.tun.Out():
		case <-time.After(10 * time.Second):
			t.Fatalf("%x: not delivered", pkt)
		}
	}
	relay(s1, s2, pkttest.IP4(17, "10.1.0.2", "10.2.0.53", 0, pkttest.UDP(40000, 53, dnsMessage(t, false, "crm.example", ""))))
	relay(s2, s1, pkttest.IP4(17, "10.2.0.53", "10.1.0.2", 0, pkttest.UDP(53, 40000, dnsMessage(t, true, "crm.example", "10.2.0.80"))))
	relay(s2, s1, pkttest.IP4(17, "10.2.0.53", "10.1.0.2", 0, pkttest.UDP(53, 40001, dnsMessage(t, true, "evil.example", "10.2.0.81"))))
	if err := s1.dp.SetPins(nil); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{"10.2.0.80", "10.2.0.81"} {
		relay(s1, s2, pkttest.IP4(6, "10.1.0.2", dst, 0, pkttest.TCP(40002, 443, nil)))
	}
	names := map[string]string{}
	fs, _ := s1.dp.Flows()
	for _, f := range fs {
		names[f.Dst] = f.Name
	}
	if names["10.2.0.80"] != "crm.example" || names["10.2.0.81"] != "" {
		t.Errorf("flow names %v, want crm.example for 10.2.0.80 only", names)
	}
	if got := s1.dp.Status().Forwarder["dns_unsolicited"]; got != 1 {
		t.Errorf("dns_unsolicited %d, want 1", got)
	}
}

// dnsMessage is a DNS query for name (ID 7), or its answer with one A
// record.
func dnsMessage(t *testing.T, response bool, name, a string) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, Response: response})
	q := dnsmessage.Question{Name: dnsmessage.MustNewName(name + "."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	if err := b.StartQuestions(); err != nil {
		t.Fatal(err)
	}
	if err := b.Question(q); err != nil {
		t.Fatal(err)
	}
	if response {
		if err := b.StartAnswers(); err != nil {
			t.Fatal(err)
		}
		h := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 300}
		if err := b.AResource(h, dnsmessage.AResource{A: netip.MustParseAddr(a).As4()}); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}
