package sqltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/schulhof/schulhof/internal/sqlstore"
)

// A Frozen store is one built once (a fixture of schools, users, files)
// and then copied for each of many tests, which is much faster than
// building it again for each: a file copy on SQLite, a database of a pool
// of copies on PostgreSQL.
type Frozen struct {
	dialect sqlstore.Dialect
	sqlite  []byte    // the SQLite file
	pg      *pgCopies // the PostgreSQL databases
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
	dsn := newDatabase(tb, base)
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
		pg, err := newPGCopies(os.Getenv("SCHULHOF_TEST_POSTGRES"), where.(string))
		if err != nil {
			tb.Fatalf("sqltest.Freeze: %v", err)
		}
		tb.Cleanup(pg.dropAll) // before the template itself is dropped
		f.pg = pg
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
		c := f.pg.take(tb)
		// Registered before the store's Close, so it runs after it.
		tb.Cleanup(func() { f.pg.give(tb, c) })
		dsn = c.dsn
	} else {
		dsn = filepath.Join(tb.TempDir(), "schulhof.db")
		if err := os.WriteFile(dsn, f.sqlite, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return open(tb, dsn)
}

// newDatabase creates an empty PostgreSQL database through the connection
// URL base, dropped when the test ends, and returns its URL.
func newDatabase(tb testing.TB, base string) string {
	tb.Helper()
	dsn, err := createDatabase(base, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dropDatabase(base, dsn) })
	return dsn
}

// createDatabase creates a PostgreSQL database through the connection URL
// base, a copy of the database at the URL template when set (nobody may be
// connected to that one), and returns its URL.
func createDatabase(base, template string) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	base = unsynced(base)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	q := `CREATE DATABASE ` + name
	if template != "" {
		q += ` TEMPLATE ` + databaseName(template)
	}
	if _, err := admin.Exec(q); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// dropDatabase drops the database at the URL dsn through base, closing
// what is still connected to it.
func dropDatabase(base, dsn string) {
	admin, err := sql.Open("pgx", unsynced(base))
	if err != nil {
		return
	}
	defer admin.Close()
	admin.Exec(`DROP DATABASE IF EXISTS ` + databaseName(dsn) + ` WITH (FORCE)`)
}

// databaseName is the name of the database of a connection URL.
func databaseName(dsn string) string {
	u, _ := url.Parse(dsn)
	return filepath.Base(u.Path)
}

// pristine is the schema inside each PostgreSQL copy that keeps the
// frozen rows, out of the store's search path.
const pristine = "sqltest_pristine"

// pgCopies hands out copies of a frozen PostgreSQL database. Making one
// (CREATE DATABASE ... TEMPLATE) costs 0.2 s and the server makes them one
// after the other, which was most of the time of hundreds of scenarios; so
// a copy a test is done with is put back as it was, its tables refilled
// from the pristine schema inside it, and handed to the next test. One
// copy is made for each test that runs at the same time.
type pgCopies struct {
	base     string // URL of the server, to make and drop databases
	template string // URL of the frozen database
	reset    string // the statements that put a copy back as it was

	mu   sync.Mutex
	free []*pgCopy // copies no test holds
	made []*pgCopy // every copy, to drop at the end
}

// A pgCopy is one copy of the frozen database, with a connection of its
// own that puts it back: a new connection would first have to load the
// catalog of its hundred tables.
type pgCopy struct {
	dsn  string
	conn *sql.DB
}

// newPGCopies keeps the rows of the frozen database at template in its
// pristine schema, which every copy then carries, and writes the
// statements that restore them: the tables' rows, and the sequences of
// their ids, so that the next row gets the id it would have in a fresh
// copy.
func newPGCopies(base, template string) (*pgCopies, error) {
	db, err := sql.Open("pgx", template)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := firstColumn(db, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		return nil, err
	}
	seqs, err := firstColumn(db, `SELECT format('setval(%L, %s, %L)', quote_ident(sequencename), coalesce(last_value, start_value), last_value IS NOT NULL)
		FROM pg_sequences WHERE schemaname = 'public'`)
	if err != nil {
		return nil, err
	}

	// Each table notes that a statement changed it (a trigger per
	// statement into a list without a key, so that transactions at once
	// do not wait for each other), and the reset refills only those: a
	// test changes a few of the hundred tables.
	keep := []string{"CREATE SCHEMA " + pristine,
		"CREATE TABLE " + pristine + ".changed (t text NOT NULL)",
		"CREATE FUNCTION " + pristine + ".note_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO " + pristine +
			".changed VALUES (TG_TABLE_NAME); RETURN NULL; END $$"}
	for _, t := range tables {
		keep = append(keep, fmt.Sprintf("CREATE TABLE %s.%s AS TABLE public.%s", pristine, t, t),
			fmt.Sprintf("CREATE TRIGGER sqltest_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.%s FOR EACH STATEMENT EXECUTE FUNCTION %s.note_change()", t, pristine))
	}
	// session_replication_role = replica: no foreign-key checks while
	// the tables are emptied and filled, in any order, and no notes of
	// the refill.
	reset := []string{"SET LOCAL session_replication_role = replica", "SET LOCAL lock_timeout = '5s'",
		`DO $$ DECLARE r record; BEGIN
			FOR r IN SELECT DISTINCT t FROM ` + pristine + `.changed LOOP
				EXECUTE format('DELETE FROM public.%I', r.t);
				EXECUTE format('INSERT INTO public.%I SELECT * FROM ` + pristine + `.%I', r.t, r.t);
			END LOOP;
			DELETE FROM ` + pristine + `.changed;
		END $$`}
	if len(seqs) > 0 {
		reset = append(reset, "SELECT "+strings.Join(seqs, ", "))
	}
	if _, err := db.Exec(strings.Join(keep, "; ")); err != nil {
		return nil, fmt.Errorf("keep the frozen rows: %w", err)
	}
	return &pgCopies{base: base, template: template, reset: "BEGIN; " + strings.Join(reset, "; ") + "; COMMIT"}, nil
}

// take gives the test a copy no other test holds, made when none is free.
func (p *pgCopies) take(tb testing.TB) *pgCopy {
	tb.Helper()
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return c
	}
	p.mu.Unlock()
	dsn, err := createDatabase(p.base, p.template)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetConnMaxIdleTime(0)
	c := &pgCopy{dsn: dsn, conn: conn}
	p.mu.Lock()
	p.made = append(p.made, c)
	p.mu.Unlock()
	return c
}

// give puts the copy back as it was, for the next test; a copy that cannot
// be put back (a connection of the test still holds a lock) is not handed
// out again.
func (p *pgCopies) give(tb testing.TB, c *pgCopy) {
	if _, err := c.conn.Exec(p.reset); err != nil {
		tb.Logf("sqltest: a copy of the frozen store is not reused: %v", err)
		return
	}
	p.mu.Lock()
	p.free = append(p.free, c)
	p.mu.Unlock()
}

// dropAll drops every copy.
func (p *pgCopies) dropAll() {
	p.mu.Lock()
	made := p.made
	p.made, p.free = nil, nil
	p.mu.Unlock()
	for _, c := range made {
		c.conn.Close()
		dropDatabase(p.base, c.dsn)
	}
}

// firstColumn returns the first column of the query's rows.
func firstColumn(db *sql.DB, query string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
