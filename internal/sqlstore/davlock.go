package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/schulhof/schulhof"
)

// WebDAV locks. Times are kept in milliseconds: a lock asked for five
// seconds must not live a second less.

const davLockColumns = `token, space, lock_key, shown, zero_depth, shared, owner, owner_xml, duration_ms, expires_at`

func scanDAVLock(row interface{ Scan(...any) error }) (*schulhof.DAVLock, error) {
	l := &schulhof.DAVLock{}
	var dur, exp int64
	if err := row.Scan(&l.Token, &l.Space, &l.Key, &l.Shown, &l.ZeroDepth, &l.Shared, &l.Owner, &l.OwnerXML, &dur, &exp); err != nil {
		return nil, err
	}
	l.Duration, l.Expires = time.Duration(dur)*time.Millisecond, time.UnixMilli(exp)
	return l, nil
}

// CreateDAVLock stores the lock unless conflicts, shown the unexpired
// locks of its tree, says no (false). Creations are serialised, so two
// nodes cannot both lock one file.
func (db *DB) CreateDAVLock(ctx context.Context, l *schulhof.DAVLock, now time.Time, conflicts func([]*schulhof.DAVLock) bool) (bool, error) {
	ok := false
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			// SQLite's one writer serialises already
			if _, err := tx.ExecContext(ctx, `LOCK TABLE dav_locks IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dav_locks WHERE expires_at <= $1`, now.UnixMilli()); err != nil {
			return err
		}
		there, err := findDAVLocks(ctx, tx, []string{l.Space}, now)
		if err != nil {
			return err
		}
		if conflicts(there) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dav_locks (`+davLockColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			l.Token, l.Space, l.Key, l.Shown, l.ZeroDepth, l.Shared, l.Owner, l.OwnerXML, l.Duration.Milliseconds(), l.Expires.UnixMilli())
		ok = err == nil
		return err
	})
	return ok, err
}

// FindDAVLocks returns the unexpired locks of the trees.
func (db *DB) FindDAVLocks(ctx context.Context, spaces []string, now time.Time) ([]*schulhof.DAVLock, error) {
	return findDAVLocks(ctx, db.read, spaces, now)
}

func findDAVLocks(ctx context.Context, q querier, spaces []string, now time.Time) ([]*schulhof.DAVLock, error) {
	var out []*schulhof.DAVLock
	for _, space := range spaces {
		rows, err := q.QueryContext(ctx, `SELECT `+davLockColumns+` FROM dav_locks WHERE space = $1 AND expires_at > $2`, space, now.UnixMilli())
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			l, err := scanDAVLock(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindDAVLock returns the unexpired lock of the token, or nil.
func (db *DB) FindDAVLock(ctx context.Context, token string, now time.Time) (*schulhof.DAVLock, error) {
	l, err := scanDAVLock(db.read.QueryRowContext(ctx, `SELECT `+davLockColumns+` FROM dav_locks WHERE token = $1 AND expires_at > $2`,
		token, now.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return l, err
}

// RefreshDAVLock gives a lock a new lifetime.
func (db *DB) RefreshDAVLock(ctx context.Context, token string, d time.Duration, expires time.Time) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE dav_locks SET duration_ms = $1, expires_at = $2 WHERE token = $3`, d.Milliseconds(),
			expires.UnixMilli(), token)
		return err
	})
}

// DeleteDAVLock removes a lock.
func (db *DB) DeleteDAVLock(ctx context.Context, token string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM dav_locks WHERE token = $1`, token)
		return err
	})
}
