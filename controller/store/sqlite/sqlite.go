// Package sqlite is the controller store on SQLite (modernc.org/sqlite,
// pure Go, no cgo): one database file in WAL mode, synchronous=FULL (a
// commit is on disk before it is acknowledged), foreign keys on, a busy
// timeout, and write transactions that take the write lock at BEGIN
// (BEGIN IMMEDIATE), so concurrent writers queue instead of failing.
// Watch is served in process: SQLite is the one-controller engine.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/internal/sqlcore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// pageSize is SQLite's default page size, which the store keeps.
const pageSize = 4096

// busyTimeout is how long a writer waits for the write lock.
const busyTimeout = 10 * time.Second

// maxConns bounds the connection pool: WAL readers run in parallel,
// writers queue on the database lock.
const maxConns = 8

// Options configure Open.
type Options struct {
	Now func() time.Time // clock; nil: time.Now
	// NewToken draws join token secrets; nil: 32 random bytes, base64url.
	// The controller passes one that makes controller/pki tokens.
	NewToken store.TokenMaker
	// SchemaVersion stops migrations at this version; 0: the newest.
	// Only tests of upgrades set it.
	SchemaVersion int
	// MaxBytes caps the database file (PRAGMA max_page_count, in pages
	// of 4 KiB, on every connection); a write that would grow it beyond
	// is refused with store.ErrFull, as on a full disk. 0: no cap.
	MaxBytes int64
}

// Migrations returns the embedded migrations, oldest first.
func Migrations() ([]sqlcore.Migration, error) {
	return sqlcore.LoadMigrations(migrationFS, "migrations")
}

// DSN is the database/sql data source name for a database file, with the
// store's pragmas.
func DSN(path string) string {
	q := url.Values{}
	for _, p := range []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path and migrates
// it to the newest schema; a database newer than this binary is refused
// with store.ErrSchemaTooNew.
func Open(ctx context.Context, path string, opts Options) (store.Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: sqlite: path %q: empty or contains ? or #", path)
	}
	dsn := DSN(path)
	if opts.MaxBytes > 0 {
		dsn += "&_pragma=" + url.QueryEscape(fmt.Sprintf("max_page_count(%d)", max(1, opts.MaxBytes/pageSize)))
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	eng := &engine{db: db}
	if err := checkPragmas(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite: %s: %w", path, err)
	}
	ms, err := Migrations()
	if err != nil {
		db.Close()
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
		db.Close()
		return nil, fmt.Errorf("%w (sqlite %s)", err, path)
	}
	return sqlcore.New(eng, sqlcore.Options{Now: opts.Now, NewToken: opts.NewToken}), nil
}

// checkPragmas makes sure the pragmas took: WAL, FULL, foreign keys.
func checkPragmas(ctx context.Context, db *sql.DB) error {
	var mode string
	var sync, fk int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return err
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		return fmt.Errorf("pragmas not applied: journal_mode=%s synchronous=%d foreign_keys=%d", mode, sync, fk)
	}
	return nil
}

type engine struct{ db *sql.DB }

type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type querier struct{ q sqlQuerier }

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return q.q.QueryRowContext(ctx, query, args...)
}

// Prepare implements sqlcore.Preparer, in a transaction.
func (q querier) Prepare(ctx context.Context, query string) (sqlcore.Stmt, error) {
	tx, ok := q.q.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("prepare outside a transaction: %s", query)
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt{st}, nil
}

type stmt struct{ st *sql.Stmt }

func (s stmt) Exec(ctx context.Context, args ...any) error {
	_, err := s.st.ExecContext(ctx, args...)
	return err
}

func (s stmt) Close() error { return s.st.Close() }

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (e *engine) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return querier{e.db}.Exec(ctx, query, args...)
}

func (e *engine) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	return querier{e.db}.Query(ctx, query, args...)
}

func (e *engine) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return querier{e.db}.QueryRow(ctx, query, args...)
}

func (e *engine) Tx(ctx context.Context, fn func(sqlcore.Querier) error) error {
	return e.tx(ctx, nil, fn)
}

func (e *engine) ReadTx(ctx context.Context, fn func(sqlcore.Querier) error) error {
	return e.tx(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

func (e *engine) tx(ctx context.Context, opts *sql.TxOptions, fn func(sqlcore.Querier) error) error {
	tx, err := e.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(querier{tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (e *engine) Classify(err error) sqlcore.Class {
	if errors.Is(err, sql.ErrNoRows) {
		return sqlcore.NoRows
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqlcore.Other
	}
	if se.Code()&0xff == sqlite3.SQLITE_FULL {
		return sqlcore.Full
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlcore.Unique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlcore.ForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return sqlcore.Check
	}
	return sqlcore.Other
}

func (e *engine) Greatest() string { return "MAX" }

func (e *engine) NotifyInTx(context.Context, sqlcore.Querier, store.Revision) error { return nil }

// LockMigrationsInTx: BEGIN IMMEDIATE already holds the write lock.
func (e *engine) LockMigrationsInTx(context.Context, sqlcore.Querier) error { return nil }

func (e *engine) Close() { e.db.Close() }

func (e *engine) Raw() sqlcore.RawTables { return rawTables{} }

// rawTables: one process writes, one transaction at a time, so the fold
// needs no barrier; rows are deleted by rx (indexed).
type rawTables struct{}

func (rawTables) IngestLockInTx(context.Context, sqlcore.Querier) error  { return nil }
func (rawTables) FoldBarrierInTx(context.Context, sqlcore.Querier) error { return nil }
func (rawTables) Prepare(context.Context, sqlcore.Querier, int64) error  { return nil }

// LastID: ids are AUTOINCREMENT, never used twice.
func (rawTables) LastID(ctx context.Context, q sqlcore.Querier, table string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $1), 0)", table).Scan(&id)
	return id, err
}

// FoldChunk: a fold holds the write lock; a minute of 1,000 edges' rows
// is folded in steps that let ingest transactions in between.
func (rawTables) FoldChunk() int64 { return 16384 }

func (rawTables) DropPartitions(context.Context, sqlcore.Querier, string, int64) (int64, error) {
	return 0, nil
}

func (rawTables) DeleteRows(ctx context.Context, q sqlcore.Querier, table string, cutoff, maxID, limit int64) (int64, error) {
	return q.Exec(ctx, "DELETE FROM "+table+" WHERE id IN (SELECT id FROM "+table+" WHERE rx < $1 AND id <= $2 LIMIT $3)", cutoff, maxID, limit)
}
