// Package dataplane is the edge's data plane: forwarding, the path
// lifecycle and reconfiguration. It reads in the order packets flow:
//
//   - forward.go: the forwarder reads the overlay TUN a batch at a time,
//     parses each packet once (edge/ippkt), looks its destination up in
//     the routes of the forwarding snapshot (snapshot.go), clamps the MSS
//     of TCP SYNs to the overlay MTU, and picks the path: a pin
//     (pin.go), else the path steering (edge/steer) chooses for the
//     flow's policy after classification (edge/classify), or two paths in
//     duplicate mode, else the peer's first path (lowest local link cost,
//     then configuration order). The overlay is read straight into pool
//     buffers, and a packet leaves in the buffer it was read into: each
//     path gets its share of a read batch in one push onto its queue.
//   - pathtun.go: each path's WireGuard device reads its queue as its
//     TUN, a batch per Read, copying into the device's own buffers (the
//     one copy between the overlay read and encryption) and compressing
//     through the path's shim endpoint (edge/shim) when
//     both ends agreed in shim Hellos; what the device decrypts comes
//     back through delivery (forward.go): shim packets decoded (Hellos,
//     BFD, probes, duplicates dropped, decompression), the source checked
//     against the peer's prefixes, the MSS clamped, and written to the
//     overlay TUN.
//   - path.go: a path per local WAN link × remote WAN link, over the
//     link's socket; control.go: its BFD session and quality probes,
//     inside the tunnel, feeding steering (steering.go).
//   - reconfig.go: the whole configuration put in force, idempotently.
//
// Its boundaries are injected (deps.go): the overlay TUN, the WAN link
// sockets and the route programmer. Start wires the kernel's
// (edge/overlay, edge/wgbind); edge/dataplane/dptest has in-memory ones
// for tests that run several sites in one process.
package dataplane

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/edge/classify"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/probe"
	"github.com/patronus-sdwan/patronus/edge/route"
	"github.com/patronus-sdwan/patronus/edge/shim"
	"github.com/patronus-sdwan/patronus/edge/steer"
	"github.com/patronus-sdwan/patronus/policy"
)

const (
	maxPacket    = shim.MaxInner // largest inner packet: jumbo MTU
	pathQueueLen = 1024
	poolSize     = 8192
	// tunOffset is the headroom the kernel TUN needs before each packet
	// (virtio-net header) and WireGuard wants for its own header.
	tunOffset = device.MessageTransportHeaderSize
	// persistentKeepalive keeps NAT bindings and the tunnel warm
	// (WireGuard's persistent keepalive, whole seconds).
	persistentKeepalive = 25 * time.Second
	// initiateDelay is how long the site with the higher ID lets the
	// other start a new path's handshake before it starts its own.
	initiateDelay = 1500 * time.Millisecond
)

// Dataplane is a running data plane.
type Dataplane struct {
	cfg      *config.Valid // as started: what cannot change at runtime is read here
	log      *slog.Logger
	tun      tun.Device                           // the overlay interface (Deps.TUN)
	overlay  RouteProgrammer                      // its routes (Deps.Routes)
	openLink func(config.ValidLink) (Link, error) // Deps.OpenLink
	pool     *bufPool

	keepalive map[string]time.Duration // by local link, when not persistentKeepalive (nat.go); guarded by mu
	pins      pins
	wg        sync.WaitGroup

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
	links    []*wanLink       // the WAN links in force, as cur.Links
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

	// key is the site's private key that new paths take: cfg's until a
	// rotation moved every path to another (keyrot.go); written under mu.
	// rotMu: one rotation at a time; lock order rotMu, then mu.
	key   atomic.Pointer[ecdh.PrivateKey]
	rotMu sync.Mutex

	Stats Stats
}

// Stats are the forwarder's counters.
type Stats struct {
	FromOverlay, NoRoute, NoPath, QueueFull, Malformed atomic.Uint64
	ToOverlay, SourceRejected, MSSClamped              atomic.Uint64
	// DestRejected: decrypted packets from a peer whose destination is
	// not this site's LAN (nor its control address): see admit.go.
	DestRejected atomic.Uint64
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

// New builds the data plane of cfg on deps, which it owns from then on:
// the routes of every peer's prefixes into the overlay, the path devices
// over the links, and the goroutines that forward, drive the Hellos and
// the control loop. On error everything is closed again, deps included.
func New(cfg *config.Valid, deps Deps, log *slog.Logger) (_ *Dataplane, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dataplane{cfg: cfg, cur: cfg, log: log, tun: deps.TUN, overlay: deps.Routes, openLink: deps.OpenLink,
		routes: route.New(), pool: newBufPool(poolSize), stop: make(chan struct{}),
		bfd: bfd.NewManager(log), st: &cfg.Steering, fwd: newFwdState(cfg.Steering.Rules)}
	for i, l := range deps.Links {
		if i < len(cfg.Links) {
			d.links = append(d.links, &wanLink{cfg: cfg.Links[i], sock: l})
		}
	}
	d.snap.Store(&snapshot{routes: d.routes, st: d.st, mtu: cfg.Overlay.MTU, links: d.links})
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	switch {
	case deps.TUN == nil || deps.Routes == nil:
		return nil, errors.New("dataplane: Deps.TUN and Deps.Routes are required")
	case len(deps.Links) != len(cfg.Links):
		for _, l := range deps.Links[len(d.links):] {
			_ = l.Close() // owned from New on
		}
		return nil, fmt.Errorf("dataplane: %d link sockets for %d links", len(deps.Links), len(cfg.Links))
	}
	if d.engine, err = steer.New(d.steerConfig(nil, &cfg.Steering), time.Now()); err != nil {
		return nil, fmt.Errorf("steering: %w", err)
	}
	d.classifier = classify.New(cfg.Steering.Rules, classify.Options{})
	changes, _ := d.bfd.Subscribe()
	d.wg.Add(1)
	go d.watchBFD(changes)
	if d.routes, err = route.Build(routesOf(cfg)); err != nil {
		return nil, err
	}
	for _, p := range cfg.Peers {
		if err := d.overlay.AddRoutes(peerPrefixes(p)); err != nil {
			return nil, fmt.Errorf("peer %s: %w", p.Name, err)
		}
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

// Paths returns the paths, in preference order per peer.
func (d *Dataplane) Paths() []*Path {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*Path(nil), d.paths...)
}

// Close removes the data plane: its devices, and the TUN and link
// sockets it was given (the kernel overlay interface goes with its TUN,
// and its routes with it).
func (d *Dataplane) Close() error {
	var errs []error
	d.stopOnce.Do(func() { close(d.stop) })
	d.mu.Lock()
	d.closed = true
	paths, links := d.paths, d.links
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
	for _, l := range links {
		errs = append(errs, l.sock.Close())
	}
	return errors.Join(errs...)
}
