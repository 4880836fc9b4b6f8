package bgp

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// The tests run the edge's speaker on 127.0.0.1 and plain GoBGP servers
// as the site's routers on 127.0.0.2, 127.0.0.3…, over real TCP.
var edgeAddr = netip.MustParseAddr("127.0.0.1")

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// router is a GoBGP server standing in for a site's router.
type router struct {
	t    testing.TB
	srv  *server.BgpServer
	addr netip.Addr
	as   uint32
	port int
}

// newRouter starts a router at addr that peers with the edge's speaker
// (listening on edgePort, AS edgeAS).
func newRouter(t testing.TB, addr string, as uint32, edgeAS uint32, edgePort int, password string) *router {
	t.Helper()
	r := &router{t: t, srv: server.NewBgpServer(), addr: netip.MustParseAddr(addr), as: as, port: freePort(t)}
	go r.srv.Serve()
	ctx := context.Background()
	err := r.srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{Asn: as, RouterId: addr,
		ListenPort: int32(r.port), ListenAddresses: []string{addr}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.srv.Stop)
	p := &api.Peer{Conf: &api.PeerConf{NeighborAddress: edgeAddr.String(), PeerAsn: edgeAS, AuthPassword: password},
		Transport: &api.Transport{LocalAddress: addr, RemotePort: uint32(edgePort)},
		Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1, IdleHoldTimeAfterReset: 1}}}
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		p.AfiSafis = append(p.AfiSafis, &api.AfiSafi{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}, Enabled: true}})
	}
	if err := r.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: p}); err != nil {
		t.Fatal(err)
	}
	return r
}

// neighbor is the edge's configuration of this router.
func (r *router) neighbor() config.ValidBGPNeighbor {
	return config.ValidBGPNeighbor{Address: r.addr, RemoteAS: r.as, Port: uint16(r.port), LocalAddress: edgeAddr,
		MaxPrefixes: config.DefaultMaxPrefixes}
}

// announceMany adds the routes in one call (GoBGP packs them in a few
// UPDATEs).
func (r *router) announceMany(prefixes []string) {
	r.t.Helper()
	paths := make([]*apiutil.Path, 0, len(prefixes))
	for _, p := range prefixes {
		paths = append(paths, r.path(p, nil))
	}
	if _, err := r.srv.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		r.t.Fatal(err)
	}
}

// announce adds a route to the router's table, with communities given as
// "AS:N" or "soo:AS:N" (4-octet AS).
func (r *router) announce(prefix string, communities ...string) {
	r.t.Helper()
	if _, err := r.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{r.path(prefix, communities)}}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *router) withdraw(prefix string) {
	r.t.Helper()
	if err := r.srv.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{r.path(prefix, nil)}}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *router) path(prefix string, communities []string) *apiutil.Path {
	p := netip.MustParsePrefix(prefix)
	nlri, _ := bgp.NewIPAddrPrefix(p)
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0)}
	fam := bgp.RF_IPv4_UC
	if p.Addr().Is4() {
		nh, _ := bgp.NewPathAttributeNextHop(r.addr)
		attrs = append(attrs, nh)
	} else {
		fam = bgp.RF_IPv6_UC
		mp, _ := bgp.NewPathAttributeMpReachNLRI(fam, []bgp.PathNLRI{{NLRI: nlri}}, netip.MustParseAddr("2001:db8::99"))
		attrs = append(attrs, mp)
	}
	var std []uint32
	var ext []bgp.ExtendedCommunityInterface
	for _, c := range communities {
		if rest, ok := strings.CutPrefix(c, "soo:"); ok {
			var as uint32
			var site uint16
			parse2(rest, &as, &site)
			ext = append(ext, bgp.NewFourOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_ORIGIN, as, site, true))
			continue
		}
		var hi, lo uint16
		parse2(c, &hi, &lo)
		std = append(std, uint32(hi)<<16|uint32(lo))
	}
	if len(std) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(std))
	}
	if len(ext) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeExtendedCommunities(ext))
	}
	return &apiutil.Path{Family: fam, Nlri: nlri, Attrs: attrs}
}

func parse2[A, B uint16 | uint32](s string, a *A, b *B) {
	x, y, _ := strings.Cut(s, ":")
	*a = A(atou(x))
	*b = B(atou(y))
}

func atou(s string) uint64 {
	var n uint64
	for _, c := range s {
		n = n*10 + uint64(c-'0')
	}
	return n
}

// routes is the router's table: prefix → the routes from the edge.
func (r *router) routes() map[string]Route {
	out := map[string]Route{}
	for _, fam := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
		_ = r.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam},
			func(n bgp.NLRI, paths []*apiutil.Path) {
				for _, p := range paths {
					if p.PeerAddress == edgeAddr {
						out[n.String()] = routeOf(n, p)
					}
				}
			})
	}
	return out
}

// state is the router's session with the edge.
func (r *router) state() string {
	var st string
	_ = r.srv.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		st = strings.ToLower(strings.TrimPrefix(p.GetState().GetSessionState().String(), "SESSION_STATE_"))
	})
	return st
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// learned collects the speaker's OnLearned reports.
type learned struct {
	mu      sync.Mutex
	last    []netip.Prefix
	reports int
}

func (l *learned) set(ps []netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last = ps
	l.reports++
}

// count is the size of the last report and how many reports came.
func (l *learned) count() (n, reports int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.last), l.reports
}

func (l *learned) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []string
	for _, p := range l.last {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}

// startSpeaker runs the edge's speaker with the neighbours.
func startSpeaker(t testing.TB, port int, l *learned, ns ...config.ValidBGPNeighbor) *Speaker {
	t.Helper()
	cfg := baseConfig(port, ns...)
	s, err := Start(cfg, Options{OnLearned: l.set, BFDPort: uint16(freePort(t)), BFDListen: edgeAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func baseConfig(port int, ns ...config.ValidBGPNeighbor) *config.ValidBGP {
	return &config.ValidBGP{LocalAS: 4200000001, RouterID: edgeAddr, ListenPort: int32(port), OverlayAS: config.DefaultOverlayAS,
		GracefulRestart: true, ReadvertiseDelay: 0, Neighbors: ns}
}

func (s *Speaker) neighbor(addr netip.Addr) Neighbor {
	for _, n := range s.Status().Neighbors {
		if n.Address == addr.String() {
			return n
		}
	}
	return Neighbor{}
}

func established(s *Speaker, r *router) func() bool {
	return func() bool { return s.neighbor(r.addr).State == "established" && r.state() == "established" }
}
