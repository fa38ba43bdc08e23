// Package sqltest gives tests a fresh, migrated store on each database:
// SQLite always, PostgreSQL too when SCHULHOF_TEST_POSTGRES holds a
// connection URL. Each PostgreSQL store lives in a schema of its own that
// is dropped when the test ends, so tests run in parallel on one server.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/sqlstore"
)

// Clock is the fixed time every test store starts at: a Monday, 8:00 in
// Berlin, in the school year 2026/27.
var Clock = time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)

// Each runs fn as a subtest once per database.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenSQLite(t)) })
	if os.Getenv("SCHULHOF_TEST_POSTGRES") != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, MustOpenPostgres(t)) })
	}
}

// migrated is an empty database with every migration applied, made once
// per test binary: a new store starts as a copy of it, which is much
// faster than migrating each (the web tests make hundreds).
var migrated = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "schulhof-sqltest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "schulhof.db")
	db, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		return nil, err
	}
	return os.ReadFile(path)
})

// MustOpenSQLite opens a new SQLite store in the test's temp directory.
func MustOpenSQLite(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	empty, err := migrated()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "schulhof.db")
	if err := os.WriteFile(path, empty, 0o600); err != nil {
		tb.Fatal(err)
	}
	db := open(tb, path)
	stores.Store(db, path)
	tb.Cleanup(func() { stores.Delete(db) })
	return db
}

// open opens a store for the test on the test clock, closed when it ends.
func open(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return Clock }
	return db
}

// MustOpenPostgres opens a store in a new schema of SCHULHOF_TEST_POSTGRES;
// it skips the test when the variable is unset.
func MustOpenPostgres(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	base := os.Getenv("SCHULHOF_TEST_POSTGRES")
	if base == "" {
		tb.Skip("SCHULHOF_TEST_POSTGRES is not set")
	}
	dsn, cleanup := NewSchema(tb, base)
	tb.Cleanup(cleanup) // runs after the store's Close, registered below
	db := open(tb, dsn)
	stores.Store(db, dsn)
	tb.Cleanup(func() { stores.Delete(db) })
	return db
}

// Another opens a second store on db's database, as another node would
// have: what one does in-process (its caches, its listeners) the other
// does not see.
func Another(tb testing.TB, db *sqlstore.DB) *sqlstore.DB {
	tb.Helper()
	dsn, ok := stores.Load(db)
	if !ok {
		tb.Fatal("sqltest: not a store of this package")
	}
	return open(tb, dsn.(string))
}

// unsynced is the URL with commits that do not wait for the disk
// (synchronous_commit off, a setting of the connection): a test's data
// need not survive a crash of the machine, and waiting for fsync was most
// of the PostgreSQL tests' time. The server's settings stay as they are.
func unsynced(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// NewSchema creates an empty schema and returns a URL that uses it (with
// synchronous_commit off: a test need not wait for the disk).
func NewSchema(tb testing.TB, base string) (string, func()) {
	tb.Helper()
	dsn, drop, err := Schema(unsynced(base), "test")
	if err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	return dsn, drop
}

// Schema creates an empty schema named prefix and a random suffix in
// the database at base: a URL that uses it, and how to drop it (for a
// benchmark's nodes too).
func Schema(base, prefix string) (dsn string, drop func(), err error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := prefix + "_" + hex.EncodeToString(b)
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	}, nil
}
