package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Deadlines of store calls (WithDeadline).
const (
	// DefaultCallTimeout bounds every store call but Maintain: a database
	// that does not answer (a lock held by another connection, a server
	// that stopped answering) must not hold up what waits on the call —
	// the revision loop that applies a revocation, an API request, the
	// telemetry writers — for longer.
	DefaultCallTimeout = 10 * time.Second
	// DefaultMaintainTimeout bounds one Maintain (folding and retention
	// of a day's backlog at 1,000 edges takes minutes, not hours).
	DefaultMaintainTimeout = 15 * time.Minute
)

// Deadlines are the timeouts WithDeadline gives store calls; zero fields
// take the defaults.
type Deadlines struct {
	Call     time.Duration // every method but Maintain; DefaultCallTimeout
	Maintain time.Duration // Maintain; DefaultMaintainTimeout
}

// TimeoutError is a store call that did not end within its deadline. It
// matches context.DeadlineExceeded with errors.Is, and the store's own
// error.
type TimeoutError struct {
	Method string
	After  time.Duration
	Err    error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("store: %s: the database did not answer within %v (store_timeout): %v", e.Method, e.After, e.Err)
}

func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Err} }

// WithDeadline returns st with a deadline on every call (d; the caller's
// own deadline still applies when it is sooner): the call's context ends
// then, which both engines obey (PostgreSQL cancels the statement, SQLite
// interrupts it), and the call fails with a *TimeoutError. Watch,
// RelayEvents and Close are streams or the end, without a deadline. The
// optional interfaces st implements (ConcurrentWriters, EventRelay) are
// kept. The methods are generated (deadline_gen.go: python3
// controller/store/gentraced).
func WithDeadline(st Store, d Deadlines) Store {
	if d.Call <= 0 {
		d.Call = DefaultCallTimeout
	}
	if d.Maintain <= 0 {
		d.Maintain = DefaultMaintainTimeout
	}
	w := deadlined{Store: st, d: d}
	if r, ok := st.(EventRelay); ok {
		return deadlinedRelay{w, r}
	}
	return w
}

// deadlined is a Store whose calls have a deadline.
type deadlined struct {
	Store
	d Deadlines
}

// deadlinedRelay is a deadlined Store that relays events between
// replicas.
type deadlinedRelay struct {
	deadlined
	relay EventRelay
}

func (d deadlinedRelay) RelayEvents(ctx context.Context, deliver func(payload []byte), gap func()) (func(ctx context.Context, payload []byte) error, error) {
	return d.relay.RelayEvents(ctx, deliver, gap)
}

// ConcurrentWriters is the wrapped store's: 1 when it does not say.
func (d deadlined) ConcurrentWriters() int {
	if cw, ok := d.Store.(ConcurrentWriters); ok {
		return cw.ConcurrentWriters()
	}
	return 1
}

// start gives ctx the method's deadline; done ends it and turns an error
// of a call that ran out of time into a *TimeoutError.
func (d deadlined) start(ctx context.Context, method string) (context.Context, func(error) error) {
	after := d.d.Call
	if method == "Maintain" {
		after = d.d.Maintain
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, after)
	return ctx, func(err error) error {
		// Ours expired, not the caller's.
		expired := errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil
		cancel()
		if err == nil || !expired {
			return err
		}
		return &TimeoutError{Method: method, After: after, Err: err}
	}
}
