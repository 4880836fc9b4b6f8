package bgp

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/edge/config"
)

// PathState is one path's state as the data plane reports it
// (edge/dataplane PathStatus: peer_site, state, score).
type PathState struct {
	PeerSite string
	State    string // up, degraded, down
	Score    float64
}

// SitesOf builds the other sites from the configuration's peers and the
// paths' states: a site is up while one of its paths is not down, and its
// score is the best such path's. A peer without paths is down.
func SitesOf(peers []config.ValidPeer, paths []PathState) []Site {
	best := map[string]float64{}
	up := map[string]bool{}
	for _, p := range paths {
		if p.State == "down" || p.State == "" {
			continue
		}
		if !up[p.PeerSite] || p.Score > best[p.PeerSite] {
			best[p.PeerSite] = p.Score
		}
		up[p.PeerSite] = true
	}
	out := make([]Site, 0, len(peers))
	for _, p := range peers {
		out = append(out, Site{ID: p.ID, Name: p.Name, Prefixes: p.Prefixes, Up: up[p.Name], Score: best[p.Name]})
	}
	return out
}

// FollowInterval is how often Follow refreshes the sites without a kick:
// the MED follows the best path's score, which changes without a state
// change.
const FollowInterval = 5 * time.Second

// Follow keeps the speaker's sites in step with sites() until ctx ends:
// at once after each call of the returned kick (the data plane's path
// state change, which never blocks), and every FollowInterval.
func (s *Speaker) Follow(ctx context.Context, sites func() []Site) (kick func()) {
	ch := make(chan struct{}, 1)
	go func() {
		t := time.NewTicker(FollowInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
			case <-t.C:
			}
			s.SetSites(sites())
		}
	}()
	kick = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	kick()
	return kick
}
