package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/schulhof/schulhof"
)

// The operator's console: every school at a glance, and announcements.

// SchoolStats counts every school's active users, those seen since
// onlineSince, the bytes of its files and its last user import, in a
// few grouped queries whatever the number of schools.
func (db *DB) SchoolStats(ctx context.Context, onlineSince time.Time) ([]*schulhof.SchoolStats, error) {
	var out []*schulhof.SchoolStats
	by := map[schulhof.SchoolID]*schulhof.SchoolStats{}
	rows, err := db.readRows(ctx, `SELECT id, slug, name FROM schools ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		s := &schulhof.SchoolStats{}
		if err := rows.Scan(&s.SchoolID, &s.Slug, &s.Name); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
		by[s.SchoolID] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	count := func(q string, set func(s *schulhof.SchoolStats, n int64), args ...any) error {
		rows, err := db.readRows(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id schulhof.SchoolID
			var n sql.NullInt64
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			if s := by[id]; s != nil {
				set(s, n.Int64)
			}
		}
		return rows.Err()
	}
	addBytes := func(s *schulhof.SchoolStats, n int64) { s.StorageBytes += n }
	for _, q := range []struct {
		sql  string
		set  func(*schulhof.SchoolStats, int64)
		args []any
	}{
		{`SELECT school_id, COUNT(*) FROM users WHERE active AND school_id IS NOT NULL GROUP BY school_id`,
			func(s *schulhof.SchoolStats, n int64) { s.Users = int(n) }, nil},
		{`SELECT school_id, COUNT(DISTINCT user_id) FROM sessions WHERE last_seen_at >= $1 AND school_id IS NOT NULL GROUP BY school_id`,
			func(s *schulhof.SchoolStats, n int64) { s.Online = int(n) }, []any{onlineSince.Unix()}},
		{`SELECT school_id, SUM(size) FROM nodes WHERE NOT is_folder GROUP BY school_id`, addBytes, nil},
		{`SELECT n.school_id, SUM(v.size) FROM node_versions v JOIN nodes n ON n.id = v.node_id WHERE v.blob_key <> n.blob_key GROUP BY n.school_id`, addBytes, nil},
		{`SELECT a.school_id, SUM(f.size) FROM assignment_files f JOIN assignments a ON a.id = f.assignment_id GROUP BY a.school_id`, addBytes, nil},
		{`SELECT r.school_id, SUM(c.size) FROM chat_attachments c JOIN chat_rooms r ON r.id = c.room_id GROUP BY r.school_id`, addBytes, nil},
		{`SELECT b.school_id, SUM(i.size) FROM board_images i JOIN boards b ON b.id = i.board_id GROUP BY b.school_id`, addBytes, nil},
		{`SELECT d.school_id, SUM(p.size) FROM device_damage_photos p JOIN device_damage d ON d.id = p.damage_id GROUP BY d.school_id`, addBytes, nil},
		{`SELECT school_id, MAX(created_at) FROM audit_log WHERE action = 'import.apply' AND school_id IS NOT NULL GROUP BY school_id`,
			func(s *schulhof.SchoolStats, n int64) { t := time.Unix(n, 0); s.LastImport = &t }, nil},
	} {
		if err := count(q.sql, q.set, q.args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateAnnouncement stores the operator's announcement.
func (db *DB) CreateAnnouncement(ctx context.Context, actor *schulhof.User, a *schulhof.Announcement) error {
	if err := a.Validate(db.Now()); err != nil {
		return err
	}
	now := db.now()
	a.CreatedAt = time.Unix(now, 0)
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO announcements (text, until, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			a.Text, a.Until.Unix(), actor.ID, now).Scan(&a.ID); err != nil {
			return err
		}
		return db.audit(ctx, tx, 0, "announcement.create", "", a.Text)
	})
}

// DeleteAnnouncement takes an announcement back.
func (db *DB) DeleteAnnouncement(ctx context.Context, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM announcements WHERE id = $1`, id)
		if err := oneRow(res, err, "announcement.not_found"); err != nil {
			return err
		}
		return db.audit(ctx, tx, 0, "announcement.delete", "", "")
	})
}

// FindAnnouncements returns the announcements that have not ended,
// newest first.
func (db *DB) FindAnnouncements(ctx context.Context, now time.Time) ([]*schulhof.Announcement, error) {
	rows, err := db.readRows(ctx, `SELECT id, text, until, created_at FROM announcements WHERE until > $1 ORDER BY created_at DESC, id DESC`, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Announcement
	for rows.Next() {
		a := &schulhof.Announcement{}
		var until, created int64
		if err := rows.Scan(&a.ID, &a.Text, &until, &created); err != nil {
			return nil, err
		}
		a.Until, a.CreatedAt = time.Unix(until, 0), time.Unix(created, 0)
		out = append(out, a)
	}
	return out, rows.Err()
}
