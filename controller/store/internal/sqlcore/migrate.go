package sqlcore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/patronus-sdwan/patronus/controller/store"
)

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads NNNN_name.sql files from dir of fsys, oldest first.
// Versions are unique; they may leave gaps, so that features built at
// the same time on separate branches can each take a number (a merged
// release has none). Migrate applies every migration a database has not
// recorded, so a database that ran a later number first gets the
// earlier ones when they arrive.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %q: name must be NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("store: migration %q: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("store: migrations %q and %q: same version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// Newest is the highest version of ms; 0 when there is none.
func Newest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate brings the schema to version target (Newest(ms) for the newest)
// in one transaction: it applies, oldest first, every migration up to
// target that the database has not recorded. A database that recorded a
// version ms does not have (made by a newer binary) is refused with
// store.ErrSchemaTooNew. It returns the highest version recorded before
// and after.
func Migrate(ctx context.Context, eng Engine, ms []Migration, target int, now time.Time) (from, to int, err error) {
	if target < 0 || target > Newest(ms) {
		return 0, 0, fmt.Errorf("store: migrate: target version %d not in 0..%d", target, Newest(ms))
	}
	err = eng.Tx(ctx, func(q Querier) error {
		if err := eng.LockMigrationsInTx(ctx, q); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := q.Exec(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done, err := recordedVersions(ctx, q)
		if err != nil {
			return err
		}
		known := map[int]bool{}
		for _, m := range ms {
			known[m.Version] = true
		}
		for v := range done {
			from = max(from, v)
			if !known[v] {
				return fmt.Errorf("%w: database has schema version %d, which this binary does not know (it knows up to %d); use a newer binary", store.ErrSchemaTooNew, v, Newest(ms))
			}
		}
		to = from
		for _, m := range ms {
			if m.Version > target || done[m.Version] {
				continue
			}
			if _, err := q.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply %s: %w", m.Name, err)
			}
			if _, err := q.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, now.UnixMicro()); err != nil {
				return fmt.Errorf("record %s: %w", m.Name, err)
			}
			to = max(to, m.Version)
		}
		return nil
	})
	if err != nil {
		return from, from, fmt.Errorf("store: migrate: %w", err)
	}
	return from, to, nil
}

// recordedVersions reads the versions schema_migrations holds.
func recordedVersions(ctx context.Context, q Querier) (map[int]bool, error) {
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema versions: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema versions: %w", err)
		}
		done[int(v)] = true
	}
	return done, rows.Err()
}
