// Package postgres is the controller store on PostgreSQL (pgx, pgxpool),
// for several controller replicas on one database. Every configuration
// change runs pg_notify on the channel patronus_revision inside its
// transaction; PostgreSQL delivers it at commit to every replica's
// listener, which publishes it to that replica's watchers. So a change
// made through any replica reaches Watch on all of them.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/internal/sqlcore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ListenerName is the application_name of the LISTEN connections.
const ListenerName = "patronus-store-listener"

// Channel is the NOTIFY channel of revisions; the payload is
// "<network id>:<revision>".
const Channel = "patronus_revision"

// migrationLockKey is the advisory lock key that serialises migrating
// replicas ("patronus" in ASCII).
const migrationLockKey = 0x7061_7472_6f6e_7573

// Listener reconnect backoff bounds.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Options configure Open.
type Options struct {
	Now func() time.Time // clock; nil: time.Now
	// NewToken draws join token secrets; nil: 32 random bytes, base64url.
	// The controller passes one that makes controller/pki tokens.
	NewToken store.TokenMaker
	// SchemaVersion stops migrations at this version; 0: the newest.
	// Only tests of upgrades set it.
	SchemaVersion int
}

// Migrations returns the embedded migrations, oldest first.
func Migrations() ([]sqlcore.Migration, error) {
	return sqlcore.LoadMigrations(migrationFS, "migrations")
}

// Open connects to the database at url (postgres://…), migrates it to the
// newest schema (refusing a newer one with store.ErrSchemaTooNew), and
// starts listening for revisions of other replicas.
func Open(ctx context.Context, url string, opts Options) (store.Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: bad url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	eng := &engine{pool: pool}
	ms, err := Migrations()
	if err != nil {
		pool.Close()
		return nil, err
	}
	target := sqlcore.Newest(ms)
	if opts.SchemaVersion > 0 {
		target = opts.SchemaVersion
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if _, _, err := sqlcore.Migrate(ctx, eng, ms, target, now()); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w (postgres)", err)
	}
	// Writers: all the pool's connections but one, left for readers.
	s := sqlcore.New(eng, sqlcore.Options{Now: opts.Now, NewToken: opts.NewToken, Writers: int(cfg.MaxConns) - 1})
	if err := prepareRaw(ctx, s, target); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	lcfg := cfg.ConnConfig.Copy()
	lcfg.RuntimeParams["application_name"] = ListenerName
	l := &listener{cfg: lcfg, s: s, stopped: make(chan struct{})}
	ps := &pgStore{Store: s, pool: pool, l: l}
	lctx, cancel := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	go l.run(lctx, ready)
	s.OnClose(func() { cancel(); <-l.stopped })
	select {
	case err := <-ready:
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("store: postgres: listen: %w", err)
		}
	case <-ctx.Done():
		s.Close()
		return nil, fmt.Errorf("store: postgres: listen: %w", ctx.Err())
	}
	return ps, nil
}

// rawPartitionsVersion is the migration that partitions the raw tables.
const rawPartitionsVersion = 14

// prepareRaw creates the raw tables' partitions around now, so that
// telemetry arriving before the first Maintain has them.
func prepareRaw(ctx context.Context, s *sqlcore.Store, version int) error {
	if version < rawPartitionsVersion {
		return nil
	}
	return s.PrepareRaw(ctx)
}

// listener holds one connection in LISTEN and publishes what it hears:
// revisions to the store's watchers, events to the relay (relay.go).
type listener struct {
	cfg      *pgx.ConnConfig
	s        *sqlcore.Store
	stopped  chan struct{}
	relay    atomic.Pointer[relayFuncs] // nil: no relay runs
	connects int                        // connections made; the listener's goroutine only
}

// run listens until ctx ends, reconnecting with backoff. After every
// (re)connection it publishes the current revision of every network, so
// notifications missed while disconnected are made up for. The first
// connection's result goes to ready.
func (l *listener) run(ctx context.Context, ready chan<- error) {
	defer close(l.stopped)
	backoff := minBackoff
	first := true
	for {
		err := l.listen(ctx, func() {
			if first {
				ready <- nil
				first = false
			}
			backoff = minBackoff
		})
		if first {
			ready <- err
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (l *listener) listen(ctx context.Context, up func()) error {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel+"; LISTEN "+EventChannel); err != nil {
		return err
	}
	up()
	if err := l.resync(ctx, conn); err != nil {
		return err
	}
	if l.connects++; l.connects > 1 {
		l.reconnected()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == EventChannel {
			l.event(n.Payload)
			continue
		}
		if r, ok := parsePayload(n.Payload); ok {
			l.s.Hub().Publish(r)
		}
	}
}

func (l *listener) resync(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, "SELECT id, revision FROM networks")
	if err != nil {
		return err
	}
	var revs []store.Revision
	for rows.Next() {
		var r store.Revision
		if err := rows.Scan(&r.NetworkID, &r.Number); err != nil {
			rows.Close()
			return err
		}
		revs = append(revs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range revs {
		l.s.Hub().Publish(r)
	}
	return nil
}

func payload(r store.Revision) string {
	return strconv.FormatInt(r.NetworkID, 10) + ":" + strconv.FormatInt(r.Number, 10)
}

func parsePayload(p string) (store.Revision, bool) {
	a, b, ok := strings.Cut(p, ":")
	id, err1 := strconv.ParseInt(a, 10, 64)
	rev, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return store.Revision{}, false
	}
	return store.Revision{NetworkID: id, Number: rev}, true
}

type engine struct{ pool *pgxpool.Pool }

type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type querier struct{ q pgQuerier }

// CopyFrom implements sqlcore.Copier: COPY in a transaction.
func (q querier) CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error) {
	tx, ok := q.q.(pgx.Tx)
	if !ok {
		return 0, fmt.Errorf("copy into %s outside a transaction", table)
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
}

func (q querier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (q querier) Query(ctx context.Context, sql string, args ...any) (sqlcore.Rows, error) {
	return q.q.Query(ctx, sql, args...)
}

func (q querier) QueryRow(ctx context.Context, sql string, args ...any) sqlcore.Row {
	return q.q.QueryRow(ctx, sql, args...)
}

func (e *engine) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return querier{e.pool}.Exec(ctx, sql, args...)
}

func (e *engine) Query(ctx context.Context, sql string, args ...any) (sqlcore.Rows, error) {
	return querier{e.pool}.Query(ctx, sql, args...)
}

func (e *engine) QueryRow(ctx context.Context, sql string, args ...any) sqlcore.Row {
	return querier{e.pool}.QueryRow(ctx, sql, args...)
}

func (e *engine) Tx(ctx context.Context, fn func(sqlcore.Querier) error) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

func (e *engine) ReadTx(ctx context.Context, fn func(sqlcore.Querier) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return pgx.BeginTxFunc(ctx, e.pool, opts, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

func (e *engine) Classify(err error) sqlcore.Class {
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlcore.NoRows
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqlcore.Other
	}
	switch pe.Code {
	case "23505":
		return sqlcore.Unique
	case "23503":
		return sqlcore.ForeignKey
	case "23514", "23502":
		return sqlcore.Check
	case "53100": // disk_full
		return sqlcore.Full
	}
	return sqlcore.Other
}

func (e *engine) Greatest() string { return "GREATEST" }

func (e *engine) NotifyInTx(ctx context.Context, q sqlcore.Querier, r store.Revision) error {
	_, err := q.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, payload(r))
	return err
}

func (e *engine) LockMigrationsInTx(ctx context.Context, q sqlcore.Querier) error {
	_, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey))
	return err
}

func (e *engine) Close() { e.pool.Close() }

// PipelineQueryRow implements sqlcore.Pipeliner: one pgx batch in the
// transaction, one round trip for all the statements.
func (q querier) PipelineQueryRow(ctx context.Context, sql string, args [][]any, scan func(i int, r sqlcore.Row) error) error {
	tx, ok := q.q.(pgx.Tx)
	if !ok {
		return fmt.Errorf("pipeline outside a transaction")
	}
	var b pgx.Batch
	for _, a := range args {
		b.Queue(sql, a...)
	}
	br := tx.SendBatch(ctx, &b)
	for i := range args {
		if err := scan(i, br.QueryRow()); err != nil {
			br.Close()
			return err
		}
	}
	return br.Close()
}
