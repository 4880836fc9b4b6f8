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

// LoadMigrations reads NNNN_name.sql files from dir of fsys; versions must
// run 1, 2, 3… without a gap.
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
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration %q: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// Migrate brings the schema to version target (len(ms) for the newest) in
// one transaction, and refuses a database newer than ms with
// store.ErrSchemaTooNew. It returns the version before and after.
func Migrate(ctx context.Context, eng Engine, ms []Migration, target int, now time.Time) (from, to int, err error) {
	if target < 0 || target > len(ms) {
		return 0, 0, fmt.Errorf("store: migrate: target version %d not in 0..%d", target, len(ms))
	}
	err = eng.Tx(ctx, func(q Querier) error {
		if err := eng.LockMigrationsInTx(ctx, q); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := q.Exec(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var cur int64
		if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		from, to = int(cur), int(cur)
		if from > len(ms) {
			return fmt.Errorf("%w: database at version %d, this binary knows up to %d; use a newer binary", store.ErrSchemaTooNew, from, len(ms))
		}
		if target <= from {
			return nil
		}
		for _, m := range ms[from:target] {
			if _, err := q.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply %s: %w", m.Name, err)
			}
			if _, err := q.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, now.UnixMicro()); err != nil {
				return fmt.Errorf("record %s: %w", m.Name, err)
			}
			to = m.Version
		}
		return nil
	})
	if err != nil {
		return from, from, fmt.Errorf("store: migrate: %w", err)
	}
	return from, to, nil
}
