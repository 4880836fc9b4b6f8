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
	"go.uber.org/goleak"
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
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
			code = 1
		}
	}
	return code
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
	HoldWriteLock: func(ctx context.Context, loc string) (func(), error) {
		conn, err := pgx.Connect(ctx, loc)
		if err != nil {
			return nil, err
		}
		_, err = conn.Exec(ctx, "BEGIN; LOCK TABLE join_tokens, sites IN EXCLUSIVE MODE")
		if err != nil {
			conn.Close(context.Background())
			return nil, err
		}
		return func() {
			_, _ = conn.Exec(context.Background(), "ROLLBACK")
			conn.Close(context.Background())
		}, nil
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
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	n, err := harness.QueryInt(ctx, loc, "SELECT COUNT(*) FROM schema_migrations")
	if err != nil || n != int64(len(ms)) {
		t.Fatalf("%d migrations recorded (%v), want %d", n, err, len(ms))
	}
}

// TestWatchSurvivesListenerLoss: when a replica's LISTEN connection is
// cut, it reconnects and its watchers still reach the newest revision.
func TestWatchSurvivesListenerLoss(t *testing.T) {
	requireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	loc := server.NewDB(t)
	a, err := postgres.Open(ctx, loc, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, loc, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	n, err := a.CreateNetwork(ctx, "corp", store.FullMesh)
	if err != nil {
		t.Fatal(err)
	}
	w := b.Watch(ctx)
	if r := <-w; r.Number != 1 {
		t.Fatalf("first revision %+v", r)
	}
	killed, err := harness.QueryInt(ctx, loc, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = '`+postgres.ListenerName+`' AND datname = current_database()`)
	if err != nil || killed != 2 {
		t.Fatalf("terminated %d listeners (%v), want 2", killed, err)
	}
	if _, err := a.CreateSite(ctx, "corp", storetest.SiteSpec("s1")); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r := <-w:
			if r.NetworkID == n.ID && r.Number == 2 {
				return
			}
		case <-timeout:
			t.Fatal("watch did not recover after its listener was cut")
		}
	}
}

// TestWithDeadlineKeepsRelay: the deadline wrapper, as the controller
// uses it, keeps the store's event relay between replicas.
func TestWithDeadlineKeepsRelay(t *testing.T) {
	requireServer(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, server.NewDB(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := store.Traced(store.WithDeadline(st, store.Deadlines{})).(store.EventRelay); !ok {
		t.Fatal("EventRelay lost")
	}
}
