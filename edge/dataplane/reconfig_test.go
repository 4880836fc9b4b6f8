package dataplane

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/localapi"
	"github.com/patronus-sdwan/patronus/internal/fielderr"
)

func testKey(t *testing.T) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestFixedFieldsRefused: every field the running data plane cannot
// change is named, with the index of the link; a configuration changing
// only peers passes; a new link and a new MTU pass when the boundaries
// can take them (Deps.OpenLink, MTUSetter), and are refused, named, when
// they cannot.
func TestFixedFieldsRefused(t *testing.T) {
	key := testKey(t)
	cur := &config.Valid{Name: "a", ID: 1, PrivateKey: key, Overlay: config.Overlay{Interface: "patronus0", MTU: 1420},
		Links: []config.ValidLink{{Name: "wan", ListenPort: 51820}}}
	fixed := &Dataplane{overlay: routesOnly{}}
	same := *cur
	same.Peers = []config.ValidPeer{{Name: "b", ID: 2}}
	same.Links = []config.ValidLink{{Name: "wan", ListenPort: 51820, Color: "lte", Cost: 5, Bandwidth: 1e6}}
	if err := fixed.fixedFields(cur, cur.PrivateKey, &same); err != nil {
		t.Errorf("peers and a link's colour, cost and bandwidth: %v", err)
	}
	next := *cur
	next.Name, next.ID, next.PrivateKey = "x", 9, testKey(t)
	next.Overlay = config.Overlay{Interface: "other0", MTU: 1400}
	next.Links = []config.ValidLink{{Name: "wan", ListenPort: 51821, Interface: "eth9"}, {Name: "lte", ListenPort: 51822}}
	want := []string{"site.name", "site.id", "private_key_file", "overlay.interface", "overlay.mtu",
		"links[0].interface", "links[0].listen_port", "links[1]"}
	if got := refused(t, fixed.fixedFields(cur, cur.PrivateKey, &next)); !slices.Equal(got, want) {
		t.Errorf("refused %v, want %v", got, want)
	}
	runtime := &Dataplane{overlay: mtuRoutes{}, openLink: func(config.ValidLink) (Link, error) { return nil, errors.New("unused") }}
	want = []string{"site.name", "site.id", "private_key_file", "overlay.interface", "links[0].interface", "links[0].listen_port"}
	if got := refused(t, runtime.fixedFields(cur, cur.PrivateKey, &next)); !slices.Equal(got, want) {
		t.Errorf("with OpenLink and MTUSetter: refused %v, want %v", got, want)
	}
}

func refused(t *testing.T, err error) []string {
	t.Helper()
	var es fielderr.List
	if !errors.As(err, &es) {
		t.Fatalf("fixedFields = %v", err)
	}
	var paths []string
	for _, e := range es {
		paths = append(paths, e.Path)
	}
	return paths
}

// routesOnly is an overlay that cannot change its MTU; mtuRoutes can.
type routesOnly struct{}

func (routesOnly) AddRoutes([]netip.Prefix) error { return nil }
func (routesOnly) DelRoutes([]netip.Prefix) error { return nil }

type mtuRoutes struct{ routesOnly }

func (mtuRoutes) SetMTU(int) error { return nil }

// TestPlanPeers: peers whose name and key are unchanged keep their
// paths (whatever else changed: of a peer whose links changed, only the
// paths to those links are made anew, withoutLocked); others start
// anew; missing ones go.
func TestPlanPeers(t *testing.T) {
	kb, kc := testKey(t).PublicKey(), testKey(t).PublicKey()
	link := func(ep string) []config.ValidPeerLink {
		return []config.ValidPeerLink{{Name: "wan", Color: "inet", Endpoint: netip.MustParseAddrPort(ep)}}
	}
	b := config.ValidPeer{Name: "b", ID: 2, PublicKey: kb, Links: link("198.18.10.2:51820")}
	c := config.ValidPeer{Name: "c", ID: 3, PublicKey: kc, Links: link("198.18.10.3:51820")}
	d := config.ValidPeer{Name: "d", ID: 4, PublicKey: kc, Links: link("198.18.10.4:51820")}
	old := map[uint16]*peer{2: {cfg: b}, 3: {cfg: c}, 4: {cfg: d}}

	b2 := b
	b2.Prefixes, b2.Compression = []netip.Prefix{netip.MustParsePrefix("10.22.0.0/24")}, true // paths stay
	c2 := c
	c2.Links = link("198.18.10.33:51820") // new endpoint: new paths to it, the peer stays
	e := config.ValidPeer{Name: "e", ID: 5, PublicKey: kc, Links: link("198.18.10.5:51820")}
	keep, start, gone := planPeers(old, &config.Valid{Peers: []config.ValidPeer{b2, c2, e}}, false)
	if len(keep) != 2 || keep[0].ID != 2 || keep[1].ID != 3 || len(start) != 1 || start[0].ID != 5 || len(gone) != 1 || gone[0].cfg.ID != 4 {
		t.Errorf("keep %v, start %v, gone %v", keep, start, gone)
	}
	if sameRemoteLink(c, c2, "wan") || !sameRemoteLink(b, b2, "wan") || sameRemoteLink(b, b2, "lte") {
		t.Error("sameRemoteLink: a changed endpoint is the same link, or an unchanged one differs")
	}
	b3 := b
	b3.PublicKey = kc
	if _, start, _ := planPeers(old, &config.Valid{Peers: []config.ValidPeer{b3}}, false); len(start) != 1 {
		t.Error("a new public key keeps the old paths")
	}
	var ch localapi.Changes
	if !ch.None() {
		t.Error("empty localapi.Changes is not None")
	}
}

// TestPublishKeepsPinsOfPathsThatExist: after a reconfiguration, pins
// follow their paths by ID (a restarted peer's new paths included); pins
// of paths that are gone are dropped and reported.
func TestPublishKeepsPinsOfPathsThatExist(t *testing.T) {
	d := &Dataplane{}
	x := &Path{ID: "a/wan->b/wan", site: 2}
	pins := []localapi.Pin{{Path: "a/wan->b/wan"}, {Path: "a/wan->c/wan"}}
	dropped := d.setPeersLocked(map[uint16]*peer{2: {paths: []*Path{x}}}, pins, nil)
	d.publishLocked()
	if len(dropped) != 1 || dropped[0].Path != "a/wan->c/wan" {
		t.Errorf("dropped %v", dropped)
	}
	if got := d.Pins(); len(got) != 1 || got[0].Path != x.ID {
		t.Errorf("pins in force %v", got)
	}
	if p := d.snap.Load().pins[0].path; p != x {
		t.Errorf("pin points to %v, want the published path", p)
	}
	if ps := d.Paths(); len(ps) != 1 || ps[0] != x || d.snap.Load().peers[2].paths[0] != x {
		t.Errorf("paths %v", ps)
	}
}
