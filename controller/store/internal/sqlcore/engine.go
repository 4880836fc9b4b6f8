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
	Close()
}
