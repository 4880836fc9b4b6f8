package bgp

import (
	"context"
	"net/netip"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v4/api"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// pfxRestart restarts the sessions a prefix limit closed. GoBGP holds
// such a session down (admin state "prefix limit") until told otherwise;
// like a router's "maximum-prefix … restart", the edge enables it again
// after the neighbour's max_prefixes_restart. A router that still sends
// too many closes it again: one attempt per interval.
//
// Lock order: Speaker.mu before pfxRestart.mu (apply is called with
// Speaker.mu held; GoBGP's event goroutine takes pfxRestart.mu only).
type pfxRestart struct {
	srv interface {
		EnablePeer(context.Context, *api.EnablePeerRequest) error
	}
	log func(msg string, args ...any)
	// held tells whether BFD holds a's session down: then BFD, not the
	// timer, enables it again.
	held func(a netip.Addr) bool
	mu   sync.Mutex
	wait map[netip.Addr]time.Duration // guarded by mu: each neighbour's restart interval
	// timers are the pending restarts; guarded by mu.
	timers map[netip.Addr]*time.Timer
	closed bool // guarded by mu
}

func newPfxRestart(s *Speaker) *pfxRestart {
	held := func(a netip.Addr) bool {
		_, down := s.bfd.state(a)
		return down
	}
	return &pfxRestart{srv: s.srv, log: s.log.Warn, held: held, wait: map[netip.Addr]time.Duration{}, timers: map[netip.Addr]*time.Timer{}}
}

// apply takes the neighbours' intervals; a pending restart of a
// neighbour that left is cancelled (a changed neighbour is re-added,
// which clears its limit anyway).
func (p *pfxRestart) apply(ns []config.ValidBGPNeighbor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wait = map[netip.Addr]time.Duration{}
	for _, n := range ns {
		p.wait[n.Address] = n.MaxPrefixesRestart
	}
	for a, t := range p.timers {
		if _, ok := p.wait[a]; !ok {
			t.Stop()
			delete(p.timers, a)
		}
	}
}

// cancel drops a's pending restart (its peer was replaced: a new
// session, without the limit's hold).
func (p *pfxRestart) cancel(a netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.timers[a]; t != nil {
		t.Stop()
		delete(p.timers, a)
	}
}

// closedByLimit schedules the restart of a's session.
func (p *pfxRestart) closedByLimit(a netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.wait[a]
	if !ok || p.closed || d <= 0 {
		return
	}
	if t := p.timers[a]; t != nil {
		t.Stop()
	}
	p.timers[a] = time.AfterFunc(d, func() { p.restart(a) })
}

func (p *pfxRestart) restart(a netip.Addr) {
	p.mu.Lock()
	delete(p.timers, a)
	closed := p.closed
	p.mu.Unlock()
	if closed || p.held(a) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := p.srv.EnablePeer(ctx, &api.EnablePeerRequest{Address: a.String()}); err != nil {
		p.log("bgp: restart after the prefix limit", "neighbor", a, "err", err)
	}
}

// close cancels every pending restart.
func (p *pfxRestart) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for a, t := range p.timers {
		t.Stop()
		delete(p.timers, a)
	}
}
