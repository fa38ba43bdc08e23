package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
)

// Data protection's deletion jobs: leavers' data after the school's
// days, old chat messages, old audit entries. Each job is one
// transaction per school (per leaver for leavers) and writes what it did
// to the audit log. The file bytes of deleted rows go with the sweep of
// unused blobs.

// FindRetention returns how long the school keeps what.
func (db *DB) FindRetention(ctx context.Context, school schulhof.SchoolID) (schulhof.Retention, error) {
	r := schulhof.DefaultRetention
	err := db.readRow(ctx, `SELECT leaver_days, chat_days, log_days, archive_days FROM retention WHERE school_id = $1`, school).
		Scan(&r.LeaverDays, &r.ChatDays, &r.LogDays, &r.ArchiveDays)
	if err == sql.ErrNoRows {
		err = nil
	}
	return r, err
}

// SetRetention stores how long the school keeps what.
func (db *DB) SetRetention(ctx context.Context, school schulhof.SchoolID, r schulhof.Retention) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention WHERE school_id = $1`, school); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention (school_id, leaver_days, chat_days, log_days, archive_days) VALUES ($1, $2, $3, $4, $5)`,
			school, r.LeaverDays, r.ChatDays, r.LogDays, r.ArchiveDays); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "school.retention", "", fmt.Sprintf("leavers=%dd chat=%dd log=%dd archive=%dd", r.LeaverDays, r.ChatDays,
			r.LogDays, r.ArchiveDays))
	})
}

// leaverRows are what a leaver's deletion removes, by the user's id in
// the statement ($1): logins, memberships, own files, hand-ins, what
// single sign-on gave. What they wrote to others (messages), lent
// devices and bookings stay with the name-less account.
var leaverRows = []string{
	`DELETE FROM sessions WHERE user_id = $1`,
	`DELETE FROM app_passwords WHERE user_id = $1`,
	`DELETE FROM calendar_feeds WHERE user_id = $1`,
	`DELETE FROM push_subscriptions WHERE user_id = $1`,
	`DELETE FROM uploads WHERE user_id = $1`,
	`DELETE FROM oidc_tokens WHERE user_id = $1`,
	`DELETE FROM oidc_consents WHERE user_id = $1`,
	`DELETE FROM oidc_auth_requests WHERE user_id = $1`,
	`DELETE FROM oidc_subjects WHERE user_id = $1`,
	`DELETE FROM memberships WHERE user_id = $1`,
	`DELETE FROM parent_links WHERE parent_id = $1 OR child_id = $1`,
	`DELETE FROM chat_members WHERE user_id = $1`,
	`DELETE FROM chat_reads WHERE user_id = $1`,
	`DELETE FROM chat_mutes WHERE user_id = $1`,
	`DELETE FROM board_drawers WHERE user_id = $1`,
	`DELETE FROM device_managers WHERE user_id = $1`,
	`DELETE FROM exam_coordinators WHERE user_id = $1`,
	`DELETE FROM assignment_files WHERE student_id = $1`,
	`DELETE FROM submissions WHERE student_id = $1`,
}

// PurgeLeavers deletes the data of the school's users deactivated before
// the time: see leaverRows, and their own files; the account keeps no
// name, login, password or personal detail.
func (db *DB) PurgeLeavers(ctx context.Context, school schulhof.SchoolID, before time.Time) (users int, files int64, err error) {
	rows, err := db.readRows(ctx, `SELECT id FROM users WHERE school_id = $1 AND NOT active AND purged_at IS NULL
		AND deactivated_at IS NOT NULL AND deactivated_at < $2`, school, before.Unix())
	if err != nil {
		return 0, 0, err
	}
	var ids []schulhof.UserID
	for rows.Next() {
		var id schulhof.UserID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		err := db.update(ctx, func(tx *sql.Tx) error {
			// still a leaver: not taken back meanwhile
			var login string
			if err := tx.QueryRowContext(ctx, `SELECT login FROM users WHERE id = $1 AND NOT active AND purged_at IS NULL`, id).Scan(&login); err != nil {
				if err == sql.ErrNoRows {
					return nil
				}
				return err
			}
			for _, q := range leaverRows {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("purge leaver: %s: %w", q, err)
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE space_kind = 'user' AND space_id = $1`, id)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			files += n
			gone := "geloescht-" + strconv.FormatInt(int64(id), 10)
			if _, err := tx.ExecContext(ctx, `UPDATE users SET first_name = 'Ehemalige Person', last_name = '', sort_name = $1, login = $1,
				external_id = '', birth_date = '', email = '', short_code = '', password_hash = '', totp_secret = '', totp_enabled = FALSE,
				purged_at = $2 WHERE id = $3`, gone, db.now(), id); err != nil {
				return err
			}
			users++
			return db.audit(ctx, tx, school, "retention.leaver", gone, fmt.Sprintf("was %s, files=%d", login, n))
		})
		if err != nil {
			return users, files, err
		}
	}
	return users, files, nil
}

// DeleteOldMessages deletes the school's chat messages written before
// the time (with their attachments, reactions and mentions).
func (db *DB) DeleteOldMessages(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error) {
	return db.deleteOld(ctx, school, before, "retention.chat", "messages",
		`DELETE FROM chat_messages WHERE created_at < $1 AND room_id IN (SELECT id FROM chat_rooms WHERE school_id = $2)`)
}

// DeleteOldAudit deletes the school's audit entries written before the
// time, and notes that it did.
func (db *DB) DeleteOldAudit(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error) {
	return db.deleteOld(ctx, school, before, "retention.audit", "entries",
		`DELETE FROM audit_log WHERE created_at < $1 AND school_id = $2`)
}

// deleteOld runs a deletion job's statement (the time $1, the school $2)
// and notes in the audit log how many rows it deleted, if any. The job
// runs for every school every ten minutes and keeps the read cache: old
// messages change only what it holds of the school's messenger, which
// the messenger's own writes drop (chatUpdate), and audit entries
// nothing.
func (db *DB) deleteOld(ctx context.Context, school schulhof.SchoolID, before time.Time, action, what, q string) (int64, error) {
	var n int64
	chat := schulhof.SchoolID(0)
	if action == "retention.chat" {
		chat = school
	}
	err := db.chatUpdate(ctx, chat, func(tx *chatTx) error {
		res, err := tx.ExecContext(ctx, q, before.Unix(), school)
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return db.audit(ctx, tx.Tx, school, action, "", fmt.Sprintf("%s=%d", what, n))
	})
	return n, err
}
