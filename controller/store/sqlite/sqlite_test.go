package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
	"github.com/patronus-sdwan/patronus/controller/store/storetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	storetest.ChildMain(func(ctx context.Context, loc string) (store.Store, error) {
		return sqlite.Open(ctx, loc, sqlite.Options{})
	})
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func withDB(ctx context.Context, loc string, fn func(*sql.DB) error) error {
	db, err := sql.Open("sqlite", sqlite.DSN(loc))
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

var harness = storetest.Harness{
	Engine: "sqlite",
	NewDB: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "controller.db")
	},
	Open: func(ctx context.Context, loc string, now func() time.Time, version int) (store.Store, error) {
		return sqlite.Open(ctx, loc, sqlite.Options{Now: now, SchemaVersion: version})
	},
	Exec: func(ctx context.Context, loc, query string) error {
		return withDB(ctx, loc, func(db *sql.DB) error {
			_, err := db.ExecContext(ctx, query)
			return err
		})
	},
	QueryInt: func(ctx context.Context, loc, query string) (int64, error) {
		var n int64
		err := withDB(ctx, loc, func(db *sql.DB) error { return db.QueryRowContext(ctx, query).Scan(&n) })
		return n, err
	},
	HoldWriteLock: func(ctx context.Context, loc string) (func(), error) {
		db, err := sql.Open("sqlite", sqlite.DSN(loc))
		if err != nil {
			return nil, err
		}
		conn, err := db.Conn(ctx)
		if err == nil {
			_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		}
		if err != nil {
			db.Close()
			return nil, err
		}
		return func() {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		}, nil
	},
	CheckFile: func(ctx context.Context, loc string) error {
		var res string
		err := withDB(ctx, loc, func(db *sql.DB) error { return db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res) })
		if err == nil && res != "ok" {
			err = fmt.Errorf("integrity_check: %s", res)
		}
		return err
	},
}

func TestStore(t *testing.T) { storetest.Run(t, harness) }

// TestDurability kills a writer with SIGKILL, then checks the file's
// integrity and that every acknowledged write is there.
func TestDurability(t *testing.T) {
	storetest.Durability(t, harness)
}

func TestOpenRefusesBadPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), "x.db?mode=ro", sqlite.Options{}); err == nil {
		t.Fatal("accepted a path with a query")
	}
}
