package sqlcore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/internal/tracing"
)

// Options configure a Store.
type Options struct {
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// NewToken draws join token secrets; nil: newTokenSecret.
	NewToken store.TokenMaker
	// Writers is how many write transactions can usefully run at once
	// (store.ConcurrentWriters); 0 means 1.
	Writers int
}

// Store implements store.Store over an Engine.
type Store struct {
	eng    Engine
	hub    *Hub
	now    func() time.Time
	token  store.TokenMaker
	wr     int           // ConcurrentWriters
	done   chan struct{} // closed by Close
	closed atomic.Bool
	once   sync.Once
	onStop []func() // run by Close before the engine closes
}

var _ store.Store = (*Store)(nil)

// New returns a Store over a migrated engine.
func New(eng Engine, opts Options) *Store {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	token := opts.NewToken
	if token == nil {
		token = func(string, time.Time) (string, error) { return newTokenSecret() }
	}
	return &Store{eng: eng, hub: NewHub(), now: now, token: token, wr: max(1, opts.Writers), done: make(chan struct{})}
}

// ConcurrentWriters implements store.ConcurrentWriters.
func (s *Store) ConcurrentWriters() int { return s.wr }

// Hub is where revisions from other processes are published.
func (s *Store) Hub() *Hub { return s.hub }

// Done is closed when the store closes.
func (s *Store) Done() <-chan struct{} { return s.done }

// OnClose registers f to run at Close, before the engine closes. Not
// safe to call concurrently with Close.
func (s *Store) OnClose(f func()) { s.onStop = append(s.onStop, f) }

// Close stops watchers and closes the engine. Idempotent.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		close(s.done)
		for _, f := range s.onStop {
			f()
		}
		s.eng.Close()
	})
	return nil
}

func us(t time.Time) int64 { return t.UnixMicro() }

func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullUS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return fromUS(*v)
}

// sinceUS maps a zero time to "since forever".
func sinceUS(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return us(t)
}

// tx is a write transaction that remembers the revisions it bumped.
type tx struct {
	Querier
	s    *Store
	revs []store.Revision
}

// lockNetwork takes the network's row lock (a no-op update) so that checks
// across its sites (overlapping prefixes) and the write they allow are not
// raced by another transaction of the same network.
func (t *tx) lockNetwork(ctx context.Context, netID int64) error {
	if _, err := t.Exec(ctx, "UPDATE networks SET revision = revision WHERE id = $1", netID); err != nil {
		return fmt.Errorf("lock network: %w", err)
	}
	return nil
}

// bump increases the network's revision and records ctx's traceparent
// with it (store.Network.TraceParent); the hub hears of it at commit.
func (t *tx) bump(ctx context.Context, netID int64) error {
	var rev int64
	err := t.QueryRow(ctx, "UPDATE networks SET revision = revision + 1, revision_trace = $2 WHERE id = $1 RETURNING revision",
		netID, tracing.TraceParent(ctx)).Scan(&rev)
	if err != nil {
		return fmt.Errorf("bump revision: %w", err)
	}
	r := store.Revision{NetworkID: netID, Number: rev}
	t.revs = append(t.revs, r)
	return t.s.eng.NotifyInTx(ctx, t.Querier, r)
}

func (s *Store) write(ctx context.Context, op string, fn func(*tx) error) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	t := &tx{s: s}
	err := s.eng.Tx(ctx, func(q Querier) error {
		t.Querier, t.revs = q, t.revs[:0]
		return fn(t)
	})
	if err != nil {
		return s.wrap(op, err)
	}
	for _, r := range t.revs {
		s.hub.Publish(r)
	}
	return nil
}

func (s *Store) read(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	return nil
}

// wrap leaves typed store errors alone and prefixes others with the operation.
func (s *Store) wrap(op string, err error) error {
	var se *store.Error
	if err == nil || errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// classify turns a constraint error of a statement into a typed error.
func (s *Store) classify(err error, entity, field, format string, args ...any) error {
	switch s.eng.Classify(err) {
	case Unique:
		return store.Conflict(entity, field, err, format, args...)
	case ForeignKey, Check:
		return store.Constraint(entity, field, err, format, args...)
	case NoRows:
		return store.NotFound(entity, format, args...)
	}
	return err
}

func (s *Store) netID(ctx context.Context, q Querier, name string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM networks WHERE name = $1", name).Scan(&id)
	if err != nil {
		if s.eng.Classify(err) == NoRows {
			return 0, store.NotFound("network", "network %q does not exist", name)
		}
		return 0, err
	}
	return id, nil
}

func (s *Store) siteID(ctx context.Context, q Querier, netID int64, network, name string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT id FROM sites WHERE network_id = $1 AND name = $2", netID, name).Scan(&id)
	if err != nil {
		if s.eng.Classify(err) == NoRows {
			return 0, store.NotFound("site", "site %q does not exist in network %q", name, network)
		}
		return 0, err
	}
	return id, nil
}

// deleted turns zero affected rows into a not-found error.
func deleted(n int64, err error, entity, format string, args ...any) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return store.NotFound(entity, format, args...)
	}
	return nil
}

// HashToken is the stored form of a join token: hex SHA-256.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newTokenSecret returns 32 random bytes, base64url without padding.
func newTokenSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }
