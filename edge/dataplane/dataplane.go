// Package dataplane is the edge's data plane: the overlay TUN interface,
// one WireGuard device per path (local WAN link × remote WAN link) over
// WAN link sockets shared by their paths, and the forwarder between them:
// longest-prefix match of each packet's destination to a site, then that
// site's preferred path.
//
// This first version has static path preference only (lowest local link
// cost first, then configuration order) and clamps the MSS of TCP SYNs in
// both directions to the overlay MTU. Packets are LZ4-compressed on a
// path when both ends agreed to it in shim Hellos (compression.go,
// hello.go). BFD in the paths and steering come next.
package dataplane

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/wgbind"
)

const (
	maxPacket    = 9216 // largest inner packet: jumbo MTU
	pathQueueLen = 1024
	poolSize     = 8192
	// tunOffset is the headroom the kernel TUN needs before each packet
	// (virtio-net header) and WireGuard wants for its own header.
	tunOffset = device.MessageTransportHeaderSize
	// keepalive keeps NAT bindings and the tunnel warm (seconds).
	keepalive = 25
	// initiateDelay is how long the site with the higher ID lets the
	// other start a new path's handshake before it starts its own.
	initiateDelay = 1500 * time.Millisecond
)

// Dataplane is a running data plane.
type Dataplane struct {
	cfg     *config.Valid // as started: what cannot change at runtime is read here
	log     *slog.Logger
	tun     tun.Device
	ifIndex int // the overlay interface's
	routes  *route.Table
	pool    *bufPool
	links   []*wgbind.Link
	// peers is replaced whole by Reconfigure; the forwarder reads it.
	peers atomic.Pointer[map[uint16]*peer]
	pins  pins
	wg    sync.WaitGroup

	// mu serialises Reconfigure and guards cur and paths. Lock order: mu,
	// then pins.mu.
	mu     sync.Mutex
	cur    *config.Valid // the configuration in force
	paths  []*Path       // every path, in preference order per peer
	closed bool          // Close ran: Reconfigure refuses

	stop     chan struct{} // closed by Close: ends the Hello loop
	stopOnce sync.Once

	Stats Stats
}

// Stats are the forwarder's counters.
type Stats struct {
	FromOverlay, NoRoute, NoPath, QueueFull, Malformed atomic.Uint64
	ToOverlay, SourceRejected, MSSClamped              atomic.Uint64
	// ShimFromOverlay: shim packets from a control address read from the
	// overlay interface. Only the edge itself sends those, directly into
	// a path: such a packet is forged.
	ShimFromOverlay atomic.Uint64
	// NoBuffer: every packet buffer between the forwarder and the paths
	// was in flight. OverlayRead: failed reads of the overlay interface
	// (a read is one packet or one super-packet; what it held is lost).
	// OverlayWrite: decrypted packets the overlay interface refused.
	NoBuffer, OverlayRead, OverlayWrite atomic.Uint64
}

type peer struct {
	cfg   config.ValidPeer
	paths []*Path // preference order
}

// Path is one WireGuard tunnel from a local link to a remote link.
type Path struct {
	ID         string
	LocalLink  string
	RemoteLink string
	PeerSite   string
	endpoint   string
	site       uint16 // the peer site's ID
	preferred  bool   // the path its peer's traffic takes unless pinned
	dev        *device.Device
	tun        *pathTUN
	shim       *pathShim
	link       *wgbind.Link
	bind       *wgbind.Path

	TxPackets, RxPackets atomic.Uint64
	TxBytes, RxBytes     atomic.Uint64
}

// Start builds the data plane of cfg: it creates the overlay interface,
// its addresses and routes, the WAN link sockets and the path devices.
// On error everything made so far is removed again.
func Start(cfg *config.Valid, log *slog.Logger) (_ *Dataplane, err error) {
	d := &Dataplane{cfg: cfg, cur: cfg, log: log, routes: route.New(), pool: newBufPool(poolSize), stop: make(chan struct{})}
	d.peers.Store(&map[uint16]*peer{})
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := d.routes.Replace(routesOf(cfg)); err != nil {
		return nil, err
	}
	if d.tun, err = tun.CreateTUN(cfg.Overlay.Interface, cfg.Overlay.MTU); err != nil {
		return nil, fmt.Errorf("overlay interface %s: %w", cfg.Overlay.Interface, err)
	}
	go func() {
		for range d.tun.Events() { // link state changes: the kernel's business
		}
	}()
	if err := d.configureOverlay(); err != nil {
		return nil, err
	}
	if err := d.openLinks(); err != nil {
		return nil, err
	}
	if err := d.startPaths(); err != nil {
		return nil, err
	}
	d.wg.Add(2)
	go d.forward()
	go d.helloLoop()
	return d, nil
}

// routesOf is the forwarding table of a configuration: the LAN's
// prefixes, and each peer's prefixes and control address.
func routesOf(cfg *config.Valid) []route.Route {
	var rs []route.Route
	for _, p := range cfg.LANPrefixes {
		rs = append(rs, route.Route{Prefix: p, Dest: route.Dest{Site: cfg.ID, Local: true}})
	}
	for _, p := range cfg.Peers {
		for _, pfx := range peerPrefixes(p) {
			rs = append(rs, route.Route{Prefix: pfx, Dest: route.Dest{Site: p.ID}})
		}
	}
	return rs
}

// peerPrefixes are the prefixes routed to a peer: its control address
// and its LAN prefixes.
func peerPrefixes(p config.ValidPeer) []netip.Prefix {
	return append([]netip.Prefix{netip.PrefixFrom(shim.ControlAddr(p.ID), 128)}, p.Prefixes...)
}

// configureOverlay sets the overlay interface up with the site's control
// address and routes every peer prefix into it, through netlink.
func (d *Dataplane) configureOverlay() error {
	name, err := d.tun.Name()
	if err != nil {
		return err
	}
	link, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("overlay interface %s: %w", name, err)
	}
	ctl := shim.ControlAddr(d.cfg.ID)
	if err := netlink.AddrReplace(link, &netlink.Addr{IPNet: prefixNet(netip.PrefixFrom(ctl, 128))}); err != nil {
		return fmt.Errorf("overlay interface %s: control address %s: %w", name, ctl, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("overlay interface %s: up: %w", name, err)
	}
	d.ifIndex = link.Attrs().Index
	for _, p := range d.cfg.Peers {
		if err := d.addRoutes(p.Name, peerPrefixes(p)); err != nil {
			return err
		}
	}
	return nil
}

// addRoutes routes prefixes of a peer into the overlay interface.
func (d *Dataplane) addRoutes(peer string, pfxs []netip.Prefix) error {
	for _, pfx := range pfxs {
		if err := netlink.RouteReplace(&netlink.Route{LinkIndex: d.ifIndex, Dst: prefixNet(pfx)}); err != nil {
			return fmt.Errorf("route %s (site %s) via %s: %w", pfx, peer, d.cfg.Overlay.Interface, err)
		}
	}
	return nil
}

// delRoutes removes routes that addRoutes made; a route already gone is
// no error.
func (d *Dataplane) delRoutes(peer string, pfxs []netip.Prefix) error {
	var errs []error
	for _, pfx := range pfxs {
		err := netlink.RouteDel(&netlink.Route{LinkIndex: d.ifIndex, Dst: prefixNet(pfx)})
		if err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("route %s (site %s): %w", pfx, peer, err))
		}
	}
	return errors.Join(errs...)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func (d *Dataplane) openLinks() error {
	for _, l := range d.cfg.Links {
		local := l.LocalAddress
		if !local.IsValid() {
			local = netip.IPv4Unspecified()
		}
		wl, err := wgbind.Listen(netip.AddrPortFrom(local, l.ListenPort), l.Interface, d.log)
		if err != nil {
			return fmt.Errorf("link %s: %w", l.Name, err)
		}
		d.links = append(d.links, wl)
	}
	return nil
}

// startPaths starts every peer's paths.
func (d *Dataplane) startPaths() error {
	peers := map[uint16]*peer{}
	for _, pc := range d.cfg.Peers {
		p, err := d.startPeer(pc)
		if err != nil {
			return err
		}
		peers[pc.ID] = p
	}
	d.mu.Lock()
	d.paths = pathsOf(peers)
	d.mu.Unlock()
	d.peers.Store(&peers)
	return nil
}

// startPeer makes a WireGuard device for every local link × remote link
// of a peer whose address family matches, cheapest local link first. On
// error the paths made so far are closed again.
func (d *Dataplane) startPeer(pc config.ValidPeer) (*peer, error) {
	order := make([]int, len(d.cfg.Links))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return d.cfg.Links[order[a]].Cost < d.cfg.Links[order[b]].Cost })
	p := &peer{cfg: pc}
	for _, li := range order {
		for _, rl := range pc.Links {
			if err := d.startPath(p, li, rl); err != nil {
				for _, path := range p.paths {
					path.close()
				}
				return nil, err
			}
		}
	}
	return p, nil
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
// looked it up just before may still queue a packet: that buffer is lost
// to the pool, which is why the pool is far larger than a path's queue.
func (p *Path) close() {
	p.dev.Close()
	p.link.Release(p.bind)
	for {
		select {
		case b := <-p.tun.queue:
			p.tun.pool.put(b)
		default:
			return
		}
	}
}

func (d *Dataplane) startPath(p *peer, li int, rl config.ValidPeerLink) error {
	ll := d.cfg.Links[li]
	if ll.LocalAddress.IsValid() && ll.LocalAddress.Is4() != rl.Endpoint.Addr().Is4() {
		return nil // no path between an IPv4 and an IPv6 link
	}
	id := fmt.Sprintf("%s/%s->%s/%s", d.cfg.Name, ll.Name, p.cfg.Name, rl.Name)
	bind, err := d.links[li].Path(rl.Endpoint)
	if err != nil {
		return fmt.Errorf("path %s: %w", id, err)
	}
	path := &Path{ID: id, LocalLink: ll.Name, RemoteLink: rl.Name, PeerSite: p.cfg.Name,
		endpoint: rl.Endpoint.String(), site: p.cfg.ID, preferred: len(p.paths) == 0, link: d.links[li], bind: bind}
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
	}
	path.shim = newPathShim(d.cfg.ID, p.cfg.ID, d.cfg.Overlay.MTU, p.cfg.Compression, first)
	path.tun = newPathTUN(id, d.cfg.Overlay.MTU, d.pool, path.shim, d.delivery(p, path))
	logger := &device.Logger{Verbosef: device.DiscardLogf, Errorf: func(f string, a ...any) {
		d.log.Warn("wireguard", "path", id, "msg", fmt.Sprintf(f, a...))
	}}
	path.dev = device.NewDevice(path.tun, bind, logger)
	if err := path.dev.IpcSet(d.uapi(p, rl, !waits)); err != nil {
		path.close()
		return fmt.Errorf("path %s: %w", id, err)
	}
	if err := path.dev.Up(); err != nil {
		path.close()
		return fmt.Errorf("path %s: %w", id, err)
	}
	if waits {
		dev, set := path.dev, fmt.Sprintf("public_key=%s\npersistent_keepalive_interval=%d\n", hex.EncodeToString(p.cfg.PublicKey.Bytes()), keepalive)
		time.AfterFunc(initiateDelay, func() { _ = dev.IpcSet(set) }) // fails harmlessly once the path is closed
	}
	p.paths = append(p.paths, path)
	d.log.Info("path", "id", id, "endpoint", rl.Endpoint, "compression", p.cfg.Compression)
	return nil
}

// uapi is the WireGuard configuration of one path: the site key, the
// peer site's key and endpoint. Every inner address is allowed from the
// peer; delivery checks sources against the peer's prefixes.
func (d *Dataplane) uapi(p *peer, rl config.ValidPeerLink, keepAlive bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\n", hex.EncodeToString(d.cfg.PrivateKey.Bytes()))
	fmt.Fprintf(&b, "public_key=%s\n", hex.EncodeToString(p.cfg.PublicKey.Bytes()))
	fmt.Fprintf(&b, "endpoint=%s\n", rl.Endpoint)
	if keepAlive {
		fmt.Fprintf(&b, "persistent_keepalive_interval=%d\n", keepalive)
	}
	b.WriteString("allowed_ip=0.0.0.0/0\nallowed_ip=::/0\n")
	return b.String()
}

// Paths returns the paths, in preference order per peer.
func (d *Dataplane) Paths() []*Path {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*Path(nil), d.paths...)
}

// Close removes the data plane: devices, sockets and the overlay
// interface with its routes.
func (d *Dataplane) Close() error {
	var errs []error
	d.stopOnce.Do(func() { close(d.stop) })
	d.mu.Lock()
	d.closed = true
	paths := d.paths
	d.mu.Unlock()
	for _, p := range paths {
		p.dev.Close()
	}
	if d.tun != nil {
		errs = append(errs, d.tun.Close())
	}
	d.wg.Wait()
	for _, l := range d.links {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}
