package dataplane

// The path lifecycle: a path is one WireGuard device from a local WAN
// link to a remote one, made when its peer or its local link is
// configured (buildPeer), published in a snapshot once ready
// (syncSteeringLocked) and closed when its peer or its local link goes
// or changes (Reconfigure).

import (
	"crypto/ecdh"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/wgbind"
)

type peer struct {
	cfg   config.ValidPeer
	paths []*Path // preference order: local link cost, then configuration order
}

// wanLink is one WAN link in force: its configuration and its socket,
// shared by the paths over it. Immutable: a link whose colour, cost or
// bandwidth changes is a new wanLink on the same socket.
type wanLink struct {
	cfg  config.ValidLink
	sock Link
}

// Path is one WireGuard tunnel from a local link to a remote link.
//
// Its plain fields are written before the path is first published in a
// snapshot (startPath, then prepareControl) and only read after, by any
// goroutine; probeNext belongs to the control loop; the rest are atomics.
type Path struct {
	ID         string
	LocalLink  string
	RemoteLink string
	PeerSite   string
	endpoint   string
	remoteNAT  string    // the remote link's NAT kind when endpoint is its observed one; "" otherwise
	holdBFD    time.Time // until then, no BFD before the peer was heard (nat.go)
	site       uint16    // the peer site's ID
	dev        *device.Device
	tun        *pathTUN
	shim       *shim.Endpoint
	link       *wanLink // the local link
	bind       conn.Bind
	color      string // of the local link
	num        int    // unique among the data plane's paths: the BFD session's IfIndex
	bfdKey     bfd.Key
	prober     *probe.Sender
	probeNext  time.Time     // the control loop's
	probeSeen  uint64        // the control loop's: the prober's events when its metrics last went to steering
	demand     atomic.Uint32 // steer.Demand in force on the path (adapt.go); written under Dataplane.mu
	bfdUp      atomic.Bool   // the BFD session is Up: probes are sent
	started    time.Time
	lastRx     atomic.Int64 // unix ns of the last batch received from the peer; 0: none
	stopCtl    func()
	far        netip.AddrPort // the device's peer endpoint as configured (uapi)

	// The keys of a rotation (keyrot.go). keyMu guards ownKey, peerKey
	// and the device's keys with them; it is held across IpcSet, never
	// with Dataplane.mu.
	keyMu       sync.Mutex
	ownKey      *ecdh.PrivateKey
	peerKey     *ecdh.PublicKey
	keepalive   time.Duration                  // the device's persistent keepalive (nat.go: measured per link); keyMu
	curPeerKey  atomic.Pointer[ecdh.PublicKey] // the peer's key in the configuration in force
	nextPeerKey atomic.Pointer[ecdh.PublicKey] // the key it rotates to; nil: none
	keySwapped  atomic.Int64                   // unix ns of the last change of peerKey by a rotation

	TxPackets, RxPackets atomic.Uint64
	controlLost          atomic.Uint64 // BFD and probe packets not sent: no buffer, full queue
	TxBytes, RxBytes     atomic.Uint64
}

// startPaths starts every peer's paths.
func (d *Dataplane) startPaths() error {
	peers := map[uint16]*peer{}
	for _, pc := range d.cfg.Peers {
		p, err := d.buildPeer(pc, d.links, d.cfg, nil)
		if err != nil {
			return fmt.Errorf("peer %s: %w", pc.Name, err)
		}
		peers[pc.ID] = p
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.peers, d.paths = peers, pathsOf(peers)
	d.refreshPinsLocked()
	return d.syncSteeringLocked(&d.cfg.Steering, d.cfg)
}

// buildPeer makes the paths of a peer: one for every local link × remote
// link whose address family matches, cheapest local link first, then in
// configuration order. A path of reuse (by ID) is taken as it is, device
// and session included, instead of a new one. On error the paths made so
// far are closed again (those of reuse stay). cur gives the relay's
// address (config.Valid.Relay) for the paths that have an allocation and
// the overlay MTU.
func (d *Dataplane) buildPeer(pc config.ValidPeer, links []*wanLink, cur *config.Valid, reuse map[string]*Path) (*peer, error) {
	order := slices.Clone(links)
	sort.SliceStable(order, func(a, b int) bool { return order[a].cfg.Cost < order[b].cfg.Cost })
	p := &peer{cfg: pc}
	var made []*Path
	for _, l := range order {
		for _, rl := range pc.Links {
			if old := reuse[d.pathID(l.cfg.Name, pc.Name, rl.Name)]; old != nil {
				p.paths = append(p.paths, old)
				continue
			}
			path, err := d.startPath(p, l, rl, cur)
			if err != nil {
				for _, m := range made {
					m.close()
				}
				return nil, err
			}
			if path != nil {
				made = append(made, path)
				p.paths = append(p.paths, path)
			}
		}
	}
	return p, nil
}

// pathID is the ID of the path from local link link to peer's link
// remote.
func (d *Dataplane) pathID(link, peer, remote string) string {
	return fmt.Sprintf("%s/%s->%s/%s", d.cfg.Name, link, peer, remote)
}

// preferred reports whether p is first in its peer's static preference:
// the path taken while steering has no path up (PathStatus.Preferred).
func (s *snapshot) preferred(p *Path) bool {
	pr := s.peers[p.site]
	return pr != nil && len(pr.paths) > 0 && pr.paths[0] == p
}

// pathsOf lists the paths of peers, by peer ID, in preference order.
func pathsOf(peers map[uint16]*peer) []*Path {
	ids := make([]uint16, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var paths []*Path
	for _, id := range ids {
		paths = append(paths, peers[id].paths...)
	}
	return paths
}

// close stops the path's device, gives its endpoint on the link back and
// its queued packets' buffers to the pool. The forwarder no longer sees
// the path (Reconfigure published a table without it), but one that
// looked it up just before may still push packets: the closed queue
// refuses them and the forwarder gives their buffers back.
func (p *Path) close() {
	if p.stopCtl != nil {
		p.stopCtl()
	}
	p.dev.Close() // closes p.tun: its queued buffers go back to the pool
	p.link.sock.Release(p.bind)
}

// startPath makes the path from local link l to the peer's link rl; nil
// when there is none (address families differ, no way to the remote).
func (d *Dataplane) startPath(p *peer, l *wanLink, rl config.ValidPeerLink, cur *config.Valid) (*Path, error) {
	ll, relay, mtu := l.cfg, cur.Relay, cur.Overlay.MTU
	far := rl.Endpoint // the way whose address family the link must have
	alloc, relayed := rl.Relay[ll.Name]
	if !relay.IsValid() {
		relayed = false
	}
	if !far.IsValid() {
		far = relay
	}
	if !far.IsValid() || ll.LocalAddress.IsValid() && ll.LocalAddress.Is4() != far.Addr().Is4() {
		return nil, nil // no path between an IPv4 and an IPv6 link, nor to a link without endpoint or relay
	}
	id := d.pathID(ll.Name, p.cfg.Name, rl.Name)
	bind, err := d.bindPath(l.sock, rl.Endpoint, relay, alloc, relayed)
	if err != nil {
		return nil, fmt.Errorf("path %s: %w", id, err)
	}
	path := &Path{ID: id, LocalLink: ll.Name, RemoteLink: rl.Name, PeerSite: p.cfg.Name,
		endpoint: rl.Endpoint.String(), site: p.cfg.ID, link: l, bind: bind,
		color: ll.Color, num: d.newPathNum(), started: time.Now(), far: far,
		ownKey: d.privateKey(), peerKey: p.cfg.PublicKey}
	path.curPeerKey.Store(p.cfg.PublicKey)
	path.nextPeerKey.Store(p.cfg.NextPublicKey)
	path.stopCtl = func() { d.stopControl(path) }
	// The site with the lower ID starts the path's WireGuard handshake;
	// the other holds back its own (the first Hello and the persistent
	// keepalive) for initiateDelay. Initiations that cross, each taken late
	// by a peer busy starting, replace the handshakes they answer: both
	// sides then hold sessions the other does not know, and traffic is
	// blackholed until WireGuard's retry (seen in the lab: ~15 s).
	var first time.Time
	waits := d.cfg.ID > p.cfg.ID
	if waits {
		first = time.Now().Add(initiateDelay)
		if rl.Observed {
			path.holdBFD = first // nat.go
		}
	}
	path.shim = shim.NewEndpoint(shim.EndpointConfig{LocalSite: d.cfg.ID, PeerSite: p.cfg.ID, MTU: mtu,
		Compression: p.cfg.Compression, FirstHello: first, Window: d.windowOf(p.cfg.ID)})
	path.tun = newPathTUN(id, mtu, d.pool, path.shim, d.delivery(p, path))
	// WireGuard logs an error per packet it fails to send (a WAN link
	// down: BFD and probes keep trying): at most one line per path every
	// wgLogEvery, with the count of lines left out.
	var lim rateLimit
	logger := &device.Logger{Verbosef: device.DiscardLogf, Errorf: func(f string, a ...any) {
		if skipped, ok := lim.allow(time.Now(), wgLogEvery); ok {
			d.log.Warn("wireguard", "path", id, "detail", fmt.Sprintf(f, a...), "not_logged_before", skipped)
		}
	}}
	path.dev = device.NewDevice(path.tun, bind, logger)
	keepalive := d.keepaliveOf(ll.Name)
	path.keepalive = keepalive
	if waits {
		keepalive = 0
	}
	if err := path.dev.IpcSet(uapi(path.ownKey, p.cfg.PublicKey, far, keepalive)); err != nil {
		path.close()
		return nil, fmt.Errorf("path %s: %w", id, err)
	}
	if err := path.dev.Up(); err != nil {
		path.close()
		return nil, fmt.Errorf("path %s: %w", id, err)
	}
	if waits {
		ka := path.keepalive
		time.AfterFunc(initiateDelay, func() { _ = path.setKeepalive(ka) }) // fails harmlessly once the path is closed
	}
	if rl.Observed {
		path.remoteNAT = rl.NAT.String()
		if h, ok := bind.(puncher); ok {
			h.PunchAt(rl.PunchAt, punchInterval, punchWindow)
		}
	}
	d.log.Info("path", "id", id, "endpoint", rl.Endpoint, "compression", p.cfg.Compression, "remote_nat", path.remoteNAT)
	return path, nil
}

// bindPath makes the conn.Bind of a path over local link sock to remote:
// with a second way through the relay when the path has an allocation
// and the link can carry it (RelayLink), else direct only.
func (d *Dataplane) bindPath(sock Link, remote, relay netip.AddrPort, alloc config.ValidRelay, relayed bool) (conn.Bind, error) {
	rl, can := sock.(RelayLink)
	if !relayed || !can {
		return sock.Bind(remote)
	}
	return rl.BindRelayed(remote, wgbind.Relay{Addr: relay, Session: alloc.Session, Side: alloc.Side, Site: d.cfg.Name,
		Token: alloc.Token, StartRelayed: alloc.StartRelayed})
}

// transport is the way the path takes now: "direct", or "relayed"
// through the relay (wgbind.Path.Transport).
func (p *Path) transport() string {
	if t, ok := p.bind.(interface{ Transport() string }); ok {
		return t.Transport()
	}
	return wgbind.TransportDirect
}

// uapi is the WireGuard configuration of one path: the site key (own),
// the peer site's key and endpoint. Every inner address is allowed from the
// peer; delivery checks sources against the peer's prefixes.
//
// The endpoint is the remote link's, or the relay's when it has none:
// a relayed path's Bind sends to the relay whatever the endpoint.
func uapi(own *ecdh.PrivateKey, peerKey *ecdh.PublicKey, endpoint netip.AddrPort, keepalive time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\n", hex.EncodeToString(own.Bytes()))
	fmt.Fprintf(&b, "public_key=%s\n", hex.EncodeToString(peerKey.Bytes()))
	fmt.Fprintf(&b, "endpoint=%s\n", endpoint)
	if keepalive > 0 {
		fmt.Fprintf(&b, "persistent_keepalive_interval=%d\n", keepalive/time.Second)
	}
	b.WriteString("allowed_ip=0.0.0.0/0\nallowed_ip=::/0\n")
	return b.String()
}

// wgLogEvery is the shortest time between two WireGuard log lines of a
// path.
const wgLogEvery = 10 * time.Second

// rateLimit lets one event through per interval and counts the others.
type rateLimit struct {
	mu      sync.Mutex
	last    time.Time
	skipped int
}

// allow reports whether to let the event at now through, and how many
// were held back since the last one let through.
func (r *rateLimit) allow(now time.Time, every time.Duration) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.last.IsZero() && now.Sub(r.last) < every {
		r.skipped++
		return 0, false
	}
	n := r.skipped
	r.last, r.skipped = now, 0
	return n, true
}

// newPathNum returns a number no other path of the data plane has.
func (d *Dataplane) newPathNum() int {
	d.numMu.Lock()
	defer d.numMu.Unlock()
	d.nextNum++
	return d.nextNum
}

func queued(paths []*Path) bool {
	for _, p := range paths {
		if p.tun.q.len() > 0 {
			return true
		}
	}
	return false
}
