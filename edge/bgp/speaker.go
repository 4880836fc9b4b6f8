package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// Options are the speaker's boundaries.
type Options struct {
	Log *slog.Logger
	// OnLearned receives the whole set of prefixes the routers announce
	// (after the import policy and the loop rule) each time it changes.
	// It is called from the speaker's goroutine and must not block for
	// long; nil: not reported.
	OnLearned func([]netip.Prefix)
	// OnEvent receives every neighbour state change (also kept in
	// Events). It must not block; nil: none.
	OnEvent func(Event)
	// BFDPort is the UDP port of the neighbours' BFD sessions (0: 3784,
	// RFC 5881); tests change it.
	BFDPort uint16
	// BFDListen is the IPv4 address BFD listens on (zero: every address
	// of both families); tests that run both ends on one host set it.
	BFDListen netip.Addr
	// InstallRoutes makes the speaker keep kernel routes (main table,
	// protocol RouteProtocol) from the learned prefixes to the routers
	// that announce them, so that traffic from the overlay reaches them.
	InstallRoutes bool
	// Now is the clock of damping (nil: time.Now).
	Now func() time.Time
}

// opTimeout bounds one management call into GoBGP.
const opTimeout = 10 * time.Second

// Speaker is the running BGP speaker. Its methods are safe for concurrent
// use.
type Speaker struct {
	srv    *server.BgpServer
	log    *slog.Logger
	opts   Options
	bfd    *bfdLink
	events *eventLog
	learn  *learner
	pfx    *pfxRestart

	mu sync.Mutex // guards what follows; never held across network waits
	// cfg is the configuration in force.
	cfg *config.ValidBGP
	// sites is the last SetSites; remote their prefixes (loop rule).
	sites []Site
	// damp holds back flapping sites; adv is what is advertised now.
	damp  *damper
	adv   map[netip.Prefix]advert
	timer *time.Timer // wakes reconcile when a hold-down ends; nil: none
	// echo is the prefix limits' allowance for the overlay's own routes
	// that a router sends back (echoRoom).
	echo uint32

	cancel context.CancelFunc
	closed bool
}

// Start runs a speaker with cfg (non-nil).
func Start(cfg *config.ValidBGP, opts Options) (*Speaker, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lv := &slog.LevelVar{}
	lv.Set(slog.LevelWarn) // GoBGP is talkative at Info: its Warn and above only
	s := &Speaker{log: opts.Log, opts: opts, events: newEventLog(eventLogSize), adv: map[netip.Prefix]advert{},
		damp: newDamper(cfg.ReadvertiseDelay)}
	gl := slog.New(minLevel{opts.Log.Handler(), lv}).With("component", "gobgp")
	s.srv = server.NewBgpServer(server.LoggerOption(gl, lv))
	go s.srv.Serve()
	s.pfx = newPfxRestart(s)
	if err := s.start(cfg); err != nil {
		if s.cancel != nil {
			s.cancel()
			<-s.learn.done
		}
		s.srv.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Speaker) start(cfg *config.ValidBGP) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rid, err := routerID(cfg)
	if err != nil {
		return err
	}
	g := &api.Global{Asn: cfg.LocalAS, RouterId: rid.String(), ListenPort: cfg.ListenPort}
	if err := s.srv.StartBgp(ctx, &api.StartBgpRequest{Global: g}); err != nil {
		return fmt.Errorf("bgp: start: %w", err)
	}
	wctx, wcancel := context.WithCancel(context.Background())
	s.cancel = wcancel
	s.learn = newLearner(s)
	go s.learn.run(wctx)
	err = s.srv.WatchEvent(wctx, server.WatchEventMessageCallbacks{
		OnPeerUpdate: s.peerEvent,
		OnBestPath:   s.bestPathChanged,
	}, server.WatchPeer(), server.WatchBestPath(false))
	if err != nil {
		return fmt.Errorf("bgp: watch: %w", err)
	}
	s.bfd, err = newBFDLink(s, s.opts.BFDPort)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = &config.ValidBGP{LocalAS: cfg.LocalAS} // no neighbours, no policies yet
	return s.applyLocked(ctx, cfg)
}

// routerID is the configured one, else the IPv4 address this host uses
// towards its first IPv4 neighbour.
func routerID(cfg *config.ValidBGP) (netip.Addr, error) {
	if cfg.RouterID.IsValid() {
		return cfg.RouterID, nil
	}
	for _, n := range cfg.Neighbors {
		if n.Address.Is4() {
			if a, err := sourceFor(n); err == nil {
				return a, nil
			}
		}
	}
	return netip.Addr{}, errors.New("bgp.router_id: required (no IPv4 neighbour with a route to derive it from)")
}

// sourceFor is the local address towards a neighbour: its local_address,
// else the one the kernel picks.
func sourceFor(n config.ValidBGPNeighbor) (netip.Addr, error) {
	if n.LocalAddress.IsValid() {
		return n.LocalAddress, nil
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(n.Address, 9)))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// Reconfigure puts cfg in force. A change of the local AS, router ID or
// listening port restarts the speaker (every session); otherwise only the
// neighbours that changed are touched and policies are replaced and
// re-applied with a soft reset. An identical cfg changes nothing.
func (s *Speaker) Reconfigure(cfg *config.ValidBGP) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("bgp: closed")
	}
	old := s.cfg
	if old.LocalAS != cfg.LocalAS || old.RouterID != cfg.RouterID || old.ListenPort != cfg.ListenPort || old.OverlayAS != cfg.OverlayAS {
		return s.restartLocked(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return s.applyLocked(ctx, cfg)
}

// restartLocked stops GoBGP's BGP instance and starts it again with cfg;
// the advertised routes are added again. s.mu must be held.
func (s *Speaker) restartLocked(cfg *config.ValidBGP) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	s.cancel()
	<-s.learn.done
	s.bfd.close()
	if err := s.srv.StopBgp(ctx, &api.StopBgpRequest{}); err != nil {
		return fmt.Errorf("bgp: stop: %w", err)
	}
	s.adv = map[netip.Prefix]advert{}
	s.pfx.apply(nil) // the sessions start afresh
	s.mu.Unlock()
	err := s.start(cfg) // takes s.mu
	s.mu.Lock()
	if err != nil {
		return err
	}
	s.reconcileLocked()
	return nil
}

// applyLocked makes neighbours and policies those of cfg. s.mu must be
// held.
func (s *Speaker) applyLocked(ctx context.Context, cfg *config.ValidBGP) error {
	policiesChanged := !samePolicies(s.cfg, cfg)
	if policiesChanged {
		if err := installPolicies(ctx, s.srv, buildPolicies(cfg)); err != nil {
			return fmt.Errorf("bgp: %w", err)
		}
	}
	if err := s.applyNeighborsLocked(ctx, cfg); err != nil {
		return err
	}
	s.damp.delay = cfg.ReadvertiseDelay
	s.cfg = cfg
	s.pfx.apply(cfg.Neighbors)
	if policiesChanged {
		err := s.srv.ResetPeer(ctx, &api.ResetPeerRequest{Address: "all", Soft: true, Direction: api.ResetPeerRequest_DIRECTION_BOTH})
		if err != nil {
			s.log.Warn("bgp: soft reset after a policy change", "err", err)
		}
	}
	return s.bfd.apply(cfg.Neighbors)
}

func samePolicies(a, b *config.ValidBGP) bool {
	return fmt.Sprint(a.Import, a.Export, a.OverlayAS) == fmt.Sprint(b.Import, b.Export, b.OverlayAS)
}

// applyNeighborsLocked deletes, adds and updates neighbours. s.mu must be
// held.
func (s *Speaker) applyNeighborsLocked(ctx context.Context, cfg *config.ValidBGP) error {
	old := map[netip.Addr]config.ValidBGPNeighbor{}
	for _, n := range s.cfg.Neighbors {
		old[n.Address] = n
	}
	want := map[netip.Addr]bool{}
	for _, n := range cfg.Neighbors {
		want[n.Address] = true
	}
	for a := range old {
		if !want[a] {
			if err := s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: a.String()}); err != nil {
				return fmt.Errorf("bgp: remove neighbour %s: %w", a, err)
			}
		}
	}
	for _, n := range cfg.Neighbors {
		o, had := old[n.Address]
		switch {
		case !had:
			if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peerOf(cfg, n, s.echo)}); err != nil {
				return fmt.Errorf("bgp: neighbour %s: %w", n.Address, err)
			}
		case o != n:
			// A replaced peer restarts its session: simpler and surer than
			// GoBGP's partial updates for passwords and transports.
			_ = s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: n.Address.String()})
			s.pfx.cancel(n.Address)
			if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: peerOf(cfg, n, s.echo)}); err != nil {
				return fmt.Errorf("bgp: neighbour %s: %w", n.Address, err)
			}
		}
	}
	return nil
}

// Timers of the sessions.
const (
	// HoldTime is proposed to the routers; BFD detects faster.
	HoldTime = 90
	// ConnectRetry is how often an idle session is retried (seconds).
	ConnectRetry = 5
	// GracefulRestartTime is how long the routers keep our routes while
	// we restart; as a helper we keep theirs as long as they ask.
	GracefulRestartTime = 120
)

// peerOf is GoBGP's neighbour for n: IPv4 and IPv6 unicast, the prefix
// limit on each (max_prefixes plus echo, see echoRoom), graceful restart
// as a helper when on.
func peerOf(cfg *config.ValidBGP, n config.ValidBGPNeighbor, echo uint32) *api.Peer {
	p := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: n.Address.String(), PeerAsn: n.RemoteAS, AuthPassword: n.Password},
		Timers: &api.Timers{Config: &api.TimersConfig{HoldTime: HoldTime, KeepaliveInterval: HoldTime / 3,
			ConnectRetry: ConnectRetry, IdleHoldTimeAfterReset: ConnectRetry}},
		Transport: &api.Transport{RemotePort: uint32(n.Port)},
	}
	if n.LocalAddress.IsValid() {
		p.Transport.LocalAddress = n.LocalAddress.String()
	}
	if cfg.GracefulRestart {
		p.GracefulRestart = &api.GracefulRestart{Enabled: true, HelperOnly: true, RestartTime: GracefulRestartTime}
	}
	for _, afi := range []api.Family_Afi{api.Family_AFI_IP, api.Family_AFI_IP6} {
		fam := &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}
		af := &api.AfiSafi{Config: &api.AfiSafiConfig{Family: fam, Enabled: true},
			PrefixLimits: &api.PrefixLimit{Family: fam, MaxPrefixes: n.MaxPrefixes + echo}}
		if cfg.GracefulRestart {
			af.MpGracefulRestart = &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: true}}
		}
		p.AfiSafis = append(p.AfiSafis, af)
	}
	return p
}

// Close stops the speaker: BFD sessions AdminDown, BGP sessions closed
// with a Cease.
func (s *Speaker) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	s.pfx.close()
	s.cancel()
	<-s.learn.done // its kernel routes are gone
	s.bfd.close()
	s.srv.Stop()
	return nil
}

// minLevel passes on the records at or above a level.
type minLevel struct {
	slog.Handler
	min slog.Leveler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(g string) slog.Handler { return minLevel{h.Handler.WithGroup(g), h.min} }
