package server

import (
	"bytes"
	"testing"
	"time"

	pb "github.com/patronus-sdwan/patronus/api/patronus/v1"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/relay/wire"
)

// TestAddRelay: the two ends of a path get the same session, opposite
// sides, and tokens a relay with the key accepts for their own site
// only; without a relay the configuration is unchanged.
func TestAddRelay(t *testing.T) {
	key := bytes.Repeat([]byte{9}, wire.KeyLen)
	cfgOf := func(self, peer string) *pb.EdgeConfig {
		return &pb.EdgeConfig{Site: &pb.Site{Name: self}, Links: []*pb.Link{{Name: "inet"}, {Name: "lte"}},
			Peers: []*pb.Peer{{Site: &pb.Site{Name: peer}, Links: []*pb.PeerLink{{Name: "fibre", Endpoint: "192.0.2.1:51820"}}}}}
	}
	a, b := cfgOf("alpha", "beta"), cfgOf("beta", "alpha")
	b.Links = []*pb.Link{{Name: "fibre"}}
	a.Peers[0].Links[0].Name = "fibre"
	b.Peers[0].Links = []*pb.PeerLink{{Name: "inet"}, {Name: "lte"}}
	addRelay(a, Relay{Endpoint: "198.51.100.1:3478", Key: key}, nil)
	addRelay(b, Relay{Endpoint: "198.51.100.1:3478", Key: key}, nil)
	if a.GetRelay().GetEndpoint() != "198.51.100.1:3478" {
		t.Fatalf("relay %v", a.GetRelay())
	}
	aAllocs := a.Peers[0].Links[0].GetRelay()
	if len(aAllocs) != 2 || aAllocs[0].GetLocalLink() != "inet" || aAllocs[1].GetLocalLink() != "lte" {
		t.Fatalf("alpha's allocations %v, want one per local link", aAllocs)
	}
	// alpha inet -> beta fibre is beta's fibre <- alpha inet.
	bAlloc := b.Peers[0].Links[0].GetRelay()[0]
	if bAlloc.GetLocalLink() != "fibre" || bAlloc.GetSession() != aAllocs[0].GetSession() || bAlloc.GetSide() == aAllocs[0].GetSide() {
		t.Fatalf("ends disagree: alpha %v, beta %v", aAllocs[0], bAlloc)
	}
	if aAllocs[0].GetSession() == aAllocs[1].GetSession() {
		t.Fatal("two paths share a session")
	}
	for _, c := range []struct {
		site  string
		alloc *pb.RelayAllocation
		ok    bool
	}{{"alpha", aAllocs[0], true}, {"beta", bAlloc, true}, {"beta", aAllocs[0], false}} {
		var tok [wire.TokenLen]byte
		copy(tok[:], c.alloc.GetToken())
		msg, err := wire.AppendRegister(nil, wire.Register{Session: c.alloc.GetSession(), Side: uint8(c.alloc.GetSide()), Site: c.site, Time: time.Now()}, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wire.VerifyRegister(msg, key); (err == nil) != c.ok {
			t.Errorf("%s registering with %v: %v, want ok %v", c.site, c.alloc, err, c.ok)
		}
	}
	plain := cfgOf("alpha", "beta")
	addRelay(plain, Relay{}, nil)
	if plain.Relay != nil || plain.Peers[0].Links[0].Relay != nil {
		t.Error("no relay configured, yet allocations were added")
	}
}

// TestAddRelayStartsRelayed: a path with a link behind a NAT mapping per
// destination at either end starts relayed; one whose ends are both
// punchable, public or unknown starts direct.
func TestAddRelayStartsRelayed(t *testing.T) {
	key := bytes.Repeat([]byte{9}, wire.KeyLen)
	sym := pb.NatBehaviour_NAT_BEHAVIOUR_ADDRESS_AND_PORT_DEPENDENT
	cone := pb.NatBehaviour_NAT_BEHAVIOUR_ENDPOINT_INDEPENDENT
	cfg := &pb.EdgeConfig{Site: &pb.Site{Name: "alpha"}, Links: []*pb.Link{{Name: "lte"}, {Name: "inet"}, {Name: "dsl"}},
		Peers: []*pb.Peer{{Site: &pb.Site{Name: "beta"}, Links: []*pb.PeerLink{
			{Name: "lte", ObservedEndpoint: "192.0.2.1:40000", Nat: &pb.NatKind{Mapping: sym, Filtering: sym}},
			{Name: "dsl", ObservedEndpoint: "192.0.2.2:40000", Nat: &pb.NatKind{Mapping: cone, Filtering: sym}}}}}}
	own := map[string]store.LinkNAT{"lte": {Site: "alpha", Link: "lte", Mapping: "address-and-port-dependent"},
		"inet": {Site: "alpha", Link: "inet", Mapping: "none"}}
	addRelay(cfg, Relay{Endpoint: "198.51.100.1:3478", Key: key}, own)
	// A symmetric end (alpha's lte, beta's lte) starts relayed; dsl
	// (unknown) to dsl (cone) and public inet to cone dsl try direct.
	want := map[string]bool{"lte->lte": true, "inet->lte": true, "dsl->lte": true, "lte->dsl": true, "inet->dsl": false, "dsl->dsl": false}
	for _, pl := range cfg.Peers[0].Links {
		for _, a := range pl.GetRelay() {
			name := a.GetLocalLink() + "->" + pl.GetName()
			if a.GetStartRelayed() != want[name] {
				t.Errorf("%s: start_relayed %v, want %v", name, a.GetStartRelayed(), want[name])
			}
			delete(want, name)
		}
	}
	if len(want) > 0 {
		t.Errorf("no allocation for %v", want)
	}
}

// TestPathChangeTransport: a sample's transport reaches the live event;
// a value that is neither direct nor relayed is reported as not said.
func TestPathChangeTransport(t *testing.T) {
	for in, want := range map[pb.PathTransport]string{pb.PathTransport_PATH_TRANSPORT_DIRECT: "direct",
		pb.PathTransport_PATH_TRANSPORT_RELAYED: "relayed", pb.PathTransport_PATH_TRANSPORT_UNSPECIFIED: "", 77: ""} {
		if got := pathChange(&pb.PathSample{PathId: "a/x->b/y", Transport: in}).Transport; got != want {
			t.Errorf("transport %v became %q, want %q", in, got, want)
		}
	}
}
