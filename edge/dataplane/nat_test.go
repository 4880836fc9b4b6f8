package dataplane

import (
	"errors"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// fakeRepointer is a path's Bind that records repoints.
type fakeRepointer struct {
	conn.Bind // not called
	remote    netip.AddrPort
	fail      bool
	calls     int
}

func (f *fakeRepointer) Repoint(r netip.AddrPort, _, _ time.Duration) error {
	f.calls++
	if f.fail {
		return errors.New("taken")
	}
	f.remote = r
	return nil
}
func (f *fakeRepointer) Remote() netip.AddrPort { return f.remote }

// TestRepointPeers: a peer whose only change is the observed endpoint
// of a link behind NAT keeps its paths, the one to that link repointed
// and the others untouched; a changed configured endpoint, a changed NAT
// kind or a repoint that fails remake the peer's paths.
func TestRepointPeers(t *testing.T) {
	ap := netip.MustParseAddrPort
	key := testKey(t).PublicKey()
	lte := config.ValidPeerLink{Name: "lte", Color: "lte", Endpoint: ap("172.17.1.2:51820"), Observed: true}
	inet := config.ValidPeerLink{Name: "inet", Color: "inet", Endpoint: ap("172.16.1.2:51820")}
	cur := config.ValidPeer{Name: "b", ID: 2, PublicKey: key, Links: []config.ValidPeerLink{inet, lte}}
	mk := func() (*peer, *fakeRepointer, *fakeRepointer) {
		bi, bl := &fakeRepointer{remote: inet.Endpoint}, &fakeRepointer{remote: lte.Endpoint}
		return &peer{cfg: cur, paths: []*Path{{ID: "a/inet->b/inet", RemoteLink: "inet", bind: bi}, {ID: "a/inet->b/lte", RemoteLink: "lte", bind: bl}}}, bi, bl
	}
	d := &Dataplane{log: slog.New(slog.DiscardHandler)}
	with := func(change func(*config.ValidPeer)) config.ValidPeer {
		n := cur
		n.Links = append([]config.ValidPeerLink(nil), cur.Links...)
		change(&n)
		return n
	}
	moved := with(func(n *config.ValidPeer) { n.Links[1].Endpoint = ap("172.17.1.2:40001") })

	op, bi, bl := mk()
	if got := d.repointKept(map[uint16]*peer{2: op}, []config.ValidPeer{moved}); !got[2] {
		t.Fatalf("observed endpoint moved: repointed %v; want the peer's paths kept", got)
	}
	if bl.remote != ap("172.17.1.2:40001") || bl.calls != 1 || bi.calls != 0 {
		t.Errorf("lte path at %v (%d repoints), inet path %d repoints; want lte repointed once, inet untouched", bl.remote, bl.calls, bi.calls)
	}

	for name, next := range map[string]config.ValidPeer{
		"configured endpoint": with(func(n *config.ValidPeer) { n.Links[0].Endpoint = ap("172.16.1.9:51820") }),
		"nat kind":            with(func(n *config.ValidPeer) { n.Links[1].Endpoint = ap("172.17.1.2:40001"); n.Links[1].NAT.Mapping = 4 }),
		"link gone":           with(func(n *config.ValidPeer) { n.Links = n.Links[:1] }),
	} {
		op, _, bl := mk()
		if got := d.repointKept(map[uint16]*peer{2: op}, []config.ValidPeer{next}); got[2] || bl.calls != 0 {
			t.Errorf("%s changed: repointed %v, repoints %d; want the paths remade", name, got, bl.calls)
		}
	}
	op, _, bl = mk()
	bl.fail = true
	if got := d.repointKept(map[uint16]*peer{2: op}, []config.ValidPeer{moved}); got[2] {
		t.Errorf("a failed repoint: repointed %v; want the paths remade", got)
	}
}

// TestKeepaliveFor: half the idle time the NAT was seen to keep a flow,
// in whole seconds, between 1 s and the default.
func TestKeepaliveFor(t *testing.T) {
	for alive, want := range map[time.Duration]time.Duration{
		3750 * time.Millisecond: time.Second, 9 * time.Second: 4 * time.Second, 20 * time.Second: 10 * time.Second,
		time.Minute: persistentKeepalive, 500 * time.Millisecond: time.Second,
	} {
		if got := KeepaliveFor(alive); got != want {
			t.Errorf("KeepaliveFor(%v) = %v, want %v", alive, got, want)
		}
	}
}
