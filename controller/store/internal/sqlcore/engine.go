// Package sqlcore implements store.Store once, in SQL that SQLite and
// PostgreSQL both accept ($N placeholders, RETURNING, ON CONFLICT), over a
// small Engine interface that each engine package provides: queries,
// transactions, error classes, and in-transaction change notification.
package sqlcore

import (
	"context"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Querier runs statements, in or outside a transaction.
type Querier interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is a result set; Close must be called.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan reports no rows as an error of class NoRows.
type Row interface {
	Scan(dest ...any) error
}

// Class is what kind of database error an error is.
type Class int

const (
	Other Class = iota
	NoRows
	Unique     // a unique or primary key is taken
	ForeignKey // a reference is missing or still referenced
	Check      // a CHECK or NOT NULL constraint fails
	Full       // the database or its disk is full
)

// Engine is one database engine.
type Engine interface {
	Querier
	// Tx runs fn in a read-write transaction that is committed when fn
	// returns nil and rolled back otherwise. Write transactions of one
	// network are serialised by the revision row lock (PostgreSQL) or
	// the database write lock (SQLite, BEGIN IMMEDIATE).
	Tx(ctx context.Context, fn func(Querier) error) error
	// ReadTx runs fn in a read-only transaction that sees one snapshot
	// and does not block writers (SQLite: deferred BEGIN in WAL;
	// PostgreSQL: REPEATABLE READ, READ ONLY).
	ReadTx(ctx context.Context, fn func(Querier) error) error
	// Classify tells what kind of error err is.
	Classify(err error) Class
	// Greatest is the SQL function of the larger of two values.
	Greatest() string
	// NotifyInTx tells other processes about a new revision, delivered
	// when the transaction commits (PostgreSQL NOTIFY); a no-op for an
	// engine with one process.
	NotifyInTx(ctx context.Context, q Querier, r store.Revision) error
	// LockMigrationsInTx serialises concurrent migrators.
	LockMigrationsInTx(ctx context.Context, q Querier) error
	// Raw is the engine's handling of the raw telemetry tables
	// (path_metrics_raw, path_counters).
	Raw() RawTables
	Close()
}

// RawTables is how an engine keeps the raw telemetry tables, whose rows
// carry rx (receive time, µs) and id (arrival order).
//
// The fold (Store.Maintain) must see every row with an id at or below
// the highest id it reads: IngestLockInTx is taken by every transaction
// that writes raw rows, and FoldBarrierInTx waits for those in flight
// and holds off new ones until its transaction ends (PostgreSQL: one
// advisory lock, shared and exclusive; SQLite: write transactions run
// one at a time, so both are no-ops).
type RawTables interface {
	IngestLockInTx(ctx context.Context, q Querier) error
	FoldBarrierInTx(ctx context.Context, q Querier) error
	// LastID is the highest id given to a row of a raw table so far.
	LastID(ctx context.Context, q Querier, table string) (int64, error)
	// Prepare makes the tables ready for rows received around now
	// (PostgreSQL: creates the hourly partitions ahead).
	Prepare(ctx context.Context, q Querier, now int64) error
	// FoldChunk is the most ids of a raw table one fold transaction
	// takes: small where a fold holds the one write lock (SQLite), none
	// where each step would leave dead row versions of the same buckets
	// behind (PostgreSQL).
	FoldChunk() int64
	// DropPartitions drops table's partitions that end by cutoff and
	// returns how many (PostgreSQL; SQLite has none). The caller holds
	// the fold barrier and has folded everything.
	DropPartitions(ctx context.Context, q Querier, table string, cutoff int64) (int64, error)
	// DeleteRows deletes at most limit rows of table received before
	// cutoff with ids up to maxID (folded), and returns how many.
	DeleteRows(ctx context.Context, q Querier, table string, cutoff, maxID, limit int64) (int64, error)
}

// Copier is implemented by a Querier that can bulk-load rows
// (PostgreSQL COPY).
type Copier interface {
	CopyFrom(ctx context.Context, table string, cols []string, rows [][]any) (int64, error)
}

// Preparer is implemented by a Querier whose statements are cheapest
// prepared once and run per row (SQLite, in process: a statement of
// hundreds of parameters costs more to parse and bind than it saves).
// Others get multi-row statements, one round trip for many rows.
type Preparer interface {
	Prepare(ctx context.Context, sql string) (Stmt, error)
}

// Pipeliner is implemented by a Querier that can send one statement
// with several argument lists in one round trip (PostgreSQL: a pgx
// batch, the statements run in order in the transaction). scan gets
// each statement's row in order; an error from scan (but a row's
// NoRows) stops it.
type Pipeliner interface {
	PipelineQueryRow(ctx context.Context, sql string, args [][]any, scan func(i int, r Row) error) error
}

// queryRows runs sql with each argument list, pipelined where q can.
func queryRows(ctx context.Context, q Querier, sql string, args [][]any, scan func(i int, r Row) error) error {
	if p, ok := q.(Pipeliner); ok {
		return p.PipelineQueryRow(ctx, sql, args, scan)
	}
	for i, a := range args {
		if err := scan(i, q.QueryRow(ctx, sql, a...)); err != nil {
			return err
		}
	}
	return nil
}

// Stmt is a prepared statement; Close must be called.
type Stmt interface {
	Exec(ctx context.Context, args ...any) error
	Close() error
}
