package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// Backups: a consistent copy of the database while the server runs, and
// a pause of the sweep of unused file bytes meanwhile, so that every
// file the copy names is still there when the backup copies the files.

// sweepPausedKey is the setting that holds, as Unix seconds, until when
// the sweep of unused blobs waits.
const sweepPausedKey = "blobs.sweep_paused_until"

// PauseBlobSweep makes every node's sweep of unused blobs wait until
// the time; the zero time lets it go on.
func (db *DB) PauseBlobSweep(ctx context.Context, until time.Time) error {
	v := ""
	if !until.IsZero() {
		v = strconv.FormatInt(until.Unix(), 10)
	}
	return db.SetSetting(ctx, sweepPausedKey, v)
}

// BlobSweepPaused reports whether a backup asked the sweep to wait.
func (db *DB) BlobSweepPaused(ctx context.Context, now time.Time) (bool, error) {
	v, err := db.Setting(ctx, sweepPausedKey)
	if err != nil || v == "" {
		return false, err
	}
	until, err := strconv.ParseInt(v, 10, 64)
	return err == nil && now.Unix() < until, nil
}

// SnapshotSQLite writes a consistent copy of a SQLite database to path
// (VACUUM INTO: one read transaction, the server's writers go on).
func (db *DB) SnapshotSQLite(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return fmt.Errorf("snapshot: %s is not SQLite", db.dialect)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("vacuum into: %w", err)
	}
	return nil
}

// PostgresTables counts the tables of a PostgreSQL database's current
// schema, without migrating it: a restore goes into an empty one only.
func PostgresTables(ctx context.Context, dsn string) (int, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n)
	return n, err
}
