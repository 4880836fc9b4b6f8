package manage

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// latestWindow is how far back a path's latest sample is looked for (as
// the Admin service's ListPaths).
const latestWindow = 10 * time.Minute

// Path is a path of a network with its latest sample.
type Path struct {
	store.Path
	// ID is the API's ID, "a/al->b/bl" with a < b (PathID).
	ID string
	// Latest is the newest raw sample of the last 10 minutes; nil: none.
	Latest *store.PathPoint
	// Live is the newest live report of the last 10 minutes (BFD state,
	// score); nil: none, or no Config.Live.
	Live *LivePath
	// Flows are the newest current-flows reports of the path's ends heard
	// in the last minute (LiveFlows; CurrentFlows merges them); none: no
	// report, or no Config.Live.
	Flows []LiveFlows
}

// PathFilter selects paths; zero fields select all.
type PathFilter struct {
	Site  string          // paths with this site at either end
	State store.PathState // paths whose latest sample has this state
}

// Paths lists a network's paths (derived from its topology, enrolled sites
// and links) that f selects, by name, each with its latest sample.
func (s *Service) Paths(ctx context.Context, network string, f PathFilter) ([]Path, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	if err := required("network", network); err != nil {
		return nil, err
	}
	if f.Site != "" {
		if err := required("site", f.Site); err != nil {
			return nil, err
		}
	}
	if f.State != "" && store.StateRank(f.State) < 0 {
		return nil, invalid("state", "%q is not up, degraded or down", f.State)
	}
	all, err := s.cfg.Store.Paths(ctx, network)
	if err != nil {
		return nil, s.wrap("paths", err)
	}
	out := make([]Path, 0, len(all))
	now := s.cfg.Now()
	for _, p := range all {
		if f.Site != "" && p.A != f.Site && p.B != f.Site {
			continue
		}
		v, err := s.path(ctx, network, p, now)
		if err != nil {
			return nil, s.wrap("paths", err)
		}
		if f.State == "" || v.Latest != nil && v.Latest.State == f.State {
			out = append(out, v)
		}
	}
	return out, nil
}

// The newest sample comes from the live reports (Live) when one is
// younger than latestWindow: edges report every second, so a query of a
// fleet's paths reads memory, not the store (it read each path's last 10
// minutes of raw samples before: 4,000 paths took seconds). Only a path
// without a live report (just after a controller start, or one an edge
// stopped reporting) is looked up in the store.
func (s *Service) path(ctx context.Context, network string, p store.Path, now time.Time) (Path, error) {
	v := Path{Path: p, ID: PathID(p), Live: s.cfg.Live.path(network, p.Name, now, latestWindow),
		Flows: s.cfg.Live.pathFlows(network, p.Name, now, flowsMaxAge)}
	if v.Live != nil {
		pt := v.Live.Point
		v.Latest = &pt
		return v, nil
	}
	pts, err := s.cfg.Store.PathMetrics(ctx, network, p.Name, store.Raw, now.Add(-latestWindow), now.Add(time.Minute))
	if err != nil {
		return Path{}, err
	}
	if len(pts) > 0 {
		v.Latest = &pts[len(pts)-1]
	}
	return v, nil
}

// Path returns one path by its ID, in either orientation.
func (s *Service) Path(ctx context.Context, network, id string) (Path, error) {
	if err := s.read(ctx); err != nil {
		return Path{}, err
	}
	p, err := s.findPath(ctx, network, id)
	if err != nil {
		return Path{}, err
	}
	v, err := s.path(ctx, network, p, s.cfg.Now())
	return v, s.wrap("path", err)
}

func (s *Service) findPath(ctx context.Context, network, id string) (store.Path, error) {
	if err := required("network", network); err != nil {
		return store.Path{}, err
	}
	name, err := ParsePathID("id", id)
	if err != nil {
		return store.Path{}, err
	}
	all, err := s.cfg.Store.Paths(ctx, network)
	if err != nil {
		return store.Path{}, s.wrap("path", err)
	}
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return store.Path{}, notFound("path %s in network %s", id, network)
}

// History is a path's measurements over a time range.
type History struct {
	Resolution store.Resolution
	From, To   time.Time
	Points     []store.PathPoint // oldest first
}

// maxHistory bounds a history's range (the longest retention's default).
const maxHistory = 400 * 24 * time.Hour

// PathHistory returns a path's points in [from, to) at the resolution
// ResolutionFor chooses. A path no longer derived (its site or link is
// gone) still has its history; the ID must merely be well formed.
func (s *Service) PathHistory(ctx context.Context, network, id string, from, to time.Time) (History, error) {
	if err := s.read(ctx); err != nil {
		return History{}, err
	}
	if err := required("network", network); err != nil {
		return History{}, err
	}
	name, err := ParsePathID("id", id)
	if err != nil {
		return History{}, err
	}
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		return History{}, invalid("from", "from and to are required, from before to")
	}
	if to.Sub(from) > maxHistory {
		return History{}, invalid("from", "range longer than %v", maxHistory)
	}
	res := ResolutionFor(from, to, s.cfg.Now(), s.cfg.Retention)
	pts, err := s.cfg.Store.PathMetrics(ctx, network, name, res, from, to)
	if err != nil {
		return History{}, s.wrap("path history", err)
	}
	return History{Resolution: res, From: from, To: to, Points: pts}, nil
}

// The ranges up to which a resolution is chosen, as the store keeps them
// by default (store.DefaultRetention): 1 h of 1 s samples (3,600
// points), 7 days of minutes (10,080), hours beyond.
const (
	RawRange    = time.Hour
	MinuteRange = 7 * 24 * time.Hour
)

const retentionGrace = time.Minute

// ResolutionFor chooses a resolution for [from, to): raw up to RawRange,
// minutes up to MinuteRange, hours beyond; and never one whose retention
// has already deleted from (a zero retention keeps forever).
//
// retentionGrace lets a range that starts just before a retention's edge
// still read that resolution: "the last hour" (or 7 days) computed by a
// client a moment before the controller's now, with raw samples kept an
// hour, loses a few seconds at its start, not its resolution.
func ResolutionFor(from, to, now time.Time, r store.Retention) store.Resolution {
	span, age := to.Sub(from), now.Sub(from)-retentionGrace
	switch {
	case span <= RawRange && (r.Raw == 0 || age <= r.Raw):
		return store.Raw
	case span <= MinuteRange && (r.Minute == 0 || age <= r.Minute):
		return store.Minute
	}
	return store.Hour
}
