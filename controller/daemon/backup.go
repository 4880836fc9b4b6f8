package daemon

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/patronus-sdwan/patronus/controller/store/sqlite"
)

// ErrBackupPostgres refuses a backup or restore of a PostgreSQL store:
// that is the database server's job.
var ErrBackupPostgres = errors.New("the store is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=FILE URL) " +
	"and restore it with pg_restore (pg_restore --dbname=URL --clean --if-exists FILE); see docs/CONTROLLER_STORE.md")

// Backup writes a consistent copy of the controller's SQLite store to
// file, while the controller runs. The CA and server certificate
// (DATA_DIR/pki) are not in it: keep a copy of that directory too.
func Backup(ctx context.Context, cfg Config, file string) error {
	path, err := sqlitePath(cfg)
	if err != nil {
		return fmt.Errorf("controller backup: %w", err)
	}
	return sqlite.Backup(ctx, path, file)
}

// Restore puts the backup file in place as the controller's SQLite
// store; there must be none yet (start from an empty data directory, or
// move the old database away with the controller stopped). The
// controller started next opens it (and migrates it if it is older).
func Restore(ctx context.Context, cfg Config, file string) error {
	path, err := sqlitePath(cfg)
	if err != nil {
		return fmt.Errorf("controller restore: %w", err)
	}
	return sqlite.Restore(ctx, file, path)
}

func sqlitePath(cfg Config) (string, error) {
	cfg.SetDefaults()
	if err := validateStore(cfg.Store); err != nil {
		return "", err
	}
	if cfg.Store != "sqlite" {
		return "", ErrBackupPostgres
	}
	return filepath.Join(cfg.DataDir, SQLiteFile), nil
}
