// Package dataplane is the edge's data plane: the overlay TUN interface,
// one WireGuard device per path (local WAN link × remote WAN link) over
// WAN link sockets shared by their paths, and the forwarder between them:
// longest-prefix match of each packet's destination to a site, then that
// site's preferred path.
//
// Each path runs a BFD session and quality probes inside its tunnel
// (control.go). The forwarder classifies each packet's flow
// (edge/classify), maps its application to a policy and asks steering
// (edge/steer) for the flow's path or, in duplicate mode, two paths
// (steering.go); a pinned flow, or a site steering has no path up for,
// takes the static preference (lowest local link cost first, then
// configuration order). The MSS of TCP SYNs is clamped in both directions
// to the overlay MTU. Packets are LZ4-compressed on a path when both ends
// agreed to it in shim Hellos (compression.go, hello.go).
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

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/edge/wgbind"
	"github.com/patronus-sdwan/patronus/policy"
)

const (
	maxPacket    = shim.MaxInner // largest inner packet: jumbo MTU
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
	pool    *bufPool
	links   []*wgbind.Link
	pins    pins
	wg      sync.WaitGroup

	// snap is what the forwarder, the receivers and the control loop
	// read: built from the fields below under mu and published whole
	// (snapshot.go).
	snap atomic.Pointer[snapshot]

	// mu serialises Reconfigure and SetPins and guards the state in
	// force, from which each snapshot is built. Lock order: mu, then
	// pins.mu.
	mu       sync.Mutex
	cur      *config.Valid    // the configuration in force
	peers    map[uint16]*peer // by site ID
	paths    []*Path          // every path, in preference order per peer
	routes   *route.Table     // of cur
	pinTable []pinEntry       // local pins, then the controller's
	st       *policy.Compiled // cur's steering
	closed   bool             // Close ran: Reconfigure refuses

	// Steering (steering.go, control.go). The classifier belongs to the
	// forwarder goroutine; it takes new rules from the snapshot.
	bfd        *bfd.Manager
	reflector  probe.Reflector
	engine     *steer.Engine
	classifier *classify.Classifier
	windows    sync.Map // peer site ID → *shim.Window: the duplicate filters
	numMu      sync.Mutex
	nextNum    int      // the number of the last path made (Path.num)
	fwd        fwdState // the forwarder goroutine's

	stop     chan struct{} // closed by Close: ends the Hello loop
	stopOnce sync.Once

	onChange atomic.Pointer[func()] // OnStateChange's function; nil: none

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
	// Steered: packets sent on a path steering chose; Duplicated: extra
	// copies sent in duplicate mode; DupTooLarge: packets of a duplicate
	// policy sent once, as the shim's sequence number would not fit the
	// MTU.
	Steered, Duplicated, DupTooLarge atomic.Uint64
	// Events counts steering's events by steer.Kind; FlowsMoved the
	// active flows its decisions moved.
	Events     [steer.Decision + 1]atomic.Uint64
	FlowsMoved atomic.Uint64
	// Failovers: decisions that moved flows off a path that went down.
	Failovers atomic.Uint64
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
	shim       *shim.Endpoint
	link       *wgbind.Link
	bind       *wgbind.Path
	linkIndex  int    // into the configuration's links
	color      string // of the local link
	num        int    // unique among the data plane's paths: the BFD session's IfIndex
	bfdKey     bfd.Key
	prober     *probe.Sender
	probeNext  time.Time   // the control loop's
	bfdUp      atomic.Bool // the BFD session is Up: probes are sent
	started    time.Time
	lastRx     atomic.Int64 // unix ns of the last batch received from the peer; 0: none
	stopCtl    func()

	TxPackets, RxPackets atomic.Uint64
	controlLost          atomic.Uint64 // BFD and probe packets not sent: no buffer, full queue
	TxBytes, RxBytes     atomic.Uint64
}

// Start builds the data plane of cfg: it creates the overlay interface,
// its addresses and routes, the WAN link sockets and the path devices.
// On error everything made so far is removed again.
func Start(cfg *config.Valid, log *slog.Logger) (_ *Dataplane, err error) {
	d := &Dataplane{cfg: cfg, cur: cfg, log: log, routes: route.New(), pool: newBufPool(poolSize), stop: make(chan struct{}),
		bfd: bfd.NewManager(log), st: &cfg.Steering, fwd: newFwdState(cfg.Steering.Rules)}
	d.snap.Store(&snapshot{routes: d.routes, st: d.st})
	if d.engine, err = steer.New(d.steerConfig(nil, &cfg.Steering), time.Now()); err != nil {
		return nil, fmt.Errorf("steering: %w", err)
	}
	d.classifier = classify.New(cfg.Steering.Rules, classify.Options{})
	changes, _ := d.bfd.Subscribe()
	d.wg.Add(1)
	go d.watchBFD(changes)
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.routes, err = route.Build(routesOf(cfg)); err != nil {
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
	d.wg.Add(3)
	go d.forward()
	go d.helloLoop()
	go d.controlLoop()
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
	defer d.mu.Unlock()
	d.peers, d.paths = peers, pathsOf(peers)
	d.refreshPinsLocked()
	return d.syncSteeringLocked(&d.cfg.Steering, d.cfg)
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
	if p.stopCtl != nil {
		p.stopCtl()
	}
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
		endpoint: rl.Endpoint.String(), site: p.cfg.ID, preferred: len(p.paths) == 0, link: d.links[li], bind: bind,
		linkIndex: li, color: ll.Color, num: d.newPathNum(), started: time.Now()}
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
	}
	path.shim = shim.NewEndpoint(shim.EndpointConfig{LocalSite: d.cfg.ID, PeerSite: p.cfg.ID, MTU: d.cfg.Overlay.MTU,
		Compression: p.cfg.Compression, FirstHello: first, Window: d.windowOf(p.cfg.ID)})
	path.tun = newPathTUN(id, d.cfg.Overlay.MTU, d.pool, path.shim, d.delivery(p, path))
	// WireGuard logs an error per packet it fails to send (a WAN link
	// down: BFD and probes keep trying): at most one line per path every
	// wgLogEvery, with the count of lines left out.
	var lim rateLimit
	logger := &device.Logger{Verbosef: device.DiscardLogf, Errorf: func(f string, a ...any) {
		if skipped, ok := lim.allow(time.Now(), wgLogEvery); ok {
			d.log.Warn("wireguard", "path", id, "msg", fmt.Sprintf(f, a...), "not_logged_before", skipped)
		}
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
		if len(p.tun.queue) > 0 {
			return true
		}
	}
	return false
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
	// BFD tells every peer AdminDown (RFC 5880 §6.8.16): they move their
	// flows off these paths at once instead of after a detection time.
	// The packets are queued on the paths: let the devices send them.
	_ = d.bfd.Close()
	for deadline := time.Now().Add(100 * time.Millisecond); time.Now().Before(deadline) && queued(paths); {
		time.Sleep(5 * time.Millisecond)
	}
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
