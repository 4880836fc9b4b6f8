package manage

import (
	"context"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// EventFilter selects steering and path events; zero fields select all.
type EventFilter struct {
	Site  string
	Kind  string // "path_down", "failover", "revoked", …
	Since time.Time
	Until time.Time
	// Limit is how many of the newest events are read before Kind and
	// Until filter them (0: MaxEvents).
	Limit int
}

// MaxEvents bounds how many events one query reads.
const MaxEvents = 10000

// Events lists a network's events that f selects, newest first.
func (s *Service) Events(ctx context.Context, network string, f EventFilter) ([]store.Event, error) {
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
	if len(f.Kind) > 63 {
		return nil, invalid("kind", "longer than 63 characters")
	}
	if f.Limit < 0 || f.Limit > MaxEvents {
		return nil, invalid("limit", "%d not in 0..%d", f.Limit, MaxEvents)
	}
	if f.Limit == 0 {
		f.Limit = MaxEvents
	}
	evs, err := s.cfg.Store.Events(ctx, network, store.EventQuery{Site: f.Site, Since: f.Since, Limit: f.Limit})
	if err != nil {
		return nil, s.wrap("events", err)
	}
	out := evs[:0]
	for _, e := range evs {
		if (f.Kind == "" || e.Kind == f.Kind) && (f.Until.IsZero() || e.TS.Before(f.Until)) {
			out = append(out, e)
		}
	}
	return out, nil
}
