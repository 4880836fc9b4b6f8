package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Timers of the control channel's link choice (docs/EDGE_AGENT.md,
// Control channel links).
const (
	// DefaultAckTimeout: batches unacknowledged this long (one is sent
	// every second) mean the connection's link is dead. It is above the
	// controller's time to store a batch under load, and short enough
	// that a site whose link is cut is heard again within 10 s: detection
	// within AckTimeout + 1 s, a reconnection within Backoff.Min more.
	DefaultAckTimeout = 4 * time.Second
	// DefaultLinkDialTimeout bounds a connection attempt or a probe on
	// one link, so that a dead link delays the next one by this much.
	DefaultLinkDialTimeout = 3 * time.Second
	// DefaultProbeInterval: how often the links cheaper than the one in
	// use are probed (a TCP handshake with the controller).
	DefaultProbeInterval = 10 * time.Second
	// DefaultReturnAfter: a link that failed must answer every probe
	// this long before the channel moves back to it.
	DefaultReturnAfter = 20 * time.Second
)

// linkTimers are the timers of a ctlink; tests shorten them.
type linkTimers struct {
	ack, dial, probe, returnAfter time.Duration
}

var defaultLinkTimers = linkTimers{ack: DefaultAckTimeout, dial: DefaultLinkDialTimeout,
	probe: DefaultProbeInterval, returnAfter: DefaultReturnAfter}

// dialFunc makes a TCP connection to addr over l (nil: unbound).
type dialFunc func(ctx context.Context, l *Link, addr string) (net.Conn, error)

// ctlink puts the control channel's connections on a WAN link: it is
// the gRPC channels' dialer, watches the Report stream's
// acknowledgements, and moves the connections to another link when they
// stop (closing them: gRPC redials through dial) or back to a cheaper
// link that answers probes.
type ctlink struct {
	timers linkTimers    // fixed once run starts (tests shorten them before)
	links  func() []Link // Options.Links; nil: none known
	dialer dialFunc      // dialLink; tests give a fake WAN
	log    *slog.Logger

	mu    sync.Mutex
	ch    *chooser               // guarded by mu
	watch ackWatch               // guarded by mu
	conns map[*linkConn]struct{} // guarded by mu: open connections
	addr  string                 // guarded by mu: the controller address last dialed
	last  *linkConn              // guarded by mu: the last connection made, as logged
}

func newCtlink(links func() []Link, log *slog.Logger) *ctlink {
	return &ctlink{timers: defaultLinkTimers, links: links, dialer: dialLink, log: log,
		ch: newChooser(defaultLinkTimers.returnAfter), conns: map[*linkConn]struct{}{}}
}

// linkConn is a connection of the channel, on a link (or unbound).
type linkConn struct {
	net.Conn
	c     *ctlink
	link  string
	bound bool
	once  sync.Once
}

func (lc *linkConn) Close() error {
	lc.once.Do(func() {
		lc.c.mu.Lock()
		delete(lc.c.conns, lc)
		lc.c.mu.Unlock()
	})
	return lc.Conn.Close()
}

// refresh takes the links of the configuration in force.
func (c *ctlink) refresh() {
	if c.links == nil {
		return
	}
	ls := c.links()
	c.mu.Lock()
	c.ch.setLinks(ls)
	c.mu.Unlock()
}

// dial is the gRPC channels' dialer: it tries the links in the chooser's
// order, each for at most the dial timeout, then the host's routing.
func (c *ctlink) dial(ctx context.Context, addr string) (net.Conn, error) {
	c.refresh()
	c.mu.Lock()
	c.addr = addr
	order := c.ch.order()
	c.mu.Unlock()
	for _, l := range order {
		dctx, cancel := context.WithTimeout(ctx, c.timers.dial)
		conn, err := c.dialer(dctx, &l, addr)
		cancel()
		if err == nil {
			return c.track(conn, l.Name, true, addr), nil
		}
		if ctx.Err() != nil { // gRPC gave up, not the link
			return nil, ctx.Err()
		}
		c.log.Warn("control channel: link does not reach the controller", "link", l.Name, "controller", addr, "err", err)
		c.mu.Lock()
		c.ch.failed(l.Name, time.Now())
		c.mu.Unlock()
	}
	conn, err := c.dialer(ctx, nil, addr)
	if err != nil {
		return nil, err
	}
	return c.track(conn, "", false, addr), nil
}

func (c *ctlink) track(conn net.Conn, link string, bound bool, addr string) net.Conn {
	lc := &linkConn{Conn: conn, c: c, link: link, bound: bound}
	c.mu.Lock()
	c.conns[lc] = struct{}{}
	c.ch.use(link, bound)
	changed := c.last == nil || c.last.link != link || c.last.bound != bound
	c.last = lc
	c.mu.Unlock()
	if changed && bound {
		c.log.Info("control channel on link", "link", link, "controller", addr)
	} else if changed {
		c.log.Info("control channel on the host's routing (no link known or none reaches the controller)", "controller", addr)
	}
	return lc
}

// closeConns closes the connections on a link (or the unbound ones): the
// streams on them end, and gRPC redials.
func (c *ctlink) closeConns(link string, bound bool) {
	c.mu.Lock()
	var doomed []*linkConn
	for lc := range c.conns {
		if lc.link == link && lc.bound == bound {
			doomed = append(doomed, lc)
		}
	}
	c.mu.Unlock()
	for _, lc := range doomed {
		lc.Close()
	}
}

// sent and acked feed the acknowledgement watch from the Report stream;
// streamEnded resets it.
func (c *ctlink) sent(seq uint64) {
	c.mu.Lock()
	c.watch.sent(seq, time.Now())
	c.mu.Unlock()
}

func (c *ctlink) acked(seq uint64) {
	c.mu.Lock()
	c.watch.acked(seq, time.Now())
	c.mu.Unlock()
}

func (c *ctlink) streamEnded() {
	c.mu.Lock()
	c.watch.reset()
	c.mu.Unlock()
}

// run watches the acknowledgements and probes cheaper links until ctx
// ends.
func (c *ctlink) run(ctx context.Context) {
	c.mu.Lock()
	c.ch.returnAfter = c.timers.returnAfter
	c.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() { c.every(ctx, c.timers.ack/4, c.checkStall) })
	wg.Go(func() { c.every(ctx, c.timers.probe, func() { c.probe(ctx) }) })
	wg.Wait()
}

func (c *ctlink) every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// checkStall moves the channel off a link whose acknowledgements stopped.
func (c *ctlink) checkStall() {
	c.mu.Lock()
	if !c.watch.stalled(time.Now(), c.timers.ack) {
		c.mu.Unlock()
		return
	}
	c.watch.reset()
	link, bound := c.ch.stall(time.Now())
	c.mu.Unlock()
	c.log.Warn("control channel: no acknowledgement from the controller; reconnecting over the next link",
		"link", link, "bound", bound, "waited", c.timers.ack)
	c.closeConns(link, bound)
}

// probe tries the links cheaper than the one in use and moves the
// channel to the first the chooser accepts.
func (c *ctlink) probe(ctx context.Context) {
	c.refresh()
	c.mu.Lock()
	cands, addr := c.ch.toProbe(), c.addr
	c.mu.Unlock()
	for _, l := range cands {
		if addr == "" || ctx.Err() != nil {
			return
		}
		dctx, cancel := context.WithTimeout(ctx, c.timers.dial)
		conn, err := c.dialer(dctx, &l, addr)
		cancel()
		if err == nil {
			conn.Close()
		} else if ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		move := c.ch.probed(l.Name, err == nil, time.Now())
		from, bound, inUse := c.ch.current, c.ch.bound, c.ch.inUse
		c.mu.Unlock()
		if move && inUse {
			c.log.Info("control channel: moving to a cheaper link that answers", "link", l.Name, "from", from, "from_bound", bound)
			c.closeConns(from, bound)
			return
		}
	}
}

// dialLink connects to addr over l: bound to its interface and from its
// address (when of addr's family); unbound when l is nil.
func dialLink(ctx context.Context, l *Link, addr string) (net.Conn, error) {
	var d net.Dialer
	if l != nil {
		d.Control = bindToDevice(l.Interface)
		ap, err := netip.ParseAddrPort(addr)
		if err == nil && l.Local.IsValid() && l.Local.Unmap().Is4() == ap.Addr().Unmap().Is4() {
			d.LocalAddr = &net.TCPAddr{IP: l.Local.AsSlice()}
		}
	}
	return d.DialContext(ctx, "tcp", addr)
}

// bindToDevice is a net.Dialer Control setting SO_BINDTODEVICE (needs
// CAP_NET_RAW); nil for no interface.
func bindToDevice(ifname string) func(string, string, syscall.RawConn) error {
	if ifname == "" {
		return nil
	}
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname)
		}); err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("SO_BINDTODEVICE %q: %w", ifname, serr)
		}
		return nil
	}
}
