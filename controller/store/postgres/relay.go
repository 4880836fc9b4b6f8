package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/internal/sqlcore"
)

// EventChannel is the NOTIFY channel of the controllers' live events
// (store.EventRelay); the payload is opaque to the store.
const EventChannel = "patronus_events"

// pgStore is the SQL core with what only PostgreSQL has: the event relay.
type pgStore struct {
	*sqlcore.Store
	pool *pgxpool.Pool
	l    *listener
}

var _ store.EventRelay = (*pgStore)(nil)

// relayFuncs are the relay's callbacks, called from the listener's
// goroutine.
type relayFuncs struct {
	deliver func([]byte)
	gap     func()
}

// errRelayRunning: RelayEvents was called while a relay runs.
var errRelayRunning = errors.New("store: postgres: an event relay already runs")

// RelayEvents implements store.EventRelay over the listener's connection
// (LISTEN patronus_events, reconnected with it) and pg_notify through the
// pool.
func (s *pgStore) RelayEvents(ctx context.Context, deliver func([]byte), gap func()) (func(context.Context, []byte) error, error) {
	if deliver == nil || gap == nil {
		return nil, errors.New("store: postgres: RelayEvents: deliver and gap are required")
	}
	f := &relayFuncs{deliver: deliver, gap: gap}
	if !s.l.relay.CompareAndSwap(nil, f) {
		return nil, errRelayRunning
	}
	context.AfterFunc(ctx, func() { s.l.relay.CompareAndSwap(f, nil) })
	return s.sendEvent, nil
}

// sendEvent notifies every replica's listener of payload.
func (s *pgStore) sendEvent(ctx context.Context, payload []byte) error {
	if len(payload) > store.MaxEventPayload {
		return fmt.Errorf("store: postgres: event payload of %d bytes: more than %d", len(payload), store.MaxEventPayload)
	}
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", EventChannel, string(payload)); err != nil {
		return fmt.Errorf("store: postgres: notify event: %w", err)
	}
	return nil
}

// event hands an event payload to the relay, if one runs.
func (l *listener) event(payload string) {
	if f := l.relay.Load(); f != nil {
		f.deliver([]byte(payload))
	}
}

// reconnected tells the relay that events sent while the listener was
// not connected were missed (called on every connection but the first).
func (l *listener) reconnected() {
	if f := l.relay.Load(); f != nil {
		f.gap()
	}
}
