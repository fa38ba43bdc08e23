package sqltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/schulhof/schulhof/internal/sqlstore"
)

// A Frozen store is one built once (a fixture of schools, users, files)
// and then copied for each of many tests, which is much faster than
// building it again for each: a file copy on SQLite, a database made from
// it as a template on PostgreSQL.
type Frozen struct {
	dialect sqlstore.Dialect
	sqlite  []byte // the SQLite file
	pgURL   string // the PostgreSQL database to copy
}

// stores remembers where the stores of Fresh live, to freeze them.
var stores sync.Map // *sqlstore.DB -> string: SQLite path or PostgreSQL URL

// Fresh opens a new empty store of the kind that Freeze can copy: SQLite,
// or a PostgreSQL database of its own (not a schema) when postgres is set.
func Fresh(tb testing.TB, postgres bool) *sqlstore.DB {
	tb.Helper()
	if !postgres {
		return MustOpenSQLite(tb)
	}
	base := os.Getenv("SCHULHOF_TEST_POSTGRES")
	if base == "" {
		tb.Skip("SCHULHOF_TEST_POSTGRES is not set")
	}
	dsn := newDatabase(tb, base, "")
	db := open(tb, dsn)
	stores.Store(db, dsn)
	tb.Cleanup(func() { stores.Delete(db) })
	return db
}

// Freeze closes the store and keeps what it holds for Open. The store
// must come from Fresh.
func Freeze(tb testing.TB, db *sqlstore.DB) *Frozen {
	tb.Helper()
	where, ok := stores.Load(db)
	if !ok {
		tb.Fatal("sqltest.Freeze: the store does not come from sqltest.Fresh")
	}
	db.Close()
	f := &Frozen{dialect: db.Dialect()}
	if f.dialect == sqlstore.Postgres {
		f.pgURL = where.(string)
		return f
	}
	b, err := os.ReadFile(where.(string))
	if err != nil {
		tb.Fatal(err)
	}
	f.sqlite = b
	return f
}

// Open makes a new store with what the frozen one held, for the test.
func (f *Frozen) Open(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	var dsn string
	if f.dialect == sqlstore.Postgres {
		dsn = newDatabase(tb, os.Getenv("SCHULHOF_TEST_POSTGRES"), f.pgURL)
	} else {
		dsn = filepath.Join(tb.TempDir(), "schulhof.db")
		if err := os.WriteFile(dsn, f.sqlite, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return open(tb, dsn)
}

// newDatabase creates a PostgreSQL database through the connection URL
// base (a copy of the database of the URL template when set; nobody may be
// connected to that one), dropped when the test ends, and returns its URL.
func newDatabase(tb testing.TB, base, template string) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	base = unsynced(base)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	q := `CREATE DATABASE ` + name
	if template != "" {
		u, _ := url.Parse(template)
		q += ` TEMPLATE ` + filepath.Base(u.Path)
	}
	if _, err := admin.Exec(q); err != nil {
		admin.Close()
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
