package bgp

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v4/api"

	"github.com/patronus-sdwan/patronus/bfd"
	"github.com/patronus-sdwan/patronus/bfd/packet"
	"github.com/patronus-sdwan/patronus/bfd/session"
	"github.com/patronus-sdwan/patronus/bfd/udp"
	"github.com/patronus-sdwan/patronus/edge/config"
)

// BFD timers of the neighbours' sessions: the project's defaults for
// BFD with routers (docs/BFD.md), a detection time of 900 ms.
const (
	BFDInterval   = 300 * time.Millisecond
	BFDMultiplier = 3
)

// bfdDownMessage is the Cease communication (RFC 8203) sent when BFD
// takes a session down.
const bfdDownMessage = "BFD down (RFC 5882)"

// bfdLink runs the single-hop BFD sessions (RFC 5881) of the neighbours
// with bfd on, on the project's engine, and takes a neighbour's BGP
// session down when its BFD session goes Down after being Up (RFC 5882
// §4.1), enabling it again when BFD is back Up.
type bfdLink struct {
	s      *Speaker
	port   uint16
	listen netip.Addr // tests: the IPv4 address to listen on; zero: any

	mu       sync.Mutex // guards what follows
	mgr      *bfd.Manager
	tr       *udp.Transport
	unsub    func()
	sessions map[netip.Addr]bfdSession // by neighbour
	disabled map[netip.Addr]bool       // neighbours BFD took down
}

type bfdSession struct {
	key bfd.Key
	tx  *udp.Sender
}

func newBFDLink(s *Speaker, port uint16) (*bfdLink, error) {
	return &bfdLink{s: s, port: port, listen: s.opts.BFDListen, sessions: map[netip.Addr]bfdSession{},
		disabled: map[netip.Addr]bool{}}, nil
}

// startLocked opens the manager and the sockets at the first neighbour
// with BFD. l.mu must be held.
func (l *bfdLink) startLocked() error {
	if l.mgr != nil {
		return nil
	}
	mgr := bfd.NewManager(l.s.log.With("component", "bgp-bfd"))
	cfg := udp.Config{EnableV4: true, EnableV6: !l.listen.IsValid(), SingleHop: true, SingleHopPort: l.port,
		ListenV4: l.listen, Logger: l.s.log}
	tr, err := udp.Listen(cfg, mgr)
	if err != nil {
		_ = mgr.Close()
		return fmt.Errorf("bgp: BFD for the neighbours: %w (is another BFD daemon using UDP %d?)", err, cfg.SingleHopPort)
	}
	ch, unsub := mgr.Subscribe()
	l.mgr, l.tr, l.unsub = mgr, tr, unsub
	go l.watch(ch)
	return nil
}

// apply makes the BFD sessions those of the neighbours with bfd on.
func (l *bfdLink) apply(ns []config.ValidBGPNeighbor) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := map[netip.Addr]config.ValidBGPNeighbor{}
	for _, n := range ns {
		if n.BFD {
			want[n.Address] = n
		}
	}
	for a, ss := range l.sessions {
		if _, keep := want[a]; !keep {
			l.removeLocked(a, ss)
		}
	}
	if len(want) == 0 {
		return nil
	}
	if err := l.startLocked(); err != nil {
		return err
	}
	for a, n := range want {
		if _, have := l.sessions[a]; have {
			continue
		}
		if err := l.addLocked(n); err != nil {
			return fmt.Errorf("bgp: BFD with %s: %w", a, err)
		}
	}
	return nil
}

func (l *bfdLink) addLocked(n config.ValidBGPNeighbor) error {
	local, err := sourceFor(n)
	if err != nil {
		return err
	}
	tx, err := l.tr.NewSender(local, n.Address, false, "")
	if err != nil {
		return err
	}
	key := bfd.Key{Local: local, Peer: n.Address}
	sc := bfd.SessionConfig{Key: key, Config: session.Config{DesiredMinTx: BFDInterval, RequiredMinRx: BFDInterval, DetectMult: BFDMultiplier}}
	if _, err := l.mgr.Add(sc, tx); err != nil {
		_ = tx.Close()
		return err
	}
	l.sessions[n.Address] = bfdSession{key: key, tx: tx}
	return nil
}

func (l *bfdLink) removeLocked(a netip.Addr, ss bfdSession) {
	_ = l.mgr.Remove(ss.key)
	_ = ss.tx.Close()
	delete(l.sessions, a)
	if l.disabled[a] {
		delete(l.disabled, a)
		l.enable(a) // the neighbour stays; without BFD nothing holds it down
	}
}

// watch follows the sessions' state changes until the manager closes.
func (l *bfdLink) watch(ch <-chan bfd.StateChange) {
	for c := range ch {
		switch {
		case c.From == packet.StateUp && c.To != packet.StateUp:
			l.s.log.Warn("bgp: BFD down, taking the session down", "neighbor", c.Key.Peer, "diag", c.Diag)
			l.mu.Lock()
			l.disabled[c.Key.Peer] = true
			l.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			err := l.s.srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: c.Key.Peer.String(), Communication: bfdDownMessage})
			cancel()
			if err != nil {
				l.s.log.Error("bgp: BFD down: disable neighbour", "neighbor", c.Key.Peer, "err", err)
			}
		case c.To == packet.StateUp:
			l.mu.Lock()
			was := l.disabled[c.Key.Peer]
			delete(l.disabled, c.Key.Peer)
			l.mu.Unlock()
			if was {
				l.enable(c.Key.Peer)
			}
		}
	}
}

func (l *bfdLink) enable(a netip.Addr) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := l.s.srv.EnablePeer(ctx, &api.EnablePeerRequest{Address: a.String()}); err != nil {
		l.s.log.Error("bgp: BFD up: enable neighbour", "neighbor", a, "err", err)
	}
}

// state is a neighbour's BFD state ("" without BFD) and whether BFD holds
// its BGP session down.
func (l *bfdLink) state(a netip.Addr) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ss, ok := l.sessions[a]
	if !ok {
		return "", false
	}
	info, ok := l.mgr.Session(ss.key)
	if !ok {
		return "", false
	}
	return info.Session.State.String(), l.disabled[a]
}

// close takes every session AdminDown and closes the sockets.
func (l *bfdLink) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mgr == nil {
		return
	}
	_ = l.mgr.Close()
	for _, ss := range l.sessions {
		_ = ss.tx.Close()
	}
	_ = l.tr.Close()
	l.unsub()
	l.mgr, l.sessions = nil, map[netip.Addr]bfdSession{}
}
