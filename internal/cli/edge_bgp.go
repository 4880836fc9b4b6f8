package cli

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"

	"github.com/patronus-sdwan/patronus/edge/bgp"
	"github.com/patronus-sdwan/patronus/edge/config"
	"github.com/patronus-sdwan/patronus/edge/dataplane"
	"github.com/patronus-sdwan/patronus/internal/ctlsock"
)

// edgeBGP runs the edge's BGP speaker (edge/bgp) along with the data
// plane: started, reconfigured and stopped with the configuration's bgp
// section, its sites fed from the data plane's path states.
type edgeBGP struct {
	log       *slog.Logger
	onLearned func([]netip.Prefix) // nil: logged only
	onEvent   func(bgp.Event)      // nil: none

	mu     sync.Mutex // guards what follows
	sp     *bgp.Speaker
	dp     *dataplane.Dataplane
	peers  []config.ValidPeer
	cancel context.CancelFunc
	kick   func()
}

// bgpAnswer is GET /bgp: the speaker's status, or enabled false.
type bgpAnswer struct {
	Enabled bool `json:"enabled"`
	*bgp.Status
}

// apply puts v's bgp section in force with dp as the source of the
// sites; it starts or stops the speaker when the section comes or goes.
func (b *edgeBGP) apply(dp *dataplane.Dataplane, v *config.Valid) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dp, b.peers = dp, v.Peers
	switch {
	case v.BGP == nil && b.sp == nil:
		return nil
	case v.BGP == nil:
		b.stopLocked()
		return nil
	case b.sp != nil:
		if err := b.sp.Reconfigure(v.BGP); err != nil {
			return err
		}
		b.kick() // the peers' prefixes may have changed
		return nil
	}
	sp, err := bgp.Start(v.BGP, bgp.Options{Log: b.log, OnLearned: b.learned, OnEvent: b.onEvent, InstallRoutes: true})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.sp, b.cancel = sp, cancel
	b.kick = sp.Follow(ctx, b.sites)
	b.log.Info("bgp up", "local_as", v.BGP.LocalAS, "neighbors", len(v.BGP.Neighbors))
	return nil
}

func (b *edgeBGP) learned(ps []netip.Prefix) {
	b.log.Info("bgp: learned prefixes", "count", len(ps))
	if b.onLearned != nil {
		b.onLearned(ps)
	}
}

// sites are the other sites with their paths' states, now.
func (b *edgeBGP) sites() []bgp.Site {
	b.mu.Lock()
	dp, peers := b.dp, b.peers
	b.mu.Unlock()
	paths, _ := dp.PathStates()
	states := make([]bgp.PathState, len(paths))
	for i, p := range paths {
		states[i] = bgp.PathState{PeerSite: p.PeerSite, State: p.State, Score: p.Score}
	}
	return bgp.SitesOf(peers, states)
}

// stateChanged is called by the data plane on a path state change; it
// never blocks.
func (b *edgeBGP) stateChanged() {
	b.mu.Lock()
	kick := b.kick
	b.mu.Unlock()
	if kick != nil {
		kick()
	}
}

func (b *edgeBGP) stopLocked() {
	b.cancel()
	if err := b.sp.Close(); err != nil {
		b.log.Error("bgp: stop", "err", err)
	}
	b.sp, b.kick = nil, nil
}

func (b *edgeBGP) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sp != nil {
		b.stopLocked()
	}
}

func (b *edgeBGP) speaker() *bgp.Speaker {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sp
}

// handlers are the control socket's BGP requests.
func (b *edgeBGP) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /bgp": ctlsock.JSON(func() any {
			sp := b.speaker()
			if sp == nil {
				return bgpAnswer{}
			}
			st := sp.Status()
			return bgpAnswer{Enabled: true, Status: &st}
		}),
		"GET /bgp/routes": ctlsock.JSON(func() any {
			if sp := b.speaker(); sp != nil {
				return sp.Routes()
			}
			return []bgp.Route{}
		}),
	}
}

// BGPStatus is the speaker's status for the metrics; false while BGP is
// off.
func (b *edgeBGP) BGPStatus() (bgp.Status, bool) {
	sp := b.speaker()
	if sp == nil {
		return bgp.Status{}, false
	}
	return sp.Status(), true
}
