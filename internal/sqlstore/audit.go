package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.AuditService = (*DB)(nil)

// FindAuditEntries returns the newest entries first, before the cursor.
func (db *DB) FindAuditEntries(ctx context.Context, f schulhof.AuditFilter) ([]*schulhof.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT id, COALESCE(school_id, 0), actor_id, actor_login, action, target, details, ip, created_at FROM audit_log WHERE 1=1`
	var args []any
	if f.SchoolID != 0 {
		args = append(args, f.SchoolID)
		q += ` AND school_id = $` + strconv.Itoa(len(args))
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	args = append(args, f.Limit)
	return db.queryAudit(ctx, q+` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)), args...)
}

// queryAudit reads audit entries.
func (db *DB) queryAudit(ctx context.Context, q string, args ...any) ([]*schulhof.AuditEntry, error) {
	rows, err := db.readRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.AuditEntry
	for rows.Next() {
		var e schulhof.AuditEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.SchoolID, &e.ActorID, &e.ActorLogin, &e.Action, &e.Target, &e.Details, &e.IP, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = time.Unix(created, 0)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// Setting returns an installation setting, "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.readRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SetSetting stores an installation setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// SettingOnce stores an installation setting unless it is set, and
// returns what is stored: of two nodes making one at once, the first wins.
func (db *DB) SettingOnce(ctx context.Context, key, value string) (string, error) {
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value)
		return err
	})
	if err != nil {
		return "", err
	}
	return db.Setting(ctx, key)
}

var _ schulhof.OperatorService = (*DB)(nil)

// FindOperator returns the operator's details; empty before they are set.
func (db *DB) FindOperator(ctx context.Context) (*schulhof.Operator, error) {
	o := &schulhof.Operator{}
	var err error
	if o.Name, err = db.Setting(ctx, "operator.name"); err != nil {
		return nil, err
	}
	if o.Contact, err = db.Setting(ctx, "operator.contact"); err != nil {
		return nil, err
	}
	return o, nil
}

// UpdateOperator stores the operator's details.
func (db *DB) UpdateOperator(ctx context.Context, o *schulhof.Operator) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		for k, v := range map[string]string{"operator.name": o.Name, "operator.contact": o.Contact} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, 0, "operator.update", o.Name, o.Contact)
	})
}

// ShortenIPs shortens the IP addresses of audit entries and sessions
// made before the time (schulhof.ShortenIP), a thousand in each write;
// it returns how many it shortened.
func (db *DB) ShortenIPs(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	for {
		m, err := db.shortenIPs(ctx, before)
		n += m
		if err != nil || m == 0 {
			return n, err
		}
	}
}

func (db *DB) shortenIPs(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	for _, table := range []struct{ name, key string }{{"audit_log", "id"}, {"sessions", "token_hash"}} {
		type row struct {
			key any
			ip  string
		}
		var rows []row
		rs, err := db.readRows(ctx, `SELECT `+table.key+`, ip FROM `+table.name+` WHERE created_at < $1 AND NOT ip_short AND ip <> '' LIMIT 1000`, before.Unix())
		if err != nil {
			return n, err
		}
		for rs.Next() {
			var r row
			var key []byte
			var id int64
			if table.key == "id" {
				err = rs.Scan(&id, &r.ip)
				r.key = id
			} else {
				err = rs.Scan(&key, &r.ip)
				r.key = key
			}
			if err != nil {
				rs.Close()
				return n, err
			}
			rows = append(rows, r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return n, err
		}
		if len(rows) == 0 {
			continue
		}
		err = db.writeTx(ctx, false, func(tx *sql.Tx) error {
			for _, r := range rows {
				if _, err := tx.ExecContext(ctx, `UPDATE `+table.name+` SET ip = $1, ip_short = TRUE WHERE `+table.key+` = $2`,
					schulhof.ShortenIP(r.ip), r.key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += int64(len(rows))
	}
	return n, nil
}
