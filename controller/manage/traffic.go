package manage

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// TrafficFilter selects the flow summaries (what each site's edge sent,
// by application and path, every 30 s) that ApplicationTraffic totals.
type TrafficFilter struct {
	Site string // the reporting site; "": every site
	// Path is a path ID ("a/al->b/bl", either end first); "": every path.
	// Both ends' reports of the path are counted.
	Path  string
	Since time.Time // zero: DefaultTrafficWindow before Until (or now)
	Until time.Time // zero: no end
	Limit int       // the top applications: 1..MaxTrafficApps; 0: DefaultTrafficApps
}

// Bounds of ApplicationTraffic.
const (
	DefaultTrafficWindow = time.Hour
	DefaultTrafficApps   = 20
	MaxTrafficApps       = 1000
)

// ApplicationTraffic totals a network's flow summaries that f selects by
// application, the most bytes first.
func (s *Service) ApplicationTraffic(ctx context.Context, network string, f TrafficFilter) ([]store.AppTraffic, error) {
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	q, err := s.trafficQuery(network, f)
	if err != nil {
		return nil, err
	}
	out, err := s.cfg.Store.ApplicationTraffic(ctx, network, q)
	if err != nil {
		return nil, s.wrap("application traffic", err)
	}
	return out, nil
}

// trafficQuery validates f and makes it a store query.
func (s *Service) trafficQuery(network string, f TrafficFilter) (store.AppTrafficQuery, error) {
	q := store.AppTrafficQuery{Site: f.Site, Since: f.Since, Until: f.Until, Limit: f.Limit}
	if err := required("network", network); err != nil {
		return q, err
	}
	if f.Site != "" {
		if err := required("site", f.Site); err != nil {
			return q, err
		}
	}
	if f.Path != "" {
		name, err := ParsePathID("path", f.Path)
		if err != nil {
			return q, err
		}
		q.Path = name
	}
	if f.Limit < 0 || f.Limit > MaxTrafficApps {
		return q, invalid("first", "%d not in 1..%d", f.Limit, MaxTrafficApps)
	}
	if q.Limit == 0 {
		q.Limit = DefaultTrafficApps
	}
	if q.Since.IsZero() {
		end := q.Until
		if end.IsZero() {
			end = s.cfg.Now()
		}
		q.Since = end.Add(-DefaultTrafficWindow)
	}
	if !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, invalid("until", "not after since")
	}
	return q, nil
}
