package storetest

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

func testBGP(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	if b := must(s.SiteBGP(ctx, "corp", "a"))(t); b.LocalAS != 0 {
		t.Fatalf("a site without BGP: %+v", b)
	}
	_, err := s.SiteBGP(ctx, "corp", "nope")
	wantErr(t, err, store.ErrNotFound, "")
	rev := must(s.Network(ctx, "corp"))(t).Revision
	off, delay := false, uint32(0)
	b := store.SiteBGP{LocalAS: 4200000001, OverlayAS: 65000, ReadvertiseDelayMS: &delay, RouterID: "10.1.0.1", Neighbors: []store.BGPNeighbor{
		{Address: "10.1.0.2", RemoteAS: 65001, Password: "pw", BFD: true, MaxPrefixes: 50, MaxPrefixesRestart: 30},
		{Address: "2001:db8::2", RemoteAS: 65002}},
		ListenPort: -1, GracefulRestart: &off,
		Import: &store.BGPPolicy{Prefixes: []store.BGPPrefixMatch{{Prefix: "10.0.0.0/8", MaxLength: 24}}, RejectASPaths: []string{"_65999_"}},
		Export: &store.BGPPolicy{AddCommunities: []string{"65000:200"}}}
	ok(t, s.PutSiteBGP(ctx, "corp", "a", b))
	if got := must(s.SiteBGP(ctx, "corp", "a"))(t); got.LocalAS != b.LocalAS || len(got.Neighbors) != 2 || got.Neighbors[0] != b.Neighbors[0] ||
		got.ListenPort != -1 || got.GracefulRestart == nil || *got.GracefulRestart || got.Import.Prefixes[0] != b.Import.Prefixes[0] ||
		got.Import.RejectASPaths[0] != "_65999_" || got.Export.AddCommunities[0] != "65000:200" ||
		got.OverlayAS != 65000 || got.ReadvertiseDelayMS == nil || *got.ReadvertiseDelayMS != 0 {
		t.Fatalf("SiteBGP = %+v", got)
	}
	if n := must(s.Network(ctx, "corp"))(t); n.Revision <= rev {
		t.Fatal("PutSiteBGP did not bump the revision")
	}
	all := must(s.BGPSites(ctx, "corp"))(t)
	if len(all) != 1 || all["a"].RouterID != "10.1.0.1" {
		t.Fatalf("BGPSites = %+v", all)
	}
	bad := b
	bad.Neighbors = append(bad.Neighbors, b.Neighbors[0])
	wantErr(t, s.PutSiteBGP(ctx, "corp", "a", bad), store.ErrConflict, "neighbors.address")
	wantErr(t, s.PutSiteBGP(ctx, "corp", "a", store.SiteBGP{LocalAS: 1, RouterID: "::1"}), store.ErrInvalid, "router_id")
	wantErr(t, s.PutSiteBGP(ctx, "corp", "a", store.SiteBGP{LocalAS: 1, ListenPort: 70000}), store.ErrInvalid, "listen_port")
	st := store.BGPStatus{At: time.Unix(1_700_000_000, 0).UTC(), LocalAS: 4200000001, RouterID: "10.1.0.1",
		Neighbors: []store.BGPNeighborStatus{{Address: "10.1.0.2", RemoteAS: 65001, State: "idle", Reason: "prefix limit", Received: 7,
			Accepted: 5, Advertised: 3, BFDState: "up", MaxPrefixes: 5}}}
	rev = must(s.Network(ctx, "corp"))(t).Revision
	ok(t, s.SetBGPStatus(ctx, "corp", "a", st))
	st.Neighbors[0].State = "established"
	ok(t, s.SetBGPStatus(ctx, "corp", "a", st))
	got := must(s.BGPStatuses(ctx, "corp"))(t)
	if len(got) != 1 || !got["a"].At.Equal(st.At) || len(got["a"].Neighbors) != 1 || got["a"].Neighbors[0] != st.Neighbors[0] {
		t.Fatalf("BGPStatuses = %+v", got)
	}
	if must(s.Network(ctx, "corp"))(t).Revision != rev {
		t.Fatal("SetBGPStatus moved the revision")
	}
	wantErr(t, s.SetBGPStatus(ctx, "corp", "nope", st), store.ErrNotFound, "")
	ok(t, s.PutSiteBGP(ctx, "corp", "a", store.SiteBGP{}))
	if len(must(s.BGPSites(ctx, "corp"))(t)) != 0 {
		t.Fatal("LocalAS 0 did not remove the speaker")
	}
}

func testLearnedPrefixes(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	ps := []netip.Prefix{netip.MustParsePrefix("10.9.1.0/24"), netip.MustParsePrefix("fd00:9::/64")}
	if changed := must(s.SetLearnedPrefixes(ctx, "corp", "a", ps))(t); !changed {
		t.Fatal("first set: not changed")
	}
	rev := must(s.Network(ctx, "corp"))(t).Revision
	if changed := must(s.SetLearnedPrefixes(ctx, "corp", "a", []netip.Prefix{ps[1], ps[0]}))(t); changed {
		t.Fatal("the same set again: changed")
	}
	if must(s.Network(ctx, "corp"))(t).Revision != rev {
		t.Fatal("the same set again bumped the revision")
	}
	must(s.SetLearnedPrefixes(ctx, "corp", "b", ps[:1]))(t) // two sites may learn one prefix
	got := must(s.LearnedPrefixes(ctx, "corp"))(t)
	if len(got) != 3 || got[0].Site != "a" || got[2].Site != "b" {
		t.Fatalf("LearnedPrefixes = %+v", got)
	}
	if changed := must(s.SetLearnedPrefixes(ctx, "corp", "a", nil))(t); !changed {
		t.Fatal("withdrawing all: not changed")
	}
	if got := must(s.LearnedPrefixes(ctx, "corp"))(t); len(got) != 1 {
		t.Fatalf("after withdrawal: %+v", got)
	}
	ok(t, s.DeleteSite(ctx, "corp", "b"))
	if got := must(s.LearnedPrefixes(ctx, "corp"))(t); len(got) != 0 {
		t.Fatalf("a deleted site's learned prefixes remain: %+v", got)
	}
}

func testLinkNAT(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s, ctx := e.s, e.ctx
	setupNet(t, e, store.FullMesh, hub("a"), spoke("b"))
	lte := store.LinkNAT{Link: "lte", ObservedEndpoint: "203.0.113.9:40001", Mapping: "endpoint-independent", Filtering: "address-and-port-dependent"}
	inet := store.LinkNAT{Link: "inet", ObservedEndpoint: "198.51.100.2:51820", Mapping: "none", Filtering: "none"}
	if changed := must(s.SetLinkNAT(ctx, "corp", "a", []store.LinkNAT{lte, inet}))(t); !changed {
		t.Fatal("first set: not changed")
	}
	rev := must(s.Network(ctx, "corp"))(t).Revision
	if changed := must(s.SetLinkNAT(ctx, "corp", "a", []store.LinkNAT{inet, lte}))(t); changed {
		t.Fatal("the same set again: changed")
	}
	if must(s.Network(ctx, "corp"))(t).Revision != rev {
		t.Fatal("the same set again bumped the revision")
	}
	first := must(s.LinkNATs(ctx, "corp"))(t)
	lte.ObservedEndpoint = "203.0.113.9:40002" // the NAT rebound
	if changed := must(s.SetLinkNAT(ctx, "corp", "a", []store.LinkNAT{inet, lte}))(t); !changed {
		t.Fatal("a rebound mapping: not changed")
	}
	if must(s.Network(ctx, "corp"))(t).Revision == rev {
		t.Fatal("a rebound mapping did not bump the revision")
	}
	got := must(s.LinkNATs(ctx, "corp"))(t)
	if len(got) != 2 || got[0].Link != "inet" || got[0].Site != "a" || got[1].ObservedEndpoint != lte.ObservedEndpoint {
		t.Fatalf("LinkNATs = %+v", got)
	}
	if !got[0].ChangedAt.Equal(first[0].ChangedAt) || got[0].ChangedAt.IsZero() {
		t.Fatalf("an unchanged link's time moved: %v then %v", first[0].ChangedAt, got[0].ChangedAt)
	}
	bad := lte
	bad.Mapping = "symmetric"
	if _, err := s.SetLinkNAT(ctx, "corp", "a", []store.LinkNAT{bad}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a mapping that is no RFC 4787 name: %v", err)
	}
	ok(t, s.DeleteSite(ctx, "corp", "a"))
	if got := must(s.LinkNATs(ctx, "corp"))(t); len(got) != 0 {
		t.Fatalf("a deleted site's links remain: %+v", got)
	}
}
