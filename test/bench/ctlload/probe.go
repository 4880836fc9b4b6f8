package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", to read the store's size
)

// telemetryTables are the tables a telemetry batch writes to.
var telemetryTables = []string{"path_metrics_raw", "path_counters", "events", "flow_summaries", "telemetry_cursors",
	"path_metrics_1m", "path_metrics_1h", "path_counters_1m", "path_counters_1h"}

// storeProbe measures a store from outside the controller.
type storeProbe interface {
	// size is the database's size in bytes as the engine counts it.
	size(ctx context.Context) (int64, error)
	rows(ctx context.Context) (map[string]int64, error)
	// tableBytes is each telemetry table's size with its indexes.
	tableBytes(ctx context.Context) (map[string]int64, error)
	close()
}

// sqliteProbe reads the controller's database file through a connection
// of its own (WAL mode lets it read while the controller writes).
type sqliteProbe struct {
	path string
	db   *sql.DB
}

func openSQLiteProbe(path string) (*sqliteProbe, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteProbe{path: path, db: db}, nil
}

// size is the pages in use (page_count − freelist_count) × page_size: the
// database as readers see it, WAL content included, whatever has been
// checkpointed yet.
func (p *sqliteProbe) size(ctx context.Context) (int64, error) {
	var pages, free, pageSize int64
	for q, v := range map[string]*int64{"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &pageSize} {
		if err := p.db.QueryRowContext(ctx, q).Scan(v); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	return (pages - free) * pageSize, nil
}

func (p *sqliteProbe) rows(ctx context.Context) (map[string]int64, error) {
	return countRows(ctx, func(q string, n *int64) error { return p.db.QueryRowContext(ctx, q).Scan(n) })
}

func (p *sqliteProbe) tableBytes(ctx context.Context) (map[string]int64, error) {
	return sizeTables(func(t string, n *int64) error {
		return p.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = $1
			OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1)`, t).Scan(n)
	})
}

func (p *sqliteProbe) close() { p.db.Close() }

// checkpointedFileSize checkpoints the WAL into the database file and
// truncates it (the controller has stopped), and returns the file sizes.
func (p *sqliteProbe) checkpointedFileSize(ctx context.Context) (db, wal int64, err error) {
	var busy, logPages, done int
	if err := p.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return 0, 0, err
	}
	return fileSize(p.path), fileSize(p.path + "-wal"), nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

type pgProbe struct{ conn *pgx.Conn }

func openPGProbe(ctx context.Context, url string) (*pgProbe, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	return &pgProbe{conn: c}, nil
}

func (p *pgProbe) size(ctx context.Context) (int64, error) {
	var n int64
	err := p.conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
	return n, err
}

func (p *pgProbe) rows(ctx context.Context) (map[string]int64, error) {
	return countRows(ctx, func(q string, n *int64) error { return p.conn.QueryRow(ctx, q).Scan(n) })
}

func (p *pgProbe) tableBytes(ctx context.Context) (map[string]int64, error) {
	return sizeTables(func(t string, n *int64) error {
		// A partitioned table's size is its partitions'.
		return p.conn.QueryRow(ctx, `SELECT CASE WHEN c.relkind = 'p'
			THEN (SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0) FROM pg_partition_tree(c.oid))
			ELSE pg_total_relation_size(c.oid) END FROM pg_class c WHERE c.oid = $1::regclass`, t).Scan(n)
	})
}

func (p *pgProbe) close() { p.conn.Close(context.Background()) }

func sizeTables(size func(t string, n *int64) error) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range telemetryTables {
		var n int64
		if err := size(t, &n); missingTable(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("size of %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

func countRows(ctx context.Context, scan func(q string, n *int64) error) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range telemetryTables {
		var n int64
		if err := scan("SELECT count(*) FROM "+t, &n); missingTable(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// perfRecord profiles pid for d with call graphs (frame pointers) into
// dir/perf-NAME.data (NAME: the run's directory, label and store; with
// replicas, the first controller); it returns when done.
func perfRecord(ctx context.Context, dir, name string, pid int, d time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(dir, "perf-"+name+".data")
	cmd := exec.CommandContext(ctx, "perf", "record", "-q", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", out,
		"--", "sleep", strconv.Itoa(int(d.Seconds())))
	b, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("perf record: %v: %s", err, b)
	}
	return nil
}

// missingTable: a table an older build (-baseline) does not have yet.
func missingTable(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist"))
}
