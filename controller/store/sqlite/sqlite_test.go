package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
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

// fullBatch is batch seq of site a: 20 samples and 20 counters.
func fullBatch(seq int64) store.TelemetryBatch {
	b := store.TelemetryBatch{Site: "a", BootID: "b007", Sequence: seq, SeenAt: time.Now()}
	for i := range 20 {
		b.Samples = append(b.Samples, store.PathSample{Path: fmt.Sprintf("a/l%d~b/inet", i), TS: time.Now(), Latency: time.Millisecond, State: store.PathUp})
		b.Counters = append(b.Counters, store.PathCounters{TS: time.Now(), Since: time.Now(), Site: "a", Path: fmt.Sprintf("a/l%d~b/inet", i), TxBytes: seq})
	}
	return b
}

func countRows(t *testing.T, ctx context.Context, path, table string) int64 {
	t.Helper()
	var n int64
	err := withDB(ctx, path, func(db *sql.DB) error { return db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDiskFull: a database that has no room left (here capped with
// MaxBytes, PRAGMA max_page_count, as a full disk does) refuses a
// telemetry batch whole with store.ErrFull, keeps every batch stored
// before, and, once there is room, stores the refused batch when it is
// sent again, once.
func TestDiskFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "full.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNetwork(ctx, "corp", store.FullMesh); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSite(ctx, "corp", store.SiteSpec{Name: "a", Role: store.Spoke, PublicKey: storetest.Key()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(ctx, path, sqlite.Options{MaxBytes: fi.Size() + 256<<10})
	if err != nil {
		t.Fatal(err)
	}
	var stored, refused int64
	for seq := int64(1); seq < 10000 && refused == 0; seq++ {
		ok, err := st.RecordTelemetry(ctx, "corp", fullBatch(seq))
		switch {
		case errors.Is(err, store.ErrFull):
			refused = seq
		case err != nil || !ok:
			t.Fatalf("batch %d: %v, %v", seq, ok, err)
		default:
			stored++
		}
	}
	if refused == 0 || stored == 0 {
		t.Fatalf("stored %d batches, refused batch %d: want some stored, then one refused", stored, refused)
	}
	// Still full: refused again, and nothing of it is stored.
	if _, err := st.RecordTelemetryBatches(ctx, []store.NetworkTelemetry{{Network: "corp", Batch: fullBatch(refused)}}); !errors.Is(err, store.ErrFull) {
		t.Fatalf("the refused batch again while full: %v", err)
	}
	st.Close()
	if n := countRows(t, ctx, path, "path_metrics_raw"); n != 20*stored {
		t.Fatalf("%d samples after the refusal, want %d (every stored batch, nothing of the refused one)", n, 20*stored)
	}
	// Room again: the edge sends the refused batch again; stored once.
	st, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.RecordTelemetry(ctx, "corp", fullBatch(refused)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if n := countRows(t, ctx, path, "path_metrics_raw"); n != 20*(stored+1) {
		t.Fatalf("%d samples after the resend, want %d", n, 20*(stored+1))
	}
	var integrity string
	withDB(ctx, path, func(db *sql.DB) error { return db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity) })
	if integrity != "ok" {
		t.Fatalf("integrity check: %s", integrity)
	}
}
