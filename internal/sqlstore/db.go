// Package sqlstore is the only package that speaks SQL. One code base serves
// SQLite (modernc.org/sqlite, the single-box default) and PostgreSQL (pgx,
// for a city's data centre): the SQL is written to run on both, with $1
// placeholders, RETURNING and ON CONFLICT; migrations are embedded and
// numbered.
//
// Every method that changes data is one transaction. When the context
// carries an actor, the method writes the audit log entry in that same
// transaction, so that no admin action goes unrecorded and no record tells
// of an action that did not happen.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/schulhof/schulhof"
)

// Dialect names the database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store. For SQLite it holds one write connection (SQLite allows
// one writer; queuing in Go is cheaper than busy-waiting in SQLite) and a
// pool of read connections; for PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
	// stmts caches prepared read statements by their SQL text; wstmts
	// those of the messenger's writes (see chatUpdate).
	stmts  sync.Map
	wstmts sync.Map
	// chats gathers the messenger's posts and read markers for group
	// commit on SQLite (chatBatched)
	chats chatBatch
	// reads counts the queries on the read pool, for tests that keep
	// N+1 queries out and for the metrics
	reads atomic.Int64
	cache readCache
	// dropped are told of each write that drops the cache (ShareCache)
	dropMu  sync.Mutex
	dropped []func(schulhof.SchoolID)
	// plans keeps timetable plans' entries by plan id: a plan never
	// changes once stored (an import makes a new one), so its entries can
	// be kept for as long as it exists, on every node.
	plans sync.Map
	// ended holds the sessions a write transaction ends, by transaction,
	// until it commits; onEnd are told of them then (OnSessionEnd).
	ended sync.Map // *sql.Tx → *[]schulhof.SessionEnd
	endMu sync.Mutex
	onEnd map[int]func(schulhof.SessionEnd)
	endID int
	// messageStored, when set (by tests), is called in PostMessage's
	// transaction right after the message's row is written
	messageStored func(id int64)
}

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL for PostgreSQL, otherwise a path to the SQLite file
// (created with its directory). It applies pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: time.Now}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		db.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.write.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
		db.write.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	} else {
		db.dialect = SQLite
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		// busy_timeout comes first so that the pragmas after it wait for
		// a lock instead of failing on it.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
		path := "file:" + (&url.URL{Path: dsn}).EscapedPath()
		db.write, err = sql.Open("sqlite", path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		db.write.SetMaxOpenConns(1)
		db.write.SetConnMaxIdleTime(0)
		db.read, err = sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			db.write.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := max(4, 2*runtime.NumCPU())
		db.read.SetMaxOpenConns(n)
		db.read.SetMaxIdleConns(n)
		db.read.SetConnMaxIdleTime(0)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.dialect, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.cache.entries = map[string]cacheEntry{}
	db.cache.enabled.Store(db.dialect == SQLite)
	if db.dialect == SQLite {
		// password hashes and sessions are in there: owner only
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Chmod(dsn+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
				db.Close()
				return nil, fmt.Errorf("protect database file: %w", err)
			}
		}
	}
	return db, nil
}

// Close closes the connections.
func (db *DB) Close() error {
	db.chats.running.Wait()
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	db.wstmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Dialect tells which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Stats returns the pool statistics of the write and read pools, for metrics.
func (db *DB) Stats() (write, read sql.DBStats) { return db.write.Stats(), db.read.Stats() }

// update runs fn in one write transaction (BEGIN IMMEDIATE on SQLite)
// and drops the read cache.
func (db *DB) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeTx(ctx, true, fn)
}

// writeTx is update, with the choice to keep the read cache for the two
// writes that cannot make a cached answer wrong: a new session (only found
// sessions are cached) and a session's activity stamp (a cached expiry is
// at most seconds older than the stored one, hours in the future). Logins
// at 8:00 would otherwise empty the cache dozens of times a second.
func (db *DB) writeTx(ctx context.Context, invalidate bool, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	defer db.ended.Delete(tx)
	if invalidate {
		// Drop cached reads before and after: a read that started before
		// the commit must not store its answer as current.
		db.cache.invalidate()
		defer db.cache.invalidate()
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if invalidate {
		db.tellDropped(0)
	}
	if ended, ok := db.ended.Load(tx); ok {
		db.announceEnds(*ended.(*[]schulhof.SessionEnd))
	}
	return nil
}

// lockOnPostgres takes the advisory lock (class, key) for the rest of
// the transaction tx on PostgreSQL, where writers run at once; SQLite's
// one writer is in turn anyway.
func (db *DB) lockOnPostgres(ctx context.Context, tx interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, class, key int32) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, class, key)
	return err
}

// view runs fn in one read-only transaction, so that what it reads is one
// consistent state.
func (db *DB) view(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect == Postgres})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

func (db *DB) now() int64 { return db.Now().Unix() }

// isUnique reports whether err is a violated unique constraint.
func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// notFound maps sql.ErrNoRows to the domain's ENotFound.
func notFound(err error, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return schulhof.Errorf(schulhof.ENotFound, key)
	}
	return err
}

func nullSchool(id schulhof.SchoolID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// audit writes the log entry for the actor in ctx, if any, within tx.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, action, target, details string) error {
	a := schulhof.ActorFromContext(ctx)
	var actorID int64
	var login, ip string
	if a != nil {
		ip = a.IP
		if a.User != nil {
			actorID, login = int64(a.User.ID), a.User.Login
		}
		if a.SupportBy != "" {
			login += " (Support: " + a.SupportBy + ")"
		}
	} else {
		login = "system"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (school_id, actor_id, actor_login, action, target, details, ip, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, nullSchool(school), actorID, login, action, target, details, ip, db.now())
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// stmt returns the read pool's prepared statement for q, preparing it on
// first use. Parsing SQL is most of the cost of a small query on SQLite,
// and the hot path (session, school, groups on every page) runs the same
// few statements over and over; database/sql keeps each prepared once per
// connection.
func (db *DB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// readRow runs a one-row query on the read pool through the statement cache.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	db.reads.Add(1)
	s, err := db.stmt(ctx, q)
	if err != nil {
		return db.read.QueryRowContext(ctx, q, args...) // reports the error
	}
	return s.QueryRowContext(ctx, args...)
}

// readRows runs a query on the read pool through the statement cache.
func (db *DB) readRows(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db.reads.Add(1)
	s, err := db.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// Reads is how many queries the store has sent to its read pool.
func (db *DB) Reads() int64 { return db.reads.Load() }

// Analyze brings the database's statistics up to date (PostgreSQL's
// ANALYZE, SQLite's, and SQLite's log checkpointed): after a large import, before the autovacuum (or
// nobody) does, so that the planner knows the tables' sizes. Without
// them, PostgreSQL plans a city's device overview over empty tables and
// takes seconds instead of milliseconds.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	if db.dialect == SQLite {
		// the import's pages into the database file: readers no longer
		// look them up in a long write-ahead log
		_, err := db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		return err
	}
	return nil
}
