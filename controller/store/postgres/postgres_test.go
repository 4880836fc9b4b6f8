package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/patronus-sdwan/patronus/controller/store"
	"github.com/patronus-sdwan/patronus/controller/store/pgtest"
	"github.com/patronus-sdwan/patronus/controller/store/postgres"
	"github.com/patronus-sdwan/patronus/controller/store/storetest"
)

// server is the throwaway PostgreSQL of this test binary; nil when
// PostgreSQL is not installed (tests then skip, or fail in CI).
var server *pgtest.Server

func TestMain(m *testing.M) {
	storetest.ChildMain(func(ctx context.Context, loc string) (store.Store, error) {
		return postgres.Open(ctx, loc, postgres.Options{})
	})
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	server, err = pgtest.Start()
	if err != nil && !errors.Is(err, pgtest.ErrNotInstalled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if server != nil {
		defer server.Stop()
	}
	return m.Run()
}

func requireServer(t *testing.T) {
	t.Helper()
	if server != nil {
		return
	}
	if pgtest.InCI() {
		t.Fatal(pgtest.ErrNotInstalled)
	}
	t.Skip("skipping: ", pgtest.ErrNotInstalled)
}

func withConn(ctx context.Context, loc string, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, loc)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

var harness = storetest.Harness{
	Engine: "postgres",
	NewDB: func(t *testing.T) string {
		return server.NewDB(t)
	},
	Open: func(ctx context.Context, loc string, now func() time.Time, version int) (store.Store, error) {
		return postgres.Open(ctx, loc, postgres.Options{Now: now, SchemaVersion: version})
	},
	Exec: func(ctx context.Context, loc, query string) error {
		return withConn(ctx, loc, func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, query)
			return err
		})
	},
	QueryInt: func(ctx context.Context, loc, query string) (int64, error) {
		var n int64
		err := withConn(ctx, loc, func(c *pgx.Conn) error { return c.QueryRow(ctx, query).Scan(&n) })
		return n, err
	},
	SharedWatch: true,
}

func TestStore(t *testing.T) {
	requireServer(t)
	storetest.Run(t, harness)
}

func TestDurability(t *testing.T) {
	requireServer(t)
	storetest.Durability(t, harness)
}

// TestConcurrentMigrations: replicas starting together on an empty
// database migrate it once (advisory lock).
func TestConcurrentMigrations(t *testing.T) {
	requireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	loc := server.NewDB(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(ctx, loc, postgres.Options{})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := harness.QueryInt(ctx, loc, "SELECT COUNT(*) FROM schema_migrations")
	if err != nil || n != 2 {
		t.Fatalf("%d migrations recorded (%v), want 2", n, err)
	}
}
