package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.AppPasswordService = (*DB)(nil)

// CreateAppPassword stores a new app password's hash, up to
// schulhof.MaxAppPasswords per user.
func (db *DB) CreateAppPassword(ctx context.Context, user schulhof.UserID, name, hash string) (*schulhof.AppPassword, error) {
	if err := schulhof.ValidateAppPasswordName(name); err != nil {
		return nil, err
	}
	p := &schulhof.AppPassword{UserID: user, Name: strings.TrimSpace(name)}
	err := db.update(ctx, func(tx *sql.Tx) error {
		var n int
		var school sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT school_id FROM users WHERE id = $1`, user).Scan(&school); err != nil {
			return notFound(err, "user.not_found")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_passwords WHERE user_id = $1`, user).Scan(&n); err != nil {
			return err
		}
		if n >= schulhof.MaxAppPasswords {
			return schulhof.Errorf(schulhof.EConflict, "app_password.too_many", schulhof.MaxAppPasswords)
		}
		now := db.now()
		p.CreatedAt = time.Unix(now, 0)
		if err := tx.QueryRowContext(ctx, `INSERT INTO app_passwords (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			user, p.Name, hash, now).Scan(&p.ID); err != nil {
			return err
		}
		return db.audit(ctx, tx, schulhof.SchoolID(school.Int64), "app_password.create", p.Name, "")
	})
	return p, err
}

// FindAppPasswords lists a user's app passwords, newest first.
func (db *DB) FindAppPasswords(ctx context.Context, user schulhof.UserID) ([]*schulhof.AppPassword, error) {
	rows, err := db.readRows(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM app_passwords WHERE user_id = $1 ORDER BY id DESC`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*schulhof.AppPassword{}
	for rows.Next() {
		var p schulhof.AppPassword
		var created int64
		var used sql.NullInt64
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &created, &used); err != nil {
			return nil, err
		}
		p.CreatedAt, p.LastUsedAt = time.Unix(created, 0), nullTime(used)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// DeleteAppPassword revokes one of the user's app passwords.
func (db *DB) DeleteAppPassword(ctx context.Context, user schulhof.UserID, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var name string
		var school sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT p.name, u.school_id FROM app_passwords p JOIN users u ON u.id = p.user_id
			WHERE p.id = $1 AND p.user_id = $2`, id, user).Scan(&name, &school); err != nil {
			return notFound(err, "app_password.not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM app_passwords WHERE id = $1`, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, schulhof.SchoolID(school.Int64), "app_password.delete", name, "")
	})
}

// UseAppPassword finds the user of an app password. The time of use is
// written at most once an hour: a WebDAV client sends the password with
// every request.
func (db *DB) UseAppPassword(ctx context.Context, hash string) (schulhof.UserID, error) {
	var id int64
	var user schulhof.UserID
	var used sql.NullInt64
	err := db.readRow(ctx, `SELECT id, user_id, last_used_at FROM app_passwords WHERE hash = $1`, hash).Scan(&id, &user, &used)
	if err != nil {
		return 0, notFound(err, "auth.failed")
	}
	now := db.now()
	if !used.Valid || now-used.Int64 > 3600 {
		// the cache holds nothing about app passwords' use: keep it
		err = db.writeTx(ctx, false, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE app_passwords SET last_used_at = $1 WHERE id = $2`, now, id)
			return err
		})
	}
	return user, err
}
