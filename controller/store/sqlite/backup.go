package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/patronus-sdwan/patronus/controller/store/internal/sqlcore"
)

// backupMode is the mode of a backup and a restored database: they hold
// password hashes, TOTP secrets and token hashes.
const backupMode = 0o600

// Backup writes a consistent copy of the database at path to dest, while
// the controller may be writing to it (VACUUM INTO reads one snapshot;
// WAL readers do not block writers). dest must not exist; it is written
// under a temporary name, synced, then renamed, so a crash leaves no
// half backup under its name.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("store: sqlite: backup: no database at %s: %w", path, err)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("store: sqlite: backup: %s exists; give a new file", dest)
	}
	db, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return fmt.Errorf("store: sqlite: backup: %w", err)
	}
	defer db.Close()
	tmp := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp")
	os.Remove(tmp)
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: sqlite: backup: %w", err)
	}
	if err := syncAndRename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: sqlite: backup: %w", err)
	}
	return nil
}

// Restore puts the backup src in place as the database at path, which
// must not exist (a controller may be using it): src must be a store
// database that passes SQLite's integrity check and that this binary
// can open (not newer than its schema; an older one is migrated when
// the controller opens it).
func Restore(ctx context.Context, src, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("store: sqlite: restore: a database exists at %s; stop its controller and move it away first", path)
	}
	if err := checkBackup(ctx, src); err != nil {
		return fmt.Errorf("store: sqlite: restore: %s: %w", src, err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".restore")
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: sqlite: restore: %w", err)
	}
	if err := syncAndRename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: sqlite: restore: %w", err)
	}
	return nil
}

// checkBackup opens src read-only: integrity, and a schema this binary
// knows.
func checkBackup(ctx context.Context, src string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil {
		return fmt.Errorf("not a SQLite database: %w", err)
	}
	if integrity != "ok" {
		return fmt.Errorf("integrity check: %s", integrity)
	}
	var version int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return fmt.Errorf("not a controller store: %w", err)
	}
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if newest := sqlcore.Newest(ms); version > newest {
		return fmt.Errorf("schema version %d is newer than this binary's %d; use a newer binary", version, newest)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, backupMode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncAndRename makes tmp private and durable, then moves it to dst (on
// the same file system) and syncs the directory.
func syncAndRename(tmp, dst string) error {
	if err := os.Chmod(tmp, backupMode); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
